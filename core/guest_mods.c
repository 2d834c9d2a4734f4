// SPDX-License-Identifier: MIT
/*
 * Multiboot (version 1) boot modules for guests: where the loader puts them
 * and the module list it writes into the info block (see core/guest_load.h).
 * Environment: freestanding hypervisor, any core, interrupts either way; pure
 * code, also built hosted for unit tests.
 *
 * Rules (Multiboot 0.6.96 section 3.3, "mods"; QEMU's -initrd for a
 * multiboot kernel does the same):
 *  1. Modules are placed in the order given, after the kernel image: the
 *     first at the first page boundary at or above both the image's highest
 *     byte and 1 MiB, each next one at the first page boundary after the one
 *     before. So they never overlap the kernel, each other, the info block
 *     (below 0x9F000) or the legacy hole [0xA0000, 0x100000), where firmware
 *     tables live. Every module starts on a page (header flag bit 0 asks for
 *     no more than that).
 *  2. A module's string is "NAME args", as given; mod_end is exclusive (the
 *     first byte after the module, as GRUB and QEMU give it), so an empty
 *     module has mod_start == mod_end.
 *  3. All checks happen in guest_mods_plan(), before the loader writes a
 *     byte: more than GUEST_MODS_MAX modules, a string over GUEST_MODSTR_MAX
 *     bytes, or a module past the partition's memory or 4 GiB is refused
 *     with one line naming it.
 *  4. The memory map keeps calling module memory available RAM (GRUB and
 *     QEMU do the same): a guest keeps its modules, like its info block,
 *     before it hands that memory out.
 */
#include "core/guest_load.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot 0.6.96 section 3.3 module entry");
_Static_assert(GUEST_HOLE_END % PAGE_SIZE == 0, "modules start on a page");
/* The largest info block (longest cmdline, most modules, longest strings) fits the area. */
_Static_assert(GUEST_MBI_PREFERRED + GUEST_MBI_OFF_CMDLINE + GUEST_CMDLINE_MAX + 1 +
			       GUEST_MBI_MODS_ALIGN +
			       GUEST_MODS_MAX *
				       (sizeof(struct mb1_module) + GUEST_MODSTR_MAX + 1) <=
		       GUEST_MBI_AREA_END,
	       "the info area holds every module string");

/* Length of the first word of s (the module's name), for messages. */
static int name_len(const char *s)
{
	int n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t' && n < 63)
		n++;
	return n;
}

int guest_mods_plan(const struct guest_mods *mods, const char *name, uint64_t image_end,
		    uint64_t mem_size, struct guest_mods_plan *pl)
{
	uint64_t at = ALIGN_UP(MAX(image_end, (uint64_t)GUEST_HOLE_END), (uint64_t)PAGE_SIZE);
	uint64_t limit = MIN(mem_size, (uint64_t)UINT32_MAX);
	uint32_t n = mods ? mods->count : 0;

	memset(pl, 0, sizeof(*pl));
	if (n > GUEST_MODS_MAX) {
		kprintf("guest: '%s': %u boot modules, more than the %u allowed\n", name, n,
			GUEST_MODS_MAX);
		return -E_RANGE;
	}
	if (n && !mods->mod) {
		kprintf("guest: '%s': %u boot modules but no module table\n", name, n);
		return -E_INVAL;
	}
	pl->count = n;
	pl->info_len = n * (uint32_t)sizeof(struct mb1_module);
	pl->start = n ? (uint32_t)MIN(at, limit) : 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct guest_module *m = &mods->mod[i];
		size_t len;

		if (!m->string || (!m->data && m->size)) {
			kprintf("guest: '%s': boot module %u has no string or no data\n", name, i);
			return -E_INVAL;
		}
		len = strnlen(m->string, GUEST_MODSTR_MAX + 1);
		if (len > GUEST_MODSTR_MAX) {
			kprintf("guest: '%s': boot module %u's string is longer than the %u bytes "
				"allowed\n",
				name, i, GUEST_MODSTR_MAX);
			return -E_RANGE;
		}
		/* at <= limit holds here, so limit - at cannot wrap. */
		if (at > limit || m->size > limit - at) {
			kprintf("guest: '%s': boot module %u '%.*s' (%llu bytes) does not fit: it "
				"would start at 0x%llx, after the kernel and the modules before "
				"it, and partition memory ends at 0x%llx\n",
				name, i, name_len(m->string), m->string,
				(unsigned long long)m->size, (unsigned long long)at,
				(unsigned long long)mem_size);
			return -E_RANGE;
		}
		pl->info_len += (uint32_t)len + 1;
		pl->end = (uint32_t)(at + m->size);
		at = ALIGN_UP(at + m->size, (uint64_t)PAGE_SIZE);
	}
	return 0;
}

uint32_t guest_mods_write(struct guest_mem *mem, const struct guest_mods *mods,
			  const struct guest_mods_plan *pl, uint32_t info_at, uint32_t list_off)
{
	uint32_t list = info_at + list_off;
	uint32_t str = list + pl->count * (uint32_t)sizeof(struct mb1_module);
	uint64_t at = pl->start;

	for (uint32_t i = 0; i < pl->count; i++) {
		const struct guest_module *m = &mods->mod[i];
		size_t len = strlen(m->string); /* bounded by guest_mods_plan() */
		struct mb1_module e = { (uint32_t)at, (uint32_t)(at + m->size), str, 0 };

		if (m->size)
			memcpy(mem->base + at, m->data, (size_t)m->size);
		memcpy(mem->base + list + i * sizeof(e), &e, sizeof(e));
		memcpy(mem->base + str, m->string, len + 1);
		str += (uint32_t)len + 1;
		at = ALIGN_UP(at + m->size, (uint64_t)PAGE_SIZE);
	}
	return list;
}
