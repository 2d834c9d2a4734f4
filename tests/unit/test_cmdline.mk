test_cmdline_srcs := core/cmdline.c lib/duration.c lib/printf.c tests/unit/fake_console.c
