test_mb2_srcs := boot/mb2.c tests/unit/fake_console.c lib/err.c
