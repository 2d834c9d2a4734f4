/* SPDX-License-Identifier: MIT */
/*
 * The legacy 8259A PIC pair, which we never use but must silence.
 * Environment: freestanding hypervisor, boot core, interrupts off.
 */
#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H

/* First vector the remapped PICs would use (only spurious IRQs can arrive). */
#define VEC_PIC_BASE 0x30

/*
 * Remap both PICs away from the exception vectors and mask every line.
 * The BIOS leaves the master at vectors 8-15, where its timer would look
 * like a double fault the moment interrupts are enabled.
 */
void pic_disable(void);

#endif
