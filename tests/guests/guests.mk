# SPDX-License-Identifier: MIT
# Guest test kernels (included by the top-level Makefile): `make guests` builds
# build/guests/<name>.elf for every tests/guests/<name>/main.c, linked with the
# shared library in tests/guests/lib/. Adding a directory is enough.
# `make guests-qemu` runs them under plain QEMU TCG (tests/guests/run-qemu).
# 32-bit freestanding i386 ELF, multiboot v1; built with the host gcc, no
# multilib needed (gcc's own freestanding headers, no libc, no libgcc).
# Environment: GNU make, included by the top-level Makefile; host gcc, binutils, grub-file.

GUEST_CC := gcc
GUEST_LD := ld
GUEST_OUT := build/guests
GUEST_NAMES := $(sort $(patsubst tests/guests/%/main.c,%,$(wildcard tests/guests/*/main.c)))
GUEST_LDS := tests/guests/lib/guest.ld
GUEST_LIB_SRCS := $(sort $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S))
# Pure hypervisor code the guests share: one printf for both.
GUEST_SHARED_SRCS := lib/printf.c lib/string.c
GUEST_LIB_OBJS := $(patsubst tests/guests/%,$(GUEST_OUT)/obj/%.o,$(GUEST_LIB_SRCS)) \
	$(patsubst %,$(GUEST_OUT)/obj/shared/%.o,$(GUEST_SHARED_SRCS))
GUEST_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wvla -Wundef
GUEST_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 -g $(GUEST_WARN) -ffreestanding -nostdlib \
	-nostdinc -isystem $(shell $(GUEST_CC) -print-file-name=include) \
	-fno-pic -fno-pie -fno-stack-protector -mno-sse -mno-mmx -mgeneral-regs-only \
	-fno-builtin -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	-fcf-protection=none -I. -MMD -MP
GUEST_ASFLAGS := -m32 -I. -MMD -MP -D__ASSEMBLER__
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static --build-id=none -z noexecstack \
	-z max-page-size=0x1000

$(GUEST_OUT)/obj/%.c.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/obj/shared/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/obj/%.S.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	@echo "  GUESTAS $<"
	@$(GUEST_CC) $(GUEST_ASFLAGS) -c -o $@ $<

# The paravirtual guest library (guest-abi/libcypress.c): built for i386 and
# linked into every guest (tests/guests/lib uses its error names; pvos all of
# it), and built for x86-64 too (never linked here) so both widths it
# promises stay compilable.
GUEST_ABI_OBJ := $(GUEST_OUT)/obj/abi/libcypress.c.o
GUEST_ABI_OBJ64 := $(GUEST_OUT)/obj/abi64/libcypress.c.o
GUEST_CFLAGS64 := $(filter-out -m32 -march=i686,$(GUEST_CFLAGS)) -m64 -mno-red-zone
GUEST_LIB_OBJS += $(GUEST_ABI_OBJ)

$(GUEST_ABI_OBJ): guest-abi/libcypress.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $< (i386)"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_ABI_OBJ64): guest-abi/libcypress.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $< (x86-64)"
	@$(GUEST_CC) $(GUEST_CFLAGS64) -c -o $@ $<

# One link rule per test directory; every .c/.S in the directory is linked.
define GUEST_template
$(GUEST_OUT)/$(1).elf: $(patsubst tests/guests/%,$(GUEST_OUT)/obj/%.o,$(sort $(wildcard tests/guests/$(1)/*.c tests/guests/$(1)/*.S))) $(GUEST_EXTRA_$(1)) $(GUEST_LIB_OBJS) $(GUEST_LDS)
	@echo "  GUESTLD $$@"
	@$(GUEST_LD) $(GUEST_LDFLAGS) -T $(GUEST_LDS) -o $$@ $$(filter %.o,$$^)
	@grub-file --is-x86-multiboot $$@ || (echo "error: $$@ has no valid multiboot header" >&2; rm -f $$@; exit 1)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_template,$(g))))

# Test data next to a guest (tests/guests/NAME/*.txt, *.env, *.bin: boot
# modules, docs/guest-tests.md) is copied to build/guests/, where
# tests/vmx/run-all and tests/guests/run-qemu find modules by file name.
GUEST_DATA := $(sort $(wildcard tests/guests/*/*.txt tests/guests/*/*.env tests/guests/*/*.bin))
define GUEST_DATA_template
$(GUEST_OUT)/$(notdir $(1)): $(1)
	@mkdir -p $$(dir $$@)
	@echo "  CP      $$@"
	@cp $$< $$@
endef
$(foreach f,$(GUEST_DATA),$(eval $(call GUEST_DATA_template,$(f))))

# The symbol table of each guest, in the System.map format a manifest's
# `symbols = NAME.map` names (the micro-sliced pool, docs/manifest.md).
$(GUEST_OUT)/%.map: $(GUEST_OUT)/%.elf
	@echo "  NM      $@"
	@nm -n $< > $@.tmp && mv $@.tmp $@

guests: $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES)) $(patsubst %,$(GUEST_OUT)/%.map,$(GUEST_NAMES)) \
	$(GUEST_ABI_OBJ64) $(addprefix $(GUEST_OUT)/,$(notdir $(GUEST_DATA)))

guests-qemu: guests
	tests/guests/run-qemu

-include $(wildcard $(GUEST_OUT)/obj/*/*.d)

.PHONY: guests guests-qemu
