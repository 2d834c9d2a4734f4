test_cmdline_srcs := core/cmdline.c tests/unit/fake_console.c
