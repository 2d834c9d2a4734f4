test_guest_check_srcs := arch/x86/vmx/guest_check.c
