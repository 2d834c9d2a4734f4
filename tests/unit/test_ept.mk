test_ept_srcs := arch/x86/ept.c tests/unit/fake_console.c
