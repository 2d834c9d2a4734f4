test_vlapic_srcs := arch/x86/vlapic.c arch/x86/vlapic_timer.c tests/unit/fake_console.c
