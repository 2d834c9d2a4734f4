// SPDX-License-Identifier: MIT
/*
 * Structure offsets for assembly. Compiled to assembly only; tools/gen-offsets
 * turns the "->NAME value" markers into build/gen/asm-offsets.h.
 * Environment: build time only.
 */
#include "arch/x86/pcpu.h"
#include "core/vm.h"

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0" : : "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(PCPU_SELF, offsetof(struct pcpu, self));
	DEFINE(PCPU_STACK_TOP, offsetof(struct pcpu, stack_top));
	DEFINE(PCPU_ID, offsetof(struct pcpu, id));
	DEFINE(PCPU_APIC_ID, offsetof(struct pcpu, apic_id));
	DEFINE(PCPU_STACK, offsetof(struct pcpu, stack));
	DEFINE(PCPU_STACK_END, offsetof(struct pcpu, stack) + PCPU_STACK_SIZE);
	DEFINE(PCPU_STRUCT_SIZE, sizeof(struct pcpu));
	DEFINE(PCPU_BLOCK_SIZE, sizeof(union pcpu_block));

	/* struct guest_regs, for arch/x86/vmx/entry.S */
	DEFINE(G_RAX, offsetof(struct guest_regs, rax));
	DEFINE(G_RCX, offsetof(struct guest_regs, rcx));
	DEFINE(G_RDX, offsetof(struct guest_regs, rdx));
	DEFINE(G_RBX, offsetof(struct guest_regs, rbx));
	DEFINE(G_RBP, offsetof(struct guest_regs, rbp));
	DEFINE(G_RSI, offsetof(struct guest_regs, rsi));
	DEFINE(G_RDI, offsetof(struct guest_regs, rdi));
	DEFINE(G_R8, offsetof(struct guest_regs, r8));
	DEFINE(G_R9, offsetof(struct guest_regs, r9));
	DEFINE(G_R10, offsetof(struct guest_regs, r10));
	DEFINE(G_R11, offsetof(struct guest_regs, r11));
	DEFINE(G_R12, offsetof(struct guest_regs, r12));
	DEFINE(G_R13, offsetof(struct guest_regs, r13));
	DEFINE(G_R14, offsetof(struct guest_regs, r14));
	DEFINE(G_R15, offsetof(struct guest_regs, r15));
	DEFINE(G_HOST_RSP, offsetof(struct guest_regs, host_rsp));
	DEFINE(VCPU_REGS, offsetof(struct vcpu, regs));
}
