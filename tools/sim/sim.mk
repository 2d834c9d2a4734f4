# SPDX-License-Identifier: MIT
# Builds the many-core simulator against the real sched/ files, unchanged:
# build/sim/cypress-sim (optimised, for `make sim`) and
# build/sim/cypress-sim-san (ASan/UBSan, for the small runs in `make test`).
# Environment: GNU make on the host, run from the repository root; host gcc.
# Included by the top Makefile after its first target.

SIM_BUILD ?= build/sim
SIM_CC ?= gcc
SIM_WARN := -std=gnu11 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wundef -I. -DHOST_TEST
# Every sched/ file, as the hypervisor links them, plus lib/err.c for err_name().
SIM_SRCS := $(filter-out tools/sim/decide.c,$(sort $(wildcard tools/sim/*.c))) \
	$(sort $(wildcard sched/*.c)) lib/err.c
SIM_DEPS := $(SIM_SRCS) $(wildcard tools/sim/*.h sched/*.h lib/*.h) tools/sim/sim.mk

$(SIM_BUILD)/cypress-sim: $(SIM_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(SIM_CC) $(SIM_WARN) -O2 -o $@ $(SIM_SRCS) -lm

$(SIM_BUILD)/cypress-sim-san: $(SIM_DEPS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(SIM_CC) $(SIM_WARN) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -DSIM_CHECK -o $@ $(SIM_SRCS) -lm
