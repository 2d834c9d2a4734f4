# SPDX-License-Identifier: MIT
# Cypress top-level build. `make` builds build/cypress.elf and build/cypress.iso.
# `make run` boots it on the best platform here; `make test` runs everything CI runs
# (and CI then runs `make test-linux`, the Linux guest suites).

BUILD := build
CC := gcc
HOSTCC := gcc
OBJCOPY := objcopy

# Every kernel source in these directories is linked: adding a file is enough.
KDIRS := boot lib arch/x86 arch/x86/vmx arch/x86/vdev mm drivers core sched
KSRCS := $(foreach d,$(KDIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S))
KSRCS := $(filter-out arch/x86/asm-offsets.c,$(KSRCS))
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wvla -Wundef -Wno-address-of-packed-member
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mcmodel=small \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx -mgeneral-regs-only \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fcf-protection=none \
	-I. -I$(BUILD)/gen -MMD -MP
KASFLAGS := -I. -I$(BUILD)/gen -MMD -MP -D__ASSEMBLY__
# The checking build (tools/vmcs-budget): every VMREAD/VMWRITE counted per exit reason.
ifneq ($(VMCS_COUNT),)
KCFLAGS += -DVMCS_COUNT
KASFLAGS += -DVMCS_COUNT
endif
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	-Wl,--build-id=none -Wl,-z,norelro

all: $(BUILD)/cypress.elf $(BUILD)/cypress.iso

$(BUILD)/gen/asm-offsets.h: arch/x86/asm-offsets.c $(wildcard arch/x86/*.h arch/x86/vmx/*.h arch/x86/vdev/*.h core/*.h lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(CC) $(KCFLAGS) -MF /dev/null -S -o $(BUILD)/gen/asm-offsets.s $<
	@tools/gen-offsets $(BUILD)/gen/asm-offsets.s > $@.tmp && mv $@.tmp $@

$(BUILD)/k/%.c.o: %.c $(BUILD)/gen/asm-offsets.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c -o $@ $<

$(BUILD)/k/%.S.o: %.S $(BUILD)/gen/asm-offsets.h
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c -o $@ $<

$(BUILD)/linker.ld: linker.ld $(BUILD)/gen/asm-offsets.h
	@$(CC) -E -P -x c -I$(BUILD)/gen -D__ASSEMBLY__ -o $@ $<

$(BUILD)/cypress.elf: $(KOBJS) $(BUILD)/linker.ld
	@echo "  LD      $@"
	@$(CC) $(KLDFLAGS) -T $(BUILD)/linker.ld -o $@ $(KOBJS)
	@grub-file --is-x86-multiboot2 $@ || (echo "error: $@ has no valid multiboot2 header" >&2; exit 1)

$(BUILD)/cypress.iso: $(BUILD)/cypress.elf tools/mkiso
	@echo "  ISO     $@"
	@tools/mkiso -o $@ -k $(BUILD)/cypress.elf

-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)

# ---- host unit tests (tests/unit/test_<name>.c, sources in test_<name>.mk) ----
HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-address-of-packed-member \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I. -DHOST_TEST
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
include $(wildcard tests/unit/*.mk)
UNIT_BINS := $(patsubst %,$(BUILD)/unit/%,$(UNIT_TESTS))

$(BUILD)/unit/%: tests/unit/%.c tests/unit/%.mk $(wildcard tests/unit/*.h) FORCE_DEPS
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $($*_srcs) -lcmocka -lpthread

FORCE_DEPS: ;
.PHONY: FORCE_DEPS

unit: deps-check-unit $(UNIT_BINS)
	@tools/run-unit $(UNIT_BINS)

# ---- guest test kernels (tests/guests/guests.mk) ----
include tests/guests/guests.mk

DEFAULT_MANIFEST := tests/guests/default.manifest
DEFAULT_GUESTS := $(patsubst %,$(GUEST_OUT)/%,$(shell sed -n 's/^kernel *= *\([^ #]*\).*/\1/p' $(DEFAULT_MANIFEST)))

# ---- entry points ----
deps:
	@tools/deps all
deps-check-unit:
	@tools/deps unit

test:
	@tools/deps all
	$(MAKE) all guests
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) format-check
	tests/boot/run-all
	tests/guests/run-qemu
	tests/vmx/run-all
	tools/vmcs-budget
	tests/tools/trace-plot.test
	$(MAKE) sim-test

run:
	@tools/deps all
	$(MAKE) all guests
	tools/run-best --cpus 5 --cmdline trace=on --module $(DEFAULT_MANIFEST):manifest \
		$(foreach g,$(DEFAULT_GUESTS),--module $(g):$(notdir $(g))) | tee $(BUILD)/run.log
	tools/trace-plot -o $(BUILD)/run-trace.png $(BUILD)/run.log

# ---- Linux guests (README "Booting your own Linux guest"): Debian 12's kernel and
# busybox-static fetched by tools/linux-fetch into build/linux (network once, then
# cached), the test initramfs by tools/linux-initramfs. LINUX_ADD="SRC:DEST ..." adds
# files to the initramfs (e.g. a module and the script /init runs after its checks).
LINUX_ADD ?=

linux:
	@tools/deps linux
	tools/linux-fetch
	tools/linux-initramfs $(foreach a,$(LINUX_ADD),--add $(a))

# The tests/linux suites (Linux in Bochs is slow: minutes), with the same runner and
# checks as tests/vmx; not part of `make test` (it needs the network once).
test-linux:
	@tools/deps all
	@tools/deps linux
	$(MAKE) all guests linux
	tools/linux-fetch --headers
	$(MAKE) linux-pv
	VMX_SUITE_DIR=tests/linux tests/vmx/run-all

# One Linux partition (tests/linux/run.manifest), its console on the terminal; no time
# limit (Ctrl-C ends it).
run-linux:
	@tools/deps run
	@tools/deps linux
	$(MAKE) all linux
	tools/run-best --cpus 3 --mem 512 --module tests/linux/run.manifest:manifest \
		--module $(BUILD)/linux/vmlinuz:vmlinuz \
		--module $(BUILD)/linux/initramfs.cpio:initramfs.cpio

# Deliberate bugs (tests/mutants/) against the suites that should catch them;
# slow (20-30 min), not part of `make test`.
mutants:
	@tools/deps all
	tools/mutants

# make bench does not include bench-peer: its two Linux boots in Bochs take minutes each.
bench:
	@tools/deps all
	$(MAKE) all guests
	tools/bench-boot
	tools/bench-vmx
	tools/vmcs-budget --report
	tools/bench-runtime
	tools/bench-papers

# The KVM-API VMM tools/bench-peer runs inside Debian's Linux, also its /init: static, as
# the initramfs holds no libc.
$(BUILD)/kvm-peer/vmm: tools/kvm-peer/vmm.c tools/kvm-peer/init.c tools/kvm-peer/init.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (static)"
	@$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -static -pthread -o $@ $(filter %.c,$^)

# The exit path of Cypress next to Linux KVM's in the same Bochs (issue 14): one table.
bench-peer:
	@tools/deps peer
	$(MAKE) all guests $(BUILD)/kvm-peer/vmm
	tools/bench-peer

# ---- the many-core simulator (tools/sim): a report, not a timed test ----
include tools/sim/sim.mk
include tools/sim/decide.mk

sim:
	@tools/deps all
	$(MAKE) $(SIM_BUILD)/cypress-sim
	$(SIM_BUILD)/cypress-sim --scale $(or $(SIM_SCALE),paper) --out $(SIM_BUILD) \
		--log $(SIM_BUILD)/sim.log > $(SIM_BUILD)/report.txt
	tools/sim-decide --out $(SIM_BUILD) >> $(SIM_BUILD)/report.txt
	@cat $(SIM_BUILD)/report.txt
	tools/sim-plot --dir $(SIM_BUILD)
	@echo "sim: tables in $(SIM_BUILD)/report.txt, plots in $(SIM_BUILD)/*.png, log in $(SIM_BUILD)/sim.log"

sim-test: $(SIM_BUILD)/cypress-sim-san
	tests/sim/run-small
	tests/sim/decide-smoke

# ---- hostile-guest fuzzer: SEEDS=N [OPS=M FIRST=S SKIP=a,b RARE=R] (tools/fuzz-guests) ----
fuzz-guests:
	@tools/deps all
	$(MAKE) all guests
	tools/fuzz-guests --seeds $(or $(SEEDS),8) $(if $(OPS),--ops $(OPS)) \
		$(if $(FIRST),--first $(FIRST)) $(if $(SKIP),--skip $(SKIP)) $(if $(RARE),--rare $(RARE))
.PHONY: fuzz-guests

format-check:
	@tools/format-check

# ---- fuzzing (tests/fuzz/fuzz.mk, README "Fuzzing"): harnesses run one after another ----
include tests/fuzz/fuzz.mk
include guest-abi/linux/module.mk
FUZZ_TIME ?= 300

fuzz: deps-check-fuzz fuzz-bins
	tools/fuzz-run --time $(FUZZ_TIME) --out $(BUILD)/fuzz $(FUZZ_BINS)

fuzz-smoke: deps-check-fuzz fuzz-bins
	@tools/fuzz-run --smoke --out $(BUILD)/fuzz $(FUZZ_BINS)

.PHONY: fuzz fuzz-smoke

clean:
	rm -rf $(BUILD)

.PHONY: all guests unit deps deps-check-unit test run mutants bench bench-peer sim sim-test format-check clean \
	linux test-linux run-linux
