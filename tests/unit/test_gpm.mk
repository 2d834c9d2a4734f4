test_gpm_srcs := sched/gpm.c sched/gpm_affinity.c tests/unit/fake_console.c
