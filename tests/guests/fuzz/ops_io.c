// SPDX-License-Identifier: MIT
/*
 * Guest test "fuzz": hypercalls (VMCALL), port I/O of every width, and
 * string I/O (INS/OUTS, with and without REP).
 * Rules: never port 0xf4 (isa-debug-exit ends the VM) nor its neighbours;
 * never hypercall 2 (exit); without Cypress, no writes to ports that reset
 * or reconfigure a bare machine (keyboard controller, 0x92, 0xcf9, PCI
 * configuration, fw_cfg DMA, ACPI PM blocks).
 * Environment: guest test kernel, 32-bit protected mode, BSP, interrupts off.
 */
#include "tests/guests/fuzz/fuzz.h"
#include "guest-abi/cypress.h"

/* Printable bytes for console-write hypercalls: readable console lines. */
static char text[8192];

static void text_fill(void)
{
	if (text[0])
		return;
	for (uint32_t i = 0; i < sizeof(text); i++)
		text[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	memcpy(text, "hcbuf ", 6);
}

struct hc {
	uint32_t nr, a1, a2, a3, ret;
	bool regs_changed;
};

static void do_vmcall(void *arg)
{
	struct hc *h = arg;
	uint32_t a = h->nr, b = h->a1, c = h->a2, d = h->a3;
	uint32_t si = 0x51515151u, di = 0xd1d1d1d1u;

	__asm__ volatile("vmcall"
			 : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
			 :
			 : "memory");
	h->ret = a;
	h->regs_changed = b != h->a1 || c != h->a2 || d != h->a3 || si != 0x51515151u ||
			  di != 0xd1d1d1d1u;
}

static uint32_t hc_buffer(void)
{
	switch (rnd_below(6)) {
	case 0:
	case 1:
		return (uint32_t)(uintptr_t)text + rnd_below(64);
	case 2:
		return rnd_below(fz.ram_top);
	case 3:
		return fz.ram_top - rnd_below(4200);
	case 4:
		return (uint32_t)(uintptr_t)text + sizeof(text) - rnd_below(64);
	default:
		return rnd_value32();
	}
}

static uint32_t hc_length(uint32_t buf)
{
	static const uint32_t edges[] = {
		0, 1, 4095, 4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff
	};
	bool in_text = buf >= (uint32_t)(uintptr_t)text &&
		       buf < (uint32_t)(uintptr_t)text + sizeof(text);

	/* Long writes of arbitrary memory would flood the console. */
	if (one_in(3))
		return rnd_below(80);
	uint32_t len = PICK(edges);
	if (len >= 4095 && len <= 4096 && !in_text && buf < fz.ram_top - 8192 && !one_in(4))
		len = rnd_below(48);
	return len;
}

void op_vmcall(void)
{
	static const uint32_t odd_nr[] = { CYPRESS_HC_COUNT, 0x7fffffff, 0x80000000,
					   0xffffffff,	     0x100,	 0x40000000 };
	struct hc h = { 0 };
	uint32_t r = rnd_below(20);

	text_fill();
	h.nr = r < 12 ? rnd_below(CYPRESS_HC_COUNT + 1) : r < 15 ? PICK(odd_nr) : rnd();
	/* EXIT ends the partition; a VCPU_OFFLINE that works never returns
	 * (the fuzzer has no sibling to bring it back): both write instead. */
	if (h.nr == CYPRESS_HC_EXIT || h.nr == CYPRESS_HC_VCPU_OFFLINE)
		h.nr = CYPRESS_HC_CONSOLE_WRITE;
	if (h.nr == CYPRESS_HC_CONSOLE_WRITE && !one_in(5)) {
		h.a1 = hc_buffer();
		h.a2 = hc_length(h.a1);
	} else {
		h.a1 = rnd_value32();
		h.a2 = rnd_value32();
	}
	h.a3 = rnd_value32();
	/* CORE_INFO writes its record: into a scratch buffer, or past the end
	 * of memory (CY_ERANGE), never over the fuzzer's own code and data. */
	static struct cy_core_desc scratch;
	if (h.nr == CYPRESS_HC_CORE_INFO)
		h.a2 = one_in(3) ? fz.ram_top + rnd_below(0x1000) : (uint32_t)(uintptr_t)&scratch;
	if (h.nr == CYPRESS_HC_POWER_GET) /* it writes its record too */
		h.a1 = one_in(3) ? fz.ram_top + rnd_below(0x1000) : (uint32_t)(uintptr_t)&scratch;
	/* SHARED_SET gets its own 8 KiB (it writes all of them), an unaligned
	 * address, one outside memory, or 0. */
	static struct cy_shared area __attribute__((aligned(4096)));
	if (h.nr == CYPRESS_HC_SHARED_SET) {
		uint32_t pick = rnd_below(4);
		h.a1 = pick == 0 ? (uint32_t)(uintptr_t)&area :
		       pick == 1 ? (uint32_t)(uintptr_t)&area + 8 * (1 + rnd_below(511)) :
		       pick == 2 ? fz.ram_top - rnd_below(2) * 4096 :
				   0;
	}
	/* REQUEST reads and answers its record: a random one in a scratch
	 * buffer, or one past the end of memory. */
	static struct cy_request req;
	if (h.nr == CYPRESS_HC_REQUEST) {
		uint32_t *w = (uint32_t *)&req;
		for (uint32_t i = 0; i < sizeof(req) / 4; i++)
			w[i] = one_in(2) ? rnd_below(8) : rnd_value32();
		h.a1 = one_in(4) ? fz.ram_top - rnd_below(sizeof(req)) : (uint32_t)(uintptr_t)&req;
	}
	static struct cy_vcpu_load loads[2];
	if (h.nr == CYPRESS_HC_LOAD_GET) { /* records for up to 2 vCPUs */
		h.a1 = one_in(3) ? fz.ram_top + rnd_below(0x1000) : (uint32_t)(uintptr_t)loads;
		h.a2 = rnd_below(3);
	}
	/* Arbitrary pointers with long lengths: keep the console readable. */
	if (h.nr == CYPRESS_HC_CONSOLE_WRITE && h.a2 > 80 && h.a2 <= 4096 &&
	    (uint64_t)h.a1 + h.a2 <= fz.ram_top &&
	    !(h.a1 >= (uint32_t)(uintptr_t)text && h.a1 < (uint32_t)(uintptr_t)text + 64))
		h.a2 = 16;
	opline("nr=0x%x a=0x%x,0x%x,0x%x", h.nr, h.a1, h.a2, h.a3);
	int v = fz_try(do_vmcall, &h);
	if (h.nr == CYPRESS_HC_CONSOLE_WRITE && v < 0 && h.a2 && h.ret == h.a2)
		serial_putc('\n'); /* end whatever line the bytes left open */
	if (!fz.cypress)
		return;
	if (v >= 0) {
		fail("vmcall nr 0x%x raised vector %d", h.nr, v);
		return;
	}
	if (h.regs_changed)
		fail("vmcall nr 0x%x changed a register other than EAX", h.nr);
	int32_t ret = (int32_t)h.ret, want;
	if (h.nr == CYPRESS_HC_VCPU_MOVE || h.nr == CYPRESS_HC_VCPU_WHERE) {
		/* Placement calls: no such vCPU (fuzz partitions have at most 64),
		 * no such core, a move under way, or done. */
		bool nov = h.a1 >= 64;
		bool ok = h.nr == CYPRESS_HC_VCPU_WHERE ?
				  (nov ? ret == CY_ENOENT : ret >= 0 || ret == CY_ENOENT) :
				  (nov ? ret == CY_ENOENT :
					 ret == 0 || ret == CY_ENOENT || ret == CY_ERANGE ||
						   ret == CY_EBUSY);
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x returned %d", h.nr, h.a1, h.a2, ret);
		return;
	}
	if (h.nr == CYPRESS_HC_LOAD_GET || h.nr == CYPRESS_HC_LOAD_REPORT) {
		bool ok = h.nr == CYPRESS_HC_LOAD_REPORT ? ret == (h.a1 > 1000000 ? CY_ERANGE : 0) :
							   ret >= 1 || (h.a2 && ret == CY_ERANGE);
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x returned %d", h.nr, h.a1, h.a2, ret);
		return;
	}
	if (h.nr == CYPRESS_HC_POWER_GET || h.nr == CYPRESS_HC_POWER_SET) {
		/* A fuzz partition has no `power` limit: any budget covering its draw. */
		bool ok = h.nr == CYPRESS_HC_POWER_GET ?
				  ret == ((uint64_t)h.a1 + 16 <= fz.ram_top ? 0 : CY_ERANGE) :
				  (h.a1 == 0 ? ret == CY_EINVAL : ret == 0 || ret == CY_ERANGE);
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x returned %d", h.nr, h.a1, ret);
		return;
	}
	if (h.nr == CYPRESS_HC_CORE_INFO || h.nr == CYPRESS_HC_CORE_NOTIFY) {
		/* Discovery: no such vCPU, a record outside memory, a bad vector. */
		bool ok = h.nr == CYPRESS_HC_CORE_NOTIFY ?
				  ret == ((h.a1 && (h.a1 < 32 || h.a1 > 255)) ? CY_EINVAL : 0) :
				  (h.a1 >= 64 ? ret == CY_ENOENT :
						ret == 0 || ret == CY_ENOENT || ret == CY_ERANGE);
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x returned %d", h.nr, h.a1, h.a2, ret);
		if (h.nr == CYPRESS_HC_CORE_NOTIFY && ret == 0 && h.a1)
			cypress_hypercall(CYPRESS_HC_CORE_NOTIFY, 0, 0, 0); /* leave it off */
		return;
	}
	if (h.nr == CYPRESS_HC_SHARED_SET) {
		want = h.a1 & 4095				  ? CY_EINVAL :
		       h.a1 && (uint64_t)h.a1 + 8192 > fz.ram_top ? CY_ERANGE :
								    0;
		if (ret != want)
			fail("vmcall nr 0x%x a=0x%x returned %d, want %d", h.nr, h.a1, ret, want);
		return;
	}
	if (h.nr == CYPRESS_HC_SA_REGISTER || h.nr == CYPRESS_HC_SA_ACK) {
		bool badvec = h.a1 && (h.a1 < 32 || h.a1 > 255);
		bool ok = h.nr == CYPRESS_HC_SA_ACK ? ret == CY_EINVAL || (h.a1 <= 1 && ret == 0) :
			  badvec		    ? ret == CY_EINVAL :
			  h.a1 && (h.a2 < 10 || h.a2 > 10000) ? ret == CY_ERANGE :
								ret == 0 || ret == CY_ENOSYS;
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x returned %d", h.nr, h.a1, h.a2, ret);
		if (h.nr == CYPRESS_HC_SA_REGISTER && ret == 0 && h.a1)
			cypress_hypercall(CYPRESS_HC_SA_REGISTER, 0, 0, 0); /* leave it off */
		return;
	}
	if (h.nr >= CYPRESS_HC_LEASE_REQUEST && h.nr <= CYPRESS_HC_LEASE_RELEASE) {
		/* Leases: no such vCPU, a bad term, none held, busy, or done. */
		bool badterm = h.nr != CYPRESS_HC_LEASE_RELEASE && (h.a2 == 0 || h.a2 > 60000);
		bool ok = h.a1 >= 64 ? ret == CY_ENOENT :
			  badterm    ? ret == CY_ENOENT || ret == CY_ERANGE :
			  h.nr == CYPRESS_HC_LEASE_RELEASE ?
				    ret == 0 || ret == CY_ENOENT :
			  h.nr == CYPRESS_HC_LEASE_RENEW ?
				    ret == 0 || ret == CY_ENOENT || ret == CY_EBUSY :
				    ret == CY_LEASE_GRANTED || ret == CY_LEASE_QUEUED ||
					    ret == CY_ENOENT || ret == CY_ERANGE ||
					    ret == CY_EEXIST || ret == CY_EBUSY || ret == CY_EFULL;
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x returned %d", h.nr, h.a1, h.a2, ret);
		return;
	}
	if (h.nr == CYPRESS_HC_CORE_EXCHANGE) {
		bool bad = !h.a1 || !h.a2 || h.a2 > 64 || h.a3 > CY_CLASS_FAST;
		bool ok = bad ? ret == CY_EINVAL :
				ret > 0 || ret == CY_EINVAL || ret == CY_ENOENT ||
					  ret == CY_ERANGE || ret == CY_EBUSY || ret == CY_ENOMEM;
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x,0x%x,0x%x returned %d", h.nr, h.a1, h.a2, h.a3,
			     ret);
		return;
	}
	if (h.nr == CYPRESS_HC_REQUEST || h.nr == CYPRESS_HC_BALLOON_ACK) {
		/* A fuzz partition is not ballooned; a request may be answered
		 * any way, but only with a defined answer, and the record must
		 * lie in memory. */
		bool out = (uint64_t)h.a1 + sizeof(struct cy_request) > fz.ram_top;
		bool ok = h.nr == CYPRESS_HC_BALLOON_ACK ? ret == CY_ENOENT || ret == CY_EINVAL :
			  out				 ? ret == CY_ERANGE :
				ret == CY_REQ_GRANTED || ret == CY_REQ_PARTIAL ||
					  ret == CY_REQ_REFUSED || ret == CY_EINVAL ||
					  ret == CY_EBUSY || ret == CY_ENOMEM;
		if (!ok)
			fail("vmcall nr 0x%x a=0x%x returned %d", h.nr, h.a1, ret);
		return;
	}
	if (h.nr == CYPRESS_HC_ABI_VERSION)
		want = CYPRESS_ABI_VERSION;
	else if (h.nr >= CYPRESS_HC_PART_CREATE && h.nr <= CYPRESS_HC_RESOURCES)
		want = CY_EPERM; /* fuzz partitions are not control partitions */
	else if (h.nr != CYPRESS_HC_CONSOLE_WRITE)
		want = CY_ENOSYS;
	else if (h.a2 > 4096)
		want = CY_EINVAL;
	else if (h.a2 == 0 || (uint64_t)h.a1 + h.a2 <= fz.ram_top)
		want = (int32_t)h.a2;
	else
		want = CY_ERANGE;
	if (ret != want)
		fail("vmcall nr 0x%x a=0x%x,0x%x returned %d, want %d", h.nr, h.a1, h.a2, ret,
		     want);
}

/* ---- port I/O ---- */

static const uint16_t interesting[] = { 0x20,  0x21,  0xa0,  0xa1,  0x40,  0x41,  0x42,	 0x43,
					0x60,  0x64,  0x70,  0x71,  0x3f8, 0x3f9, 0x3fa, 0x3fb,
					0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x2f8, 0xcf8, 0xcfc, 0xcfd,
					0xcfe, 0xcff, 0xe9,  0x80,  0x402, 0x510, 0x511, 0x600,
					0x602, 0x604, 0x605, 0x608 };

static uint16_t rnd_port(void)
{
	uint16_t p;

	switch (rnd_below(10)) {
	case 0:
		p = (uint16_t)rnd_below(0x100);
		break;
	case 1:
	case 2:
	case 3:
		p = (uint16_t)rnd();
		break;
	default:
		p = PICK(interesting);
		break;
	}
	if (p >= 0xf0 && p <= 0xf7)
		p = 0x80;
	return p;
}

/* Ports a bare machine (plain QEMU, real hardware) must not see written. */
static bool bare_unsafe(uint16_t p)
{
	return p == 0x60 || p == 0x64 || p == 0x92 || (p >= 0xcf8 && p <= 0xcff) ||
	       (p >= 0x510 && p <= 0x51f) || (p >= 0x600 && p <= 0x6ff) ||
	       (p >= 0xb000 && p <= 0xb0ff) || (p >= 0x4000 && p <= 0x40ff) ||
	       (p >= 0x8900 && p <= 0x8903) || p <= 0x1f || (p >= 0x80 && p <= 0x9f) ||
	       (p >= 0xc0 && p <= 0xdf);
}

struct pio {
	uint16_t port;
	uint8_t width; /* 1, 2, 4 */
	bool in;
	uint32_t val;
};

static void do_pio(void *arg)
{
	struct pio *p = arg;

	if (p->in) {
		p->val = p->width == 1 ? inb(p->port) : p->width == 2 ? inw(p->port) : inl(p->port);
		return;
	}
	if (p->width == 1)
		outb(p->port, (uint8_t)p->val);
	else if (p->width == 2)
		outw(p->port, (uint16_t)p->val);
	else
		outl(p->port, p->val);
}

static bool touches(uint16_t port, uint32_t width, uint16_t lo, uint16_t hi)
{
	return port <= hi && (uint32_t)port + width - 1 >= lo;
}

void op_io(void)
{
	struct pio p;

	p.port = rnd_port();
	p.width = (uint8_t)(1u << rnd_below(3));
	p.in = one_in(2);
	p.val = rnd_value32();
	if (!p.in && !fz.cypress && bare_unsafe(p.port))
		p.in = true;
	/* QEMU 7.2 aborts (an assertion in its 16550) on wider accesses. */
	if (!fz.cypress &&
	    (touches(p.port, p.width, 0x3f8, 0x3ff) || touches(p.port, p.width, 0x2f8, 0x2ff)))
		p.width = 1;
	if (touches(p.port, p.width, 0xf4, 0xf4))
		p.port = 0x80;
	/* The two resets end the VM under Cypress (the reset suite tests them). */
	if (!p.in && p.width == 1 && p.port == 0x64 && (p.val & 0xff) == 0xfe)
		p.val = 0xfd;
	if (!p.in && p.width == 1 && p.port == 0xcf9)
		p.val &= ~4u;
	/* A write to fw_cfg's DMA address ports would have the device write
	 * somewhere in the guest's memory (its canary) at random. */
	if (!p.in && touches(p.port, p.width, 0x514, 0x51b))
		p.in = true;
	/* PM1a_CNT's SLP_EN (bit 13, in the byte at 0x605) powers off with \_S5's type. */
	if (!p.in && p.port <= 0x605 && 0x605 - p.port < p.width)
		p.val &= ~(0x20u << (8 * (0x605 - p.port)));
	opline("%s%c 0x%x 0x%x", p.in ? "in" : "out", "?bw?l"[p.width], p.port, p.in ? 0 : p.val);
	int v = fz_try(do_pio, &p);
	bool com = touches(p.port, p.width, 0x3f8, 0x3ff) || touches(p.port, p.width, 0xe9, 0xe9);
	if (!p.in &&
	    (com || touches(p.port, p.width, 0x20, 0x21) || touches(p.port, p.width, 0xa0, 0xa1)))
		fz_serial_reset();
	if (!fz.cypress)
		return;
	if (v >= 0) {
		fail("%s port 0x%x width %u raised vector %d", p.in ? "in" : "out", p.port, p.width,
		     v);
		return;
	}
	/* docs/guest-abi.md: ports other than COM1, 0xe9, 0xf4 and the byte
	 * registers of the i8042 (0x60, 0x64) and 0xcf9 read all ones. */
	uint32_t ones = p.width == 4 ? 0xffffffffu : (1u << (p.width * 8)) - 1;
	if (p.in && p.width == 1 && (p.port == 0x60 || p.port == 0x64 || p.port == 0xcf9)) {
		bool ok = p.port == 0x64 ? p.val == 0x1c :
			  p.port == 0x60 ? p.val == 0 :
					   !(p.val & ~0x0au);
		if (!ok)
			fail("inb 0x%x read 0x%x", p.port, p.val);
		return;
	}
	/* fw_cfg and the ACPI PM block answer with data (the pcboot suite checks them). */
	if (touches(p.port, p.width, 0x510, 0x51b) || touches(p.port, p.width, 0x600, 0x60b))
		return;
	if (p.in && !com && p.val != ones)
		fail("in port 0x%x width %u read 0x%x, want all ones", p.port, p.width, p.val);
	if (p.in && p.width == 1 && p.port == 0xe9 && p.val != 0xe9)
		fail("inb 0xe9 read 0x%x, want 0xe9", p.val);
}

/* ---- string I/O: Cypress emulates INS/OUTS like IN/OUT, element by element. ---- */

struct sio {
	uint16_t port;
	uint8_t width;
	bool in, rep;
	uint32_t count;
	void *buf;
};

static uint8_t sbuf[256];

static void do_sio(void *arg)
{
	struct sio *s = arg;
	uint32_t c = s->count;
	void *d = s->buf;

	switch ((s->in ? 0 : 3) + (s->width == 1 ? 0 : s->width == 2 ? 1 : 2)) {
	case 0:
		if (s->rep)
			__asm__ volatile("rep insb" : "+D"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("insb" : "+D"(d) : "d"(s->port) : "memory");
		break;
	case 1:
		if (s->rep)
			__asm__ volatile("rep insw" : "+D"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("insw" : "+D"(d) : "d"(s->port) : "memory");
		break;
	case 2:
		if (s->rep)
			__asm__ volatile("rep insl" : "+D"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("insl" : "+D"(d) : "d"(s->port) : "memory");
		break;
	case 3:
		if (s->rep)
			__asm__ volatile("rep outsb" : "+S"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("outsb" : "+S"(d) : "d"(s->port) : "memory");
		break;
	case 4:
		if (s->rep)
			__asm__ volatile("rep outsw" : "+S"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("outsw" : "+S"(d) : "d"(s->port) : "memory");
		break;
	default:
		if (s->rep)
			__asm__ volatile("rep outsl" : "+S"(d), "+c"(c) : "d"(s->port) : "memory");
		else
			__asm__ volatile("outsl" : "+S"(d) : "d"(s->port) : "memory");
		break;
	}
}

void op_strio(void)
{
	struct sio s;

	s.port = rnd_port();
	s.width = (uint8_t)(1u << rnd_below(3));
	s.in = one_in(2);
	s.rep = !one_in(3);
	s.count = rnd_below(256 / s.width + 1);
	s.buf = sbuf;
	for (uint32_t i = 0; i < sizeof(sbuf); i++)
		sbuf[i] = (uint8_t)('A' + i % 26);
	if (!s.in && !fz.cypress && bare_unsafe(s.port))
		s.in = true;
	if (!fz.cypress &&
	    (touches(s.port, s.width, 0x3f8, 0x3ff) || touches(s.port, s.width, 0x2f8, 0x2ff)))
		s.width = 1; /* as in op_io */
	/* 0xf4 ends the VM; 0xcf9 resets it when a byte has bit 2 (the
	 * buffer's letters do). */
	if (touches(s.port, s.width, 0xf4, 0xf4) ||
	    (!s.in && touches(s.port, s.width, 0xcf9, 0xcf9)))
		s.port = 0x80;
	opline("%s%s%c 0x%x count=%u", s.rep ? "rep " : "", s.in ? "ins" : "outs", "?bw?l"[s.width],
	       s.port, s.rep ? s.count : 1);
	fz_try(do_sio, &s);
	fz_serial_reset();
}
