test_gpm_srcs := sched/gpm.c tests/unit/fake_console.c
