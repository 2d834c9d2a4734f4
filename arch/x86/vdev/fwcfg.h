/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (fw_cfg), the port I/O interface as
 * QEMU's docs/specs/fw_cfg.rst describes it: a 16-bit selector written to
 * port 0x510 picks an item and rewinds it; each byte read from port 0x511
 * returns the next byte of the item, and 0 past its end or for an item
 * that does not exist. Offered items: the signature "QEMU", the interface
 * ID, the RAM size, the CPU counts, the file directory and up to
 * FWCFG_FILES_MAX files (the manifest's `fwcfg` lines). The DMA interface
 * (ports 0x514-0x51b, fw_cfg.rst "DMA interface") is offered too, ID bit 1:
 * the guest writes the guest-physical address of a FWCfgDmaAccess, and
 * the device reads or skips the selected item into guest memory through a
 * map callback the caller supplies (so every address is checked there).
 * Environment: pure (hosted tests too); one per VM, callers serialise
 * (vm->fwcfg_lock), interrupts either way. File bytes are read in place
 * and must stay valid and unchanged for the device's life.
 */
#ifndef ARCH_X86_VDEV_FWCFG_H
#define ARCH_X86_VDEV_FWCFG_H

#include "lib/types.h"

#define FWCFG_PORT_SEL	0x510 /* selector, 16-bit write */
#define FWCFG_PORT_DATA 0x511 /* data, 8-bit read */
#define FWCFG_PORT_DMA	0x514 /* DMA address: high half (be32), then low half at 0x518 */
#define FWCFG_PORT_END	0x51b /* last port of the device */

/* Selector keys (fw_cfg.rst, "Selector Register"; QEMU's fw_cfg_keys.h). */
#define FWCFG_SIGNATURE	     0x0000 /* "QEMU" */
#define FWCFG_ID	     0x0001 /* le32: bit 0 traditional interface, bit 1 DMA */
#define FWCFG_RAM_SIZE	     0x0003 /* le64: guest RAM in bytes */
#define FWCFG_NB_CPUS	     0x0005 /* le16: CPUs present at boot */
#define FWCFG_MAX_CPUS	     0x000f /* le16: CPUs possible */
#define FWCFG_FILE_DIR	     0x0019 /* be32 count, then struct fwcfg_dir_entry each */
#define FWCFG_FILE_FIRST     0x0020 /* the first file's key */
#define FWCFG_ID_TRADITIONAL 0x1u
#define FWCFG_ID_DMA	     0x2u

/* FWCfgDmaAccess.control bits (fw_cfg.rst, "DMA interface"). */
#define FWCFG_DMA_ERROR	 0x01u
#define FWCFG_DMA_READ	 0x02u
#define FWCFG_DMA_SKIP	 0x04u
#define FWCFG_DMA_SELECT 0x08u /* the key is in bits 31:16 */
#define FWCFG_DMA_WRITE	 0x10u
#define FWCFG_DMA_SIG	 "QEMU CFG" /* what the DMA ports read, byte by byte */
/* Longest READ one request may ask for: the copy runs while the vCPU's
 * core is in the hypervisor, so it is bounded (64 MiB: some 10 ms). */
#define FWCFG_DMA_MAX MiB(64)

#define FWCFG_FILES_MAX 8  /* files per VM (the manifest's limit) */
#define FWCFG_NAME_MAX	56 /* bytes of a directory name, NUL included */
#define FWCFG_DIR_ENTRY 64 /* bytes of one directory entry */

struct fwcfg_file {
	char name[FWCFG_NAME_MAX]; /* NUL-terminated, NUL-padded */
	const uint8_t *data;
	uint32_t size;
};

struct fwcfg {
	uint16_t sel;	 /* the selected key, as last written */
	uint32_t off;	 /* next byte of it to read */
	uint32_t dma_hi; /* the DMA address's high half, as last written */
	uint64_t ram_size;
	uint16_t ncpus, max_cpus;
	uint32_t nfiles;
	struct fwcfg_file files[FWCFG_FILES_MAX];
};

/*
 * Set up f for a VM with ram_size bytes of memory and ncpus vCPUs (also its
 * maximum: there is no CPU hot-plug); no files; the signature is selected.
 */
void fwcfg_init(struct fwcfg *f, uint64_t ram_size, uint16_t ncpus);

/*
 * Add a file under name (1..FWCFG_NAME_MAX-1 printable ASCII bytes) with
 * the size bytes at data; it gets key FWCFG_FILE_FIRST + its index.
 * Returns 0, -E_INVAL (bad name, NULL data with a size, size over 4 GiB - 1),
 * -E_EXIST (the name is taken) or -E_FULL (FWCFG_FILES_MAX files already).
 */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint64_t size);

/* A guest write of val (size 1 or 2 bytes) to the selector port. */
void fwcfg_select(struct fwcfg *f, uint16_t val);

/* A guest byte read of the data port: the next byte of the selected item. */
uint8_t fwcfg_read(struct fwcfg *f);

/*
 * Makes guest-physical [gpa, gpa + len) accessible: a host pointer to all
 * of it, or NULL if any byte of it is not the guest's memory.
 */
typedef void *(*fwcfg_map_fn)(void *ctx, uint64_t gpa, uint64_t len);

/*
 * Run the DMA request whose 16-byte FWCfgDmaAccess (be32 control, be32
 * length, be64 address) is at guest-physical gpa, as QEMU does: SELECT
 * first, then READ (else WRITE, else SKIP) of length bytes; a read past
 * the item's end writes zeros; WRITE is refused (no item is writable);
 * an unmappable address or a READ longer than FWCFG_DMA_MAX sets ERROR. Then the control word is written back
 * as 0, or FWCFG_DMA_ERROR. A FWCfgDmaAccess that is not mappable is
 * ignored (there is nowhere to report to). Returns the control written
 * back, or FWCFG_DMA_ERROR | 0x100 when nothing could be written.
 */
uint32_t fwcfg_dma(struct fwcfg *f, uint64_t gpa, fwcfg_map_fn map, void *ctx);

#endif
