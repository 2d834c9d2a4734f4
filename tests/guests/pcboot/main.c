// SPDX-License-Identifier: MIT
/*
 * Guest test "pcboot": what a QEMU -kernel guest finds of the PC's firmware
 * interfaces, read the way such a kernel reads them.
 * 1. fw_cfg (port 0x510/0x511): signature "QEMU" (by INSB and REP INSB
 *    too), ID bit 0, NB_CPUS,
 *    MAX_CPUS, RAM size (against the multiboot mem_upper). If the ID has
 *    bit 1, the DMA interface (0x514/0x518) too: its ports read "QEMU CFG",
 *    the signature and NB_CPUS read by DMA agree, a DMA write is refused.
 * 2. ACPI: the RSDP found by scanning the EBDA's first KiB and
 *    0xE0000-0xFFFFF, its checksums; the XSDT (revision >= 2) or the RSDT
 *    (revision 0, as SeaBIOS gives); every table it lists checksummed; the
 *    FADT and its DSDT; the MADT's enabled local APICs counted (must equal
 *    NB_CPUS) and an I/O APIC present.
 * 3. Every AP the MADT lists is started by its APIC ID (INIT-SIPI-SIPI)
 *    and must check in.
 * 4. The FADT's PM timer (if any) advances across a 10 ms delay and never
 *    goes back over 1000 reads (modulo its 24- or 32-bit wrap).
 * 5. With "file=1": the fw_cfg directory holds "opt/cypress/test" and its
 *    bytes are those of tests/guests/pcboot/pcboot-file.txt (read by port, and by
 *    DMA where offered, with zeros past its end, and by REP INSB). With
 *    "paging" also by REP INSB with 32-bit paging on, to a linear range
 *    whose two pages are mapped in swapped order.
 * 6. With "off=acpi": after a SUCCESS verdict the guest powers off the
 *    ACPI way (SLP_TYP from the DSDT's \_S5 with SLP_EN into PM1a_CNT)
 *    instead of through isa-debug-exit; any other verdict exits as usual.
 * Prints "bench: NAME N ticks" for an fw_cfg byte read, a 4 KiB REP INSB,
 * a 4 KiB DMA read and a PM timer read.
 * Command line: file=1, paging, off=acpi, xapic (no x2APIC). One verdict line.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), all CPUs.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "pcboot";

#define FW_SEL	 0x510
#define FW_DATA	 0x511
#define FW_SIG	 0x0000
#define FW_ID	 0x0001
#define FW_RAM	 0x0003
#define FW_NCPUS 0x0005
#define FW_MAX	 0x000f
#define FW_DIR	 0x0019

static const char file_want[] = "Cypress fw_cfg test file: opt/cypress/test\n";

static uint32_t madt_ids[GUEST_MAX_CPUS * 4];
static unsigned int madt_n, madt_ioapics;
static uint32_t pm_port, pm1a_cnt;
static bool pm_32bit;
static int s5_typ = -1; /* \_S5's SLP_TYPa, -1 if the DSDT has none */

/* ---- fw_cfg ---- */

static void fw_select(uint16_t key)
{
	outw(FW_SEL, key);
}

static void fw_read(void *buf, uint32_t n)
{
	uint8_t *b = buf;

	for (uint32_t i = 0; i < n; i++)
		b[i] = inb(FW_DATA);
}

/* The same with REP INSB, as Linux's and SeaBIOS's readers do without DMA. */
static void fw_read_rep(void *buf, uint32_t n)
{
	void *d = buf;
	uint32_t c = n;

	__asm__ volatile("cld; rep insb" : "+D"(d), "+c"(c) : "d"(FW_DATA) : "memory");
	if (c != 0 || d != (uint8_t *)buf + n)
		fail("rep insb of %u bytes left ECX %u, EDI moved by %d", n, c,
		     (int)((uint8_t *)d - (uint8_t *)buf));
}

static uint64_t fw_le(uint16_t key, uint32_t n)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	fw_select(key);
	fw_read(b, n);
	for (uint32_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The fw_cfg file "name": its key and size, or false. */
static bool fw_find(const char *name, uint16_t *key, uint32_t *size)
{
	uint8_t cnt[4], e[64];

	fw_select(FW_DIR);
	fw_read(cnt, 4);
	uint32_t n = be32(cnt);
	gprintf("pcboot: fw_cfg directory has %u files\n", n);
	if (n > 4096) {
		fail("fw_cfg directory claims %u files", n);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		fw_read(e, sizeof(e));
		e[63] = 0;
		if (!strncmp((const char *)e + 8, name, 56)) {
			*size = be32(e);
			*key = (uint16_t)(e[4] << 8 | e[5]);
			return true;
		}
	}
	return false;
}

/* ---- fw_cfg DMA (fw_cfg.rst, "DMA interface") ---- */

#define DMA_ERROR  0x01u
#define DMA_READ   0x02u
#define DMA_SELECT 0x08u
#define DMA_WRITE  0x10u

static bool fw_dma;
static struct {
	uint32_t control, length; /* big-endian */
	uint32_t addr_hi, addr_lo;
} __attribute__((aligned(16))) dma_req;

static uint32_t bswap(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* One request; returns the control word the device wrote back. */
static uint32_t fw_dma_op(uint16_t key, uint32_t control, void *buf, uint32_t len)
{
	dma_req.control = bswap((uint32_t)key << 16 | DMA_SELECT | control);
	dma_req.length = bswap(len);
	dma_req.addr_hi = 0;
	dma_req.addr_lo = bswap((uint32_t)(uintptr_t)buf);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	outl(0x514, 0);
	outl(0x518, bswap((uint32_t)(uintptr_t)&dma_req));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return bswap(*(volatile uint32_t *)&dma_req.control);
}

static void check_dma(uint32_t ncpus)
{
	uint8_t sig[8], b[8];

	for (int i = 0; i < 8; i++)
		sig[i] = inb((uint16_t)(0x514 + i));
	if (memcmp(sig, "QEMU CFG", 8))
		fail("fw_cfg DMA ports read '%.8s', want 'QEMU CFG'", (const char *)sig);
	memset(b, 0xaa, sizeof(b));
	uint32_t c = fw_dma_op(FW_SIG, DMA_READ, b, 6);
	if (c != 0 || memcmp(b, "QEMU\0\0\xaa", 7))
		fail("DMA read of the signature: control 0x%x, bytes %02x %02x %02x %02x %02x %02x",
		     c, b[0], b[1], b[2], b[3], b[4], b[5]);
	c = fw_dma_op(FW_NCPUS, DMA_READ, b, 2);
	if (c != 0 || (uint32_t)(b[0] | b[1] << 8) != ncpus)
		fail("DMA read of NB_CPUS: control 0x%x, value %u, want %u", c, b[0] | b[1] << 8,
		     ncpus);
	c = fw_dma_op(FW_NCPUS, DMA_WRITE, b, 2);
	if (!(c & DMA_ERROR))
		fail("DMA write of NB_CPUS: control 0x%x, want the error bit", c);
	gprintf("pcboot: fw_cfg DMA: signature, NB_CPUS read, write refused\n");
}

static uint32_t check_fwcfg(void)
{
	char sig[5] = { 0 };

	fw_select(FW_SIG);
	fw_read(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		verdict(VERDICT_FAILURE, "fw_cfg signature reads %02x %02x %02x %02x, want QEMU",
			(uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]);
	/* The signature again by REP INSB (5 bytes: one past the end), then INSB. */
	uint8_t rs[6] = { 0, 0, 0, 0, 0xaa, 0xbb };
	uint8_t *d = rs;
	fw_select(FW_SIG);
	fw_read_rep(rs, 5);
	fw_select(FW_SIG);
	__asm__ volatile("insb" : "+D"(d) : "d"(FW_DATA) : "memory");
	if (memcmp(rs, "QEMU\0\xbb", 6))
		fail("signature by rep insb: %02x %02x %02x %02x %02x %02x", rs[0], rs[1], rs[2],
		     rs[3], rs[4], rs[5]);
	if (d != rs + 1 || rs[0] != 'Q')
		fail("insb moved EDI by %d, stored 0x%02x", (int)(d - rs), rs[0]);
	/* 5000 bytes by one REP INSB: longer than one exit's share (Cypress
	 * carries it out 4096 bytes at a time and restarts the instruction). */
	static uint8_t big[5001];
	memset(big, 0xaa, sizeof(big));
	fw_select(FW_SIG);
	fw_read_rep(big, 5000);
	bool zeros = true;
	for (uint32_t i = 4; i < 5000; i++)
		zeros = zeros && big[i] == 0;
	if (memcmp(big, "QEMU", 4) || !zeros || big[5000] != 0xaa)
		fail("5000 bytes of the signature item by rep insb: wrong bytes");
	uint32_t id = (uint32_t)fw_le(FW_ID, 4);
	uint32_t ncpus = (uint32_t)fw_le(FW_NCPUS, 2), max = (uint32_t)fw_le(FW_MAX, 2);
	uint64_t ram = fw_le(FW_RAM, 8);
	uint64_t mb = ((uint64_t)mb_mem_upper() + 1024) * 1024;
	gprintf("pcboot: fw_cfg QEMU, id 0x%x, %u CPUs (max %u), RAM %u KiB (multiboot: %u KiB)\n",
		id, ncpus, max, (uint32_t)(ram >> 10), (uint32_t)(mb >> 10));
	if (!(id & 1))
		fail("fw_cfg ID 0x%x lacks bit 0 (traditional interface)", id);
	fw_dma = id & 2;
	if (ncpus < 1 || ncpus > GUEST_MAX_CPUS || max < ncpus)
		fail("fw_cfg NB_CPUS %u, MAX_CPUS %u", ncpus, max);
	/* mem_upper is the RAM above 1 MiB (below 4 GiB): both loaders derive it
	 * from the same size. */
	if (!(mb_flags() & MB_INFO_MEM) || ram < mb || ram - mb >= 0x100000)
		fail("fw_cfg RAM size 0x%x%08x disagrees with mem_upper %u KiB",
		     (uint32_t)(ram >> 32), (uint32_t)ram, mb_mem_upper());
	if (fw_dma)
		check_dma(ncpus);
	return ncpus;
}

/*
 * "paging": 32-bit paging, identity in 4 MiB pages, and linear 0x80000000
 * mapped by 4 KiB pages to the two pages of pg_buf in swapped order; the
 * file is read by REP INSB to 16 bytes before that boundary, so its bytes
 * land at the end of pg_buf's second page and the start of its first:
 * whoever carries out the INSB must translate every byte's address.
 */
#define PG_ALIAS 0x80000000u
static uint32_t pg_dir[1024] __attribute__((aligned(4096)));
static uint32_t pg_tab[1024] __attribute__((aligned(4096)));
static uint8_t pg_buf[2][4096] __attribute__((aligned(4096)));

static void check_file_paged(uint16_t key, uint32_t size)
{
	uint32_t cr0, cr4;

	for (uint32_t i = 0; i < 1024; i++)
		pg_dir[i] = (i << 22) | 0x83; /* present, writable, 4 MiB */
	pg_dir[PG_ALIAS >> 22] = (uint32_t)(uintptr_t)pg_tab | 0x3;
	pg_tab[0] = (uint32_t)(uintptr_t)pg_buf[1] | 0x3;
	pg_tab[1] = (uint32_t)(uintptr_t)pg_buf[0] | 0x3;
	memset(pg_buf, 0xaa, sizeof(pg_buf));
	__asm__ volatile("mov %0, %%cr3" : : "r"(pg_dir) : "memory");
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 4))); /* PSE */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | (1u << 31)) : "memory");
	fw_select(key);
	fw_read_rep((void *)(uintptr_t)(PG_ALIAS + 4096 - 16), size);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	if (memcmp(pg_buf[1] + 4096 - 16, file_want, 16) ||
	    memcmp(pg_buf[0], file_want + 16, size - 16) || pg_buf[0][size - 16] != 0xaa ||
	    pg_buf[1][4096 - 17] != 0xaa)
		fail("opt/cypress/test by rep insb with paging: wrong bytes or places");
	else
		gprintf("pcboot: file by rep insb with paging on, across two swapped pages: the "
			"same %u bytes\n",
			size);
}

static void check_file(void)
{
	uint16_t key;
	uint32_t size;
	char buf[128];

	if (!fw_find("opt/cypress/test", &key, &size)) {
		fail("fw_cfg has no file opt/cypress/test");
		return;
	}
	gprintf("pcboot: opt/cypress/test: key 0x%x, %u bytes\n", key, size);
	if (size != sizeof(file_want) - 1) {
		fail("opt/cypress/test has %u bytes, want %u", size,
		     (uint32_t)sizeof(file_want) - 1);
		return;
	}
	fw_select(key);
	fw_read(buf, size + 4);
	buf[size + 4] = 0;
	if (memcmp(buf, file_want, size) || memcmp(buf + size, "\0\0\0\0", 4))
		fail("opt/cypress/test reads wrong bytes");
	else
		gprintf("pcboot: file: %s", buf);
	memset(buf, 0xaa, sizeof(buf));
	fw_select(key);
	fw_read_rep(buf, size + 4);
	if (memcmp(buf, file_want, size) || memcmp(buf + size, "\0\0\0\0\xaa", 5))
		fail("opt/cypress/test by rep insb: wrong bytes");
	else
		gprintf("pcboot: file by rep insb: the same %u bytes\n", size);
	if (cmdline_has("paging"))
		check_file_paged(key, size);
	if (!fw_dma)
		return;
	memset(buf, 0xaa, sizeof(buf));
	uint32_t c = fw_dma_op(key, DMA_READ, buf, size + 4);
	if (c != 0 || memcmp(buf, file_want, size) || memcmp(buf + size, "\0\0\0\0\xaa", 5))
		fail("opt/cypress/test by DMA: control 0x%x, wrong bytes", c);
	else
		gprintf("pcboot: file by DMA: the same %u bytes\n", size);
}

/* ---- ACPI ---- */

static uint8_t sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

static uint32_t rsdp_in(uint32_t lo, uint32_t hi)
{
	for (uint32_t a = lo; a + 20 <= hi; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;
		if (!memcmp(p, "RSD PTR ", 8) && sum(p, 20) == 0)
			return a;
	}
	return 0;
}

/* ACPI 6.5 section 5.2.5.1: the EBDA's first KiB, then the BIOS area. */
static uint32_t find_rsdp(void)
{
	uintptr_t bda = 0x400;	 /* the BIOS data area; the EBDA segment is at 0x40E */
	__asm__("" : "+r"(bda)); /* a run-time address: not a NULL-based object to GCC */
	uint32_t ebda = (uint32_t)(*(volatile uint16_t *)(bda + 0xe)) << 4, r = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = rsdp_in(ebda, ebda + 1024);
	return r ? r : rsdp_in(0xe0000, 0x100000);
}

/* A table at addr with signature sig (NULL: any), checksummed; NULL if bad. */
static const uint8_t *table(uint64_t addr, const char *sig)
{
	if (!addr || addr >= 0xfff00000u) {
		fail("%s at 0x%x%08x is out of reach", sig ? sig : "table", (uint32_t)(addr >> 32),
		     (uint32_t)addr);
		return NULL;
	}
	const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
	uint32_t len = *(const uint32_t *)(t + 4);
	if (sig && memcmp(t, sig, 4)) {
		fail("table at 0x%x is '%.4s', want %s", (uint32_t)addr, (const char *)t, sig);
		return NULL;
	}
	if (len < 36 || len > 0x100000 || sum(t, len)) {
		fail("table '%.4s' at 0x%x: length %u, checksum bad", (const char *)t,
		     (uint32_t)addr, len);
		return NULL;
	}
	return t;
}

static void parse_madt(const uint8_t *t)
{
	uint32_t len = *(const uint32_t *)(t + 4);

	gprintf("pcboot: MADT local APIC address 0x%x, flags 0x%x\n", *(const uint32_t *)(t + 36),
		*(const uint32_t *)(t + 40));
	for (uint32_t o = 44; o + 2 <= len;) {
		uint8_t type = t[o], l = t[o + 1];
		if (l < 2 || o + l > len) {
			fail("MADT entry at offset %u has length %u", o, l);
			return;
		}
		uint32_t id = 0, flags = 0;
		bool cpu = false;
		if (type == 0 && l >= 8)
			cpu = true, id = t[o + 3], flags = *(const uint32_t *)(t + o + 4);
		else if (type == 9 && l >= 16)
			cpu = true, id = *(const uint32_t *)(t + o + 4),
			flags = *(const uint32_t *)(t + o + 8);
		else if (type == 1 && l >= 12)
			madt_ioapics++;
		if (cpu && (flags & 1) && madt_n < sizeof(madt_ids) / sizeof(madt_ids[0]))
			madt_ids[madt_n++] = id;
		o += l;
	}
}

/* NameOp "_S5_" PackageOp PkgLength NumElements, then SLP_TYPa as
 * ZeroOp, OneOp or BytePrefix N (ACPI 6.5 section 20.2). */
static void find_s5(const uint8_t *d)
{
	uint32_t len = *(const uint32_t *)(d + 4);

	for (uint32_t i = 36; i + 10 <= len; i++) {
		if (memcmp(d + i, "_S5_", 4) || d[i + 4] != 0x12)
			continue;
		const uint8_t *e = d + i + 5;
		e += 1 + (e[0] >> 6); /* PkgLength: 1 + its follow-on bytes */
		e++;		      /* NumElements */
		if (e[0] == 0x00 || e[0] == 0x01)
			s5_typ = e[0];
		else if (e[0] == 0x0a)
			s5_typ = e[1];
		return;
	}
}

static void parse_fadt(const uint8_t *t)
{
	uint32_t len = *(const uint32_t *)(t + 4), dsdt = *(const uint32_t *)(t + 40);
	uint64_t xdsdt = 0;

	if (len >= 148)
		memcpy(&xdsdt, t + 140, 8);
	pm_port = *(const uint32_t *)(t + 76);
	uint8_t pm_len = t[91];
	uint32_t flags = len >= 116 ? *(const uint32_t *)(t + 112) : 0;
	pm_32bit = flags & (1u << 8);
	gprintf("pcboot: FADT rev %u, PM timer port 0x%x (%u bytes, %s), flags 0x%x, boot arch "
		"0x%x\n",
		t[8], pm_port, pm_len, pm_32bit ? "32-bit" : "24-bit", flags,
		len >= 111 ? *(const uint16_t *)(t + 109) : 0);
	if (pm_len != 4)
		pm_port = 0;
	pm1a_cnt = *(const uint32_t *)(t + 64);
	const uint8_t *d = table(xdsdt ? xdsdt : dsdt, "DSDT");
	if (d) {
		find_s5(d);
		gprintf("pcboot: DSDT %u bytes, \\_S5 SLP_TYPa %d, PM1a_CNT 0x%x\n",
			*(const uint32_t *)(d + 4), s5_typ, pm1a_cnt);
	}
}

static void check_acpi(void)
{
	uint32_t at = find_rsdp();

	if (!at)
		verdict(VERDICT_FAILURE, "no RSDP in the EBDA or 0xE0000-0xFFFFF");
	const uint8_t *r = (const uint8_t *)(uintptr_t)at;
	uint8_t rev = r[15];
	uint32_t rsdt = *(const uint32_t *)(r + 16);
	uint64_t xsdt = 0;
	if (rev >= 2) {
		uint32_t len = *(const uint32_t *)(r + 20);
		if (len < 36 || sum(r, len))
			fail("RSDP rev %u: length %u, extended checksum bad", rev, len);
		memcpy(&xsdt, r + 24, 8);
	}
	gprintf("pcboot: RSDP at 0x%x, revision %u, OEM '%.6s', RSDT 0x%x, XSDT 0x%x\n", at, rev,
		(const char *)r + 9, rsdt, (uint32_t)xsdt);
	bool x = rev >= 2 && xsdt;
	const uint8_t *root = table(x ? xsdt : rsdt, x ? "XSDT" : "RSDT");
	if (!root)
		verdict(VERDICT_FAILURE, "no usable root table");
	uint32_t esz = x ? 8 : 4, n = (*(const uint32_t *)(root + 4) - 36) / esz;
	bool madt = false, fadt = false;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = 0;
		memcpy(&a, root + 36 + i * esz, esz);
		const uint8_t *t = table(a, NULL);
		if (!t)
			continue;
		gprintf("pcboot: %.4s at 0x%x, %u bytes, rev %u\n", (const char *)t, (uint32_t)a,
			*(const uint32_t *)(t + 4), t[8]);
		if (!memcmp(t, "APIC", 4) && !madt)
			madt = true, parse_madt(t);
		else if (!memcmp(t, "FACP", 4) && !fadt)
			fadt = true, parse_fadt(t);
	}
	if (!madt)
		fail("no MADT");
	if (!fadt)
		fail("no FADT");
	if (madt && !madt_ioapics)
		fail("the MADT lists no I/O APIC");
}

/* ---- the PM timer ---- */

static void check_pm_timer(void)
{
	uint32_t mask = pm_32bit ? 0xffffffffu : 0xffffffu;

	if (!pm_port) {
		gprintf("pcboot: no PM timer in the FADT, not tested\n");
		return;
	}
	uint32_t t0 = inl((uint16_t)pm_port) & mask;
	uint64_t c0 = rdtsc();
	uint32_t last = t0, backs = 0;
	for (int i = 0; i < 1000; i++) {
		uint32_t t = inl((uint16_t)pm_port) & mask;
		/* Going back by more than half the range is a wrap, not a step back. */
		if (((last - t) & mask) != 0 && ((last - t) & mask) < mask / 2)
			backs++;
		last = t;
	}
	delay_us(10000);
	uint32_t t1 = inl((uint16_t)pm_port) & mask;
	uint64_t c1 = rdtsc();
	uint32_t d = (t1 - t0) & mask;
	uint32_t us = (uint32_t)tsc_to_us(c1 - c0);
	gprintf("pcboot: PM timer 0x%x -> 0x%x: %u ticks in %u us by the TSC (3579.545 per ms "
		"expected)\n",
		t0, t1, d, us);
	if (backs)
		fail("PM timer went back %u times in 1000 reads", backs);
	if (d == 0)
		fail("PM timer did not advance across 10 ms");
}

/* ---- ACPI soft-off ---- */

static void acpi_off(uint32_t code)
{
	if (code != 0 || !pm1a_cnt || s5_typ < 0)
		return; /* guest_exit() goes on to isa-debug-exit */
	gprintf("pcboot: powering off: SLP_TYP %d | SLP_EN to port 0x%x\n", s5_typ, pm1a_cnt);
	outw((uint16_t)pm1a_cnt, (uint16_t)((s5_typ & 7) << 10 | 1 << 13));
	delay_us(100000);
	gprintf("pcboot: still running 100 ms after the ACPI power-off\n");
}

/* ---- benchmarks: TSC ticks per access (in Bochs, path lengths) ---- */

static void bench(void)
{
	static uint8_t buf[4096];
	uint64_t t0, t;

	fw_select(FW_SIG);
	t0 = rdtsc();
	for (int i = 0; i < 256; i++)
		(void)inb(FW_DATA);
	t = rdtsc() - t0;
	gprintf("bench: fwcfg_inb %u ticks\n", (uint32_t)(t / 256));
	fw_select(FW_SIG);
	t0 = rdtsc();
	fw_read_rep(buf, sizeof(buf));
	t = rdtsc() - t0;
	gprintf("bench: fwcfg_rep_insb_4k %u ticks\n", (uint32_t)t);
	if (fw_dma) {
		t0 = rdtsc();
		fw_dma_op(FW_SIG, DMA_READ, buf, sizeof(buf));
		t = rdtsc() - t0;
		gprintf("bench: fwcfg_dma_4k %u ticks\n", (uint32_t)t);
	}
	if (pm_port) {
		t0 = rdtsc();
		for (int i = 0; i < 256; i++)
			(void)inl((uint16_t)pm_port);
		t = rdtsc() - t0;
		gprintf("bench: pm_timer_inl %u ticks\n", (uint32_t)(t / 256));
	}
}

/* ---- the APs ---- */

static void ap_main(unsigned int slot)
{
	(void)slot;
}

static unsigned int start_aps(void)
{
	uint32_t bsp = this_cpu()->apic_id, aps[GUEST_MAX_CPUS];
	unsigned int n = 0;
	bool bsp_listed = false;

	for (unsigned int i = 0; i < madt_n; i++) {
		if (madt_ids[i] == bsp)
			bsp_listed = true;
		else if (n < GUEST_MAX_CPUS - 1)
			aps[n++] = madt_ids[i];
	}
	if (!bsp_listed)
		fail("the MADT does not list the BSP (APIC ID %u)", bsp);
	return smp_start_ids(aps, n, ap_main, 1000, true);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	tsc_per_ms();
	bool x2 = lapic_setup(!cmdline_has("xapic"));
	lapic_enable();
	uint32_t ncpus = check_fwcfg();
	check_acpi();
	gprintf("pcboot: MADT lists %u enabled CPUs, %u I/O APICs\n", madt_n, madt_ioapics);
	if (madt_n != ncpus)
		fail("MADT lists %u enabled CPUs, fw_cfg NB_CPUS says %u", madt_n, ncpus);
	if (madt_n > GUEST_MAX_CPUS)
		error("%u CPUs: the library starts at most %u", madt_n, GUEST_MAX_CPUS);
	unsigned int online = start_aps();
	gprintf("pcboot: %u CPUs online (%s)\n", online, x2 ? "x2APIC" : "xAPIC");
	if (online != madt_n)
		fail("%u CPUs online, the MADT lists %u", online, madt_n);
	check_pm_timer();
	if (cmdline_has("off=acpi")) {
		if (!pm1a_cnt || s5_typ < 0)
			fail("off=acpi: no PM1a_CNT (0x%x) or no \\_S5 in the DSDT", pm1a_cnt);
		guest_exit_hook_set(acpi_off);
	}
	bench();
	bool file = cmdline_uint("file", 0) != 0;
	if (file)
		check_file();
	report("fw_cfg and ACPI agree on %u CPUs, all started from the MADT%s%s", online,
	       pm_port ? ", PM timer runs" : "", file ? ", fw_cfg file read" : "");
}
