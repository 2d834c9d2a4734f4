/* SPDX-License-Identifier: MIT */
/*
 * Guest test "nmiwindow": the NMI entry. The library's stubs report every
 * exception below 32 as unexpected, so main.c points IDT vector 2 here.
 * NMIs stay blocked from delivery until the IRET at the end (SDM 3A 6.7.1).
 * Environment: guest test kernel, 32-bit protected mode, ring 0, vCPU 0.
 */
	.text
	.code32
	.globl nmi_entry
nmi_entry:
	pushal
	cld
	call nmi_handler
	popal
	iret

	.section .note.GNU-stack, "", @progbits
