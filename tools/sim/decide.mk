# SPDX-License-Identifier: MIT
# Builds the per-decision cost benchmark (tools/sim/decide.c) against the real
# sched/ policy files: `make -f tools/sim/decide.mk` gives build/sim/decide.
# Environment: GNU make on the host, run from the repository root; host gcc.
# No sanitizers: the binary runs under valgrind's callgrind (tools/sim-decide).
# May be included by another Makefile after its first target (its rules would
# otherwise become the default goal); its variables are all named SIM_*.

SIM_BUILD ?= build/sim
SIM_CC ?= gcc
SIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wundef -I. -DHOST_TEST
# The GPM is split over sched/gpm*.c (gpm.c, gpm_affinity.c, ...): link them all.
SIM_DECIDE_SRCS := tools/sim/decide.c sched/runq.c sched/policy_fair.c \
	sched/policy_noop.c $(sort $(wildcard sched/gpm*.c)) lib/mailbox.c

$(SIM_BUILD)/decide: $(SIM_DECIDE_SRCS) $(wildcard sched/*.h lib/*.h) tools/sim/decide.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(SIM_CC) $(SIM_CFLAGS) -o $@ $(SIM_DECIDE_SRCS) -lpthread

.PHONY: sim-decide-bin
sim-decide-bin: $(SIM_BUILD)/decide
