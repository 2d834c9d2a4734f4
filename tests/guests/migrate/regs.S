/* SPDX-License-Identifier: MIT */
/*
 * Guest test "migrate": the register checker. Loads six general-purpose
 * registers from in[], spins, stores them to out[]; the caller compares.
 * A vCPU moved between cores in the spin must come back with every
 * register as it left (the hypervisor saves and restores them per vCPU).
 * EAX is the spin counter and ESP the stack, so those two are not checked.
 *   void regcheck(const uint32_t in[6], uint32_t out[6], uint32_t spins)
 *   order: ebx, ecx, edx, esi, edi, ebp; precondition: spins >= 1.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
	.text
	.code32
	.globl regcheck
	.type regcheck, @function
regcheck:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	/* Arguments past the four saved registers and the return address. */
	mov	20(%esp), %eax
	mov	0(%eax), %ebx
	mov	4(%eax), %ecx
	mov	8(%eax), %edx
	mov	12(%eax), %esi
	mov	16(%eax), %edi
	mov	20(%eax), %ebp
	mov	28(%esp), %eax
1:	dec	%eax
	jnz	1b
	mov	24(%esp), %eax
	mov	%ebx, 0(%eax)
	mov	%ecx, 4(%eax)
	mov	%edx, 8(%eax)
	mov	%esi, 12(%eax)
	mov	%edi, 16(%eax)
	mov	%ebp, 20(%eax)
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret
	.size regcheck, . - regcheck

/*
 *   void xmmcheck(const uint32_t in[16], uint32_t out[16], uint32_t spins)
 * The same for XMM0-XMM3 (16 words): a vCPU's SSE state must follow it
 * between cores and must not be touched by other vCPUs (of this partition
 * or another) sharing its core. Precondition: CR4.OSFXSR set, CR0.EM and
 * CR0.TS clear.
 */
	.globl xmmcheck
	.type xmmcheck, @function
xmmcheck:
	mov	4(%esp), %eax
	movdqu	0(%eax), %xmm0
	movdqu	16(%eax), %xmm1
	movdqu	32(%eax), %xmm2
	movdqu	48(%eax), %xmm3
	mov	12(%esp), %eax
1:	dec	%eax
	jnz	1b
	mov	8(%esp), %eax
	movdqu	%xmm0, 0(%eax)
	movdqu	%xmm1, 16(%eax)
	movdqu	%xmm2, 32(%eax)
	movdqu	%xmm3, 48(%eax)
	ret
	.size xmmcheck, . - xmmcheck

	.section .note.GNU-stack, "", @progbits
