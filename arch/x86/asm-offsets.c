// SPDX-License-Identifier: MIT
/*
 * Structure offsets for assembly. Compiled to assembly only; tools/gen-offsets
 * turns the "->NAME value" markers into build/gen/asm-offsets.h.
 * Environment: build time only.
 */
#include "arch/x86/pcpu.h"

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
}
