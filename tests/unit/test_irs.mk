test_irs_srcs := sched/irs.c tests/unit/fake_console.c
