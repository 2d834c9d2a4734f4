# SPDX-License-Identifier: MIT
# libFuzzer harnesses for every parser of untrusted input: tests/fuzz/fuzz_<name>.c,
# linked with the parser sources listed below and the quiet console. Included by
# the top-level Makefile, which has the `fuzz` and `fuzz-smoke` targets
# (README "Fuzzing"; tools/fuzz-run does the running).

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-address-of-packed-member \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I. -DHOST_TEST
FUZZ_COMMON := tests/fuzz/quiet_console.c

# What each harness links besides itself and FUZZ_COMMON.
fuzz_manifest_srcs := core/manifest.c core/manifest_check.c core/manifest_keys.c lib/duration.c lib/printf.c
fuzz_mb2_srcs := boot/mb2.c lib/err.c
fuzz_guest_load_srcs := core/guest_load.c core/guest_elf.c core/guest_mods.c core/guest_linux.c
fuzz_acpi_srcs := arch/x86/acpi.c arch/x86/acpi_madt.c arch/x86/acpi_fadt.c
fuzz_decode_srcs := arch/x86/vdev/decode.c
fuzz_hypercall_srcs := core/hypercall.c core/shared.c core/vm.c core/vuart.c lib/printf.c
fuzz_cmdline_srcs := core/cmdline.c lib/duration.c lib/printf.c
fuzz_fwcfg_srcs := arch/x86/vdev/fwcfg.c arch/x86/vdev/acpi_pm.c

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/bin/fuzz_%,$(FUZZ_NAMES))
# Any header may change a parser's behaviour; a rebuild takes seconds.
FUZZ_HDRS := $(wildcard lib/*.h boot/*.h mm/*.h arch/x86/*.h core/*.h guest-abi/*.h tests/fuzz/*.h)

define FUZZ_RULE
$(BUILD)/fuzz/bin/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_srcs) $(FUZZ_COMMON) $(FUZZ_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$< $$(fuzz_$(1)_srcs) $(FUZZ_COMMON)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

fuzz-bins: $(FUZZ_BINS)
deps-check-fuzz:
	@tools/deps fuzz

.PHONY: fuzz-bins deps-check-fuzz
