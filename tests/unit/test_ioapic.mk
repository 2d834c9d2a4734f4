test_ioapic_srcs := arch/x86/vdev/ioapic.c
