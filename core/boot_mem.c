// SPDX-License-Identifier: MIT
/*
 * Memory bring-up: frame allocator, heap and W^X page tables.
 * Environment: freestanding hypervisor, boot core, interrupts off.
 */
#include "arch/x86/paging.h"
#include "core/boot.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/heap.h"

extern char __image_start[], __image_end[];

static void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)phys; /* identity mapped */
}

static uint64_t virt_to_phys(void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void boot_memory_init(const struct boot_info *bi, uint64_t tramp)
{
	static struct mem_region res[MB2_MAX_MODS + 4];
	size_t n = 0;

	res[n++] = (struct mem_region){ (uint64_t)__image_start,
					(uint64_t)(__image_end - __image_start), MEM_RESERVED };
	res[n++] = (struct mem_region){ bi->info_phys, bi->info_size, MEM_RESERVED };
	if (tramp)
		res[n++] = (struct mem_region){ tramp, PAGE_SIZE, MEM_RESERVED };
	for (uint32_t i = 0; i < bi->nmods; i++)
		res[n++] = (struct mem_region){ bi->mods[i].start,
						bi->mods[i].end - bi->mods[i].start, MEM_RESERVED };

	if (frame_init(bi->mmap, bi->nmmap, res, n, phys_to_virt) < 0) {
		kprintf("mem: no usable memory above 1 MiB; cannot continue\n");
		return;
	}
	heap_init(phys_to_virt, virt_to_phys);
	paging_init(bi->mmap, bi->nmmap, tramp);

	uint64_t rx, rw;
	uint64_t wx = paging_check_wx(&rx, &rw);
	if (wx == 0)
		kprintf("paging: W^X holds: %llu pages RX, %llu pages RW, none both\n",
			(unsigned long long)rx, (unsigned long long)rw);
	else
		kprintf("paging: W^X VIOLATED: %llu pages writable and executable\n",
			(unsigned long long)wx);

	struct frame_stats st;
	frame_stats(&st);
	kprintf("mem: %llu KiB usable, %llu KiB free, %llu KiB used, %llu KiB reserved, top 0x%llx\n",
		(unsigned long long)(st.total * 4), (unsigned long long)(st.free * 4),
		(unsigned long long)(st.used * 4), (unsigned long long)(st.reserved_pages * 4),
		(unsigned long long)st.highest);
}
