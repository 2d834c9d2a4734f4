/* SPDX-License-Identifier: MIT */
/*
 * Guest test "crwrite": what main.c and lm.S share for the 64-bit visit.
 * Environment: guest test kernel; included by C and by assembly.
 */
#ifndef GUEST_CRWRITE_LM_H
#define GUEST_CRWRITE_LM_H

#define LM_CS32 0x08 /* same descriptor as the library's flat code segment */
#define LM_DS	0x10
#define LM_CS64 0x18 /* L = 1, D = 0 (SDM 3A 3.4.5) */

/* Offsets in struct lm_result. */
#define LM_LEAF 0
#define LM_WIDE 4
#define LM_EAX	8
#define LM_EBX	12
#define LM_ECX	16
#define LM_EDX	20

#ifndef __ASSEMBLER__
#include <stdint.h>

/* In: leaf. Out: wide = 1 if 64-bit arithmetic ran, CPUID's registers. */
struct lm_result {
	uint32_t leaf, wide, eax, ebx, ecx, edx;
};

extern struct lm_result lm_result;

/* Visit 64-bit mode once. Precondition: IA-32e compatibility mode, IF = 0. */
void lm_visit64(void);
#endif

#endif
