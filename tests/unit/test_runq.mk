test_runq_srcs := sched/runq.c sched/policy_noop.c sched/policy_fair.c tests/unit/fake_console.c
