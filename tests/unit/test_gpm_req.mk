test_gpm_req_srcs := $(sort $(wildcard sched/gpm*.c)) tests/unit/fake_console.c
