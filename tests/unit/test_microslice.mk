test_microslice_srcs := sched/microslice.c sched/msc_adapt.c tests/unit/fake_console.c
