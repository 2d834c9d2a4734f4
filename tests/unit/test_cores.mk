test_cores_srcs := sched/cores.c tests/unit/fake_console.c
