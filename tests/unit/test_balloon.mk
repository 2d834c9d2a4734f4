test_balloon_srcs := sched/balloon.c tests/unit/fake_console.c
