test_balloon_load_srcs := sched/balloon_load.c sched/balloon.c tests/unit/fake_console.c
