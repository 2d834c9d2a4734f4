test_gpm_replan_srcs := $(sort $(wildcard sched/gpm*.c)) tests/unit/fake_console.c
