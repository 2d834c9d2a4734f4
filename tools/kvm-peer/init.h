/* SPDX-License-Identifier: MIT */
/*
 * kvm-peer-vmm as /init of the tools/bench-peer initramfs (tools/kvm-peer/init.c).
 * Environment: Linux user space, PID 1.
 */
#ifndef KVM_PEER_INIT_H
#define KVM_PEER_INIT_H

/* Set Linux up for KVM, run this program as the VMM once per line of
 * /etc/kvm-peer/runs, power off. Never returns. */
void peer_init(void) __attribute__((noreturn));

#endif
