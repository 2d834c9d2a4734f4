test_ept_srcs := arch/x86/vmx/ept.c tests/unit/fake_console.c
