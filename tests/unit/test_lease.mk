test_lease_srcs := sched/lease.c tests/unit/fake_console.c
