test_vlapic_page_srcs := arch/x86/vdev/vlapic.c arch/x86/vdev/vlapic_timer.c tests/unit/fake_console.c
