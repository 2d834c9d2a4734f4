test_gang_srcs := sched/gang.c sched/policy_gang.c sched/policy_fair.c sched/runq.c tests/unit/fake_console.c
