// SPDX-License-Identifier: MIT
/*
 * Guest test "lifecycle": partitions created, listed, resized and destroyed
 * at run time by a `control = yes` partition (ABI 1.1). The children run
 * this same kernel with the command line "idle": they halt forever without
 * a word. Steps:
 *  1. RESOURCES at the start ("lifecycle: before: frames=F cores=C").
 *  2. Its own partition id: the owner of the cpu VCPU_WHERE(0) names in
 *     CORE_LIST.
 *  3. Creates c0, c1, c2 (one core each); PART_LIST shows each running with
 *     1 vCPU and 1 core; CORE_LIST shows each on exactly one CY_CORE_VCPU
 *     record with its id, every record has cpu = its index, owners only on
 *     LPM/VCPU cores, and as many CY_CORE_ANON records as RESOURCES says
 *     cores are free (3 fewer than at the start).
 *  4. Resizes c1 to 2 cores and back to 1, checking PART_LIST and CORE_LIST.
 *  5. Error paths (each must give exactly that error): the name c0 again
 *     CY_EEXIST; an unknown key, two sections, no section CY_EINVAL; a
 *     missing kernel module CY_ENOENT; a missing `module` CY_ENOENT; a
 *     missing `fwcfg` module CY_ENOENT, a `fwcfg` name outside opt/
 *     CY_EINVAL; 16
 *     copies of this kernel as modules of a 2 MiB child (more than it
 *     holds) CY_EINVAL; 64 cores CY_ERANGE; text outside
 *     guest memory CY_ERANGE; RESIZE (c1, 0, 0) CY_EINVAL, (c1, 64 cores)
 *     CY_ERANGE, an unknown id CY_ENOENT; DESTROY of an unknown id
 *     CY_ENOENT, of its own partition CY_EINVAL. A call that wrongly
 *     creates a partition has it destroyed again. A child with this kernel
 *     as a `module` is created and destroyed again (issue 12).
 *  6. Destroys c0..c2; then "cycles" create/destroy cycles of one partition
 *     named "cyc" (the name must be free again after each destroy).
 *  7. RESOURCES again ("lifecycle: after: ..."): free frames, free cores
 *     and live partitions must equal the start's.
 *
 * Parameters (kernel command line):
 *   cycles=N     create/destroy cycles in step 6 (1000)
 *   childmem=M   MiB of memory per child (2, the smallest a partition has)
 *   idle         be a child: halt forever
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "lifecycle";

#define NCHILD	    3
#define MAX_PARTS   64
#define MAX_CPUS    256
#define UNKNOWN_ID  4242
#define OUTSIDE_RAM 0xf0000000u
#define TOO_MANY    64

static char text[1024];
static struct cy_part_info parts[MAX_PARTS];
static struct cy_core_info cores[MAX_CPUS];
static uint32_t childmem;

static const char *role_name(uint32_t role)
{
	static const char *const names[] = { "anon", "gpm", "lpm", "vcpu", "off" };

	return role < 5 ? names[role] : "?";
}

/* Manifest text for one child partition; extra is appended as is. */
static uint32_t child_text(const char *name, uint32_t ncores, const char *kernel, const char *extra)
{
	int n = gsnprintf(text, sizeof(text),
			  "[partition %s]\ncores = %u\nmemory = %uM\nkernel = %s\n"
			  "cmdline = \"idle\"\n%s",
			  name, ncores, childmem, kernel, extra);

	return (uint32_t)n;
}

static int32_t create(const char *name)
{
	return cy_part_create(text, child_text(name, 1, "lifecycle.elf", ""));
}

/* A call that must fail with want; if it created a partition, destroy it. */
static void expect_create_error(const char *what, int32_t want, const char *t, uint32_t len)
{
	int32_t r = cy_part_create(t, len);

	if (r == want)
		return;
	fail("PART_CREATE with %s = %d (%s), want %s", what, r, cy_errname(r), cy_errname(want));
	if (r >= 0)
		cy_part_destroy((uint32_t)r);
}

static void expect_ret(const char *call, int32_t r, int32_t want)
{
	if (r != want)
		fail("%s = %d (%s), want %d (%s)", call, r, cy_errname(r), want, cy_errname(want));
}

/* RESOURCES into *res; false (and fail) if the call did not work. */
static bool resources(struct cy_resources *res, const char *when)
{
	int32_t r = cy_resources(res);

	if (r != 0) {
		fail("RESOURCES %s = %d (%s)", when, r, cy_errname(r));
		return false;
	}
	gprintf("lifecycle: %s: frames=%llu cores=%u partitions=%u\n", when, res->free_frames,
		res->free_cores, res->partitions);
	return true;
}

/* CORE_LIST into cores[]; returns the records written (0 after a failure). */
static uint32_t core_list(void)
{
	int32_t n = cy_core_list(cores, MAX_CPUS);

	if (n <= 0) {
		fail("CORE_LIST = %d (%s)", n, cy_errname(n));
		return 0;
	}
	return (uint32_t)n < MAX_CPUS ? (uint32_t)n : MAX_CPUS;
}

/* Vcpu cores of partition id in CORE_LIST. */
static uint32_t cores_of(uint32_t ncpu, int32_t id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ncpu; i++)
		if (cores[i].role == CY_CORE_VCPU && cores[i].part == id)
			n++;
	return n;
}

/* The PART_LIST record of id, or NULL. */
static const struct cy_part_info *part_of(int32_t id)
{
	int32_t n = cy_part_list(parts, MAX_PARTS);

	if (n < 0) {
		fail("PART_LIST = %d (%s)", n, cy_errname(n));
		return NULL;
	}
	for (int32_t i = 0; i < n && i < MAX_PARTS; i++)
		if (parts[i].id == (uint32_t)id)
			return &parts[i];
	return NULL;
}

/* Step 3/4: the records of CORE_LIST agree with each other and with PART_LIST. */
static void check_child(const char *name, int32_t id, uint32_t want_cores)
{
	const struct cy_part_info *p = part_of(id);
	uint32_t ncpu = core_list(), got = cores_of(ncpu, id);

	if (!p) {
		fail("partition %s (id %d) missing from PART_LIST", name, id);
	} else {
		if (strncmp(p->name, name, sizeof(p->name)) != 0)
			fail("PART_LIST id %d is named '%.15s', want '%s'", id, p->name, name);
		if (p->state != CY_PART_RUNNING || p->vcpus != 1 || p->cores != want_cores)
			fail("PART_LIST %s: state %u vcpus %u cores %u, want running (%u), 1, %u",
			     name, p->state, p->vcpus, p->cores, CY_PART_RUNNING, want_cores);
	}
	if (ncpu && got != want_cores)
		fail("CORE_LIST shows %u vcpu cores of %s (id %d), want %u", got, name, id,
		     want_cores);
}

static void check_core_records(uint32_t ncpu, uint32_t free_cores)
{
	uint32_t anon = 0;

	for (uint32_t i = 0; i < ncpu; i++) {
		const struct cy_core_info *c = &cores[i];
		bool owned = c->role == CY_CORE_LPM || c->role == CY_CORE_VCPU;

		gprintf("lifecycle: cpu %u: %s part %d vcpus %u\n", c->cpu, role_name(c->role),
			c->part, c->nvcpus);
		if (c->cpu != i)
			fail("CORE_LIST record %u is for cpu %u", i, c->cpu);
		if (c->role > CY_CORE_OFF || owned != (c->part >= 0))
			fail("CORE_LIST cpu %u: role %u with owner %d", i, c->role, c->part);
		anon += c->role == CY_CORE_ANON;
	}
	if (ncpu && anon != free_cores)
		fail("CORE_LIST has %u anonymous cores, RESOURCES says %u free", anon, free_cores);
}

/* A child with a boot module (the PART_CREATE path of `module =`): created, destroyed. */
static void module_child(void)
{
	uint32_t len = child_text("cmod", 1, "lifecycle.elf", "module = lifecycle.elf copy\n");
	int32_t r = cy_part_create(text, len);

	if (r < 0) {
		fail("PART_CREATE with a module = %d (%s)", r, cy_errname(r));
		return;
	}
	r = cy_part_destroy((uint32_t)r);
	if (r != 0)
		fail("PART_DESTROY of the module child = %d (%s)", r, cy_errname(r));
}

static void error_paths(int32_t self, int32_t c1)
{
	static const char two[] =
		"[partition e1]\ncores = 1\nmemory = 2M\nkernel = lifecycle.elf\n"
		"[partition e2]\ncores = 1\nmemory = 2M\nkernel = lifecycle.elf\n";
	static const char none[] = "cores = 1\nmemory = 2M\nkernel = lifecycle.elf\n";
	uint32_t len;

	len = child_text("c0", 1, "lifecycle.elf", "");
	expect_create_error("the name of a live partition", CY_EEXIST, text, len);
	len = child_text("ekey", 1, "lifecycle.elf", "colour = blue\n");
	expect_create_error("an unknown key", CY_EINVAL, text, len);
	expect_create_error("two sections", CY_EINVAL, two, sizeof(two) - 1);
	expect_create_error("no section", CY_EINVAL, none, sizeof(none) - 1);
	len = child_text("emod", 1, "nosuch.elf", "");
	expect_create_error("a missing kernel module", CY_ENOENT, text, len);
	len = child_text("emodule", 1, "lifecycle.elf", "module = nosuch.bin arg\n");
	expect_create_error("a missing module", CY_ENOENT, text, len);
	len = child_text("efwcfg", 1, "lifecycle.elf", "fwcfg = opt/x nosuch.bin\n");
	expect_create_error("a missing fwcfg module", CY_ENOENT, text, len);
	len = child_text("efwname", 1, "lifecycle.elf", "fwcfg = etc/x lifecycle.elf\n");
	expect_create_error("a fwcfg name outside opt/", CY_EINVAL, text, len);
	len = (uint32_t)gsnprintf(
		text, sizeof(text),
		"[partition ebig]\ncores = 1\nmemory = 2M\nkernel = lifecycle.elf\n");
	for (uint32_t i = 0; i < 16; i++)
		len += (uint32_t)gsnprintf(text + len, sizeof(text) - len,
					   "module = lifecycle.elf %u\n", i);
	expect_create_error("16 modules too big for 2 MiB", CY_EINVAL, text, len);
	module_child();
	len = child_text("ecores", TOO_MANY, "lifecycle.elf", "");
	expect_create_error("64 cores", CY_ERANGE, text, len);
	expect_create_error("text outside guest memory", CY_ERANGE,
			    (const char *)(uintptr_t)OUTSIDE_RAM, 64);
	expect_ret("PART_RESIZE(c1, 0, 0)", cy_part_resize((uint32_t)c1, 0, 0), CY_EINVAL);
	expect_ret("PART_RESIZE(c1, 64 cores)", cy_part_resize((uint32_t)c1, TOO_MANY, 0),
		   CY_ERANGE);
	expect_ret("PART_RESIZE(unknown id)", cy_part_resize(UNKNOWN_ID, 1, 0), CY_ENOENT);
	expect_ret("PART_DESTROY(unknown id)", cy_part_destroy(UNKNOWN_ID), CY_ENOENT);
	if (self >= 0)
		expect_ret("PART_DESTROY(own partition)", cy_part_destroy((uint32_t)self),
			   CY_EINVAL);
	gprintf("lifecycle: error paths checked\n");
}

static void resize_child(int32_t id)
{
	int32_t r = cy_part_resize((uint32_t)id, 2, 0);

	if (r != 0) {
		fail("PART_RESIZE(c1, 2 cores) = %d (%s)", r, cy_errname(r));
		return;
	}
	check_child("c1", id, 2);
	r = cy_part_resize((uint32_t)id, 1, 0);
	if (r != 0)
		fail("PART_RESIZE(c1, back to 1 core) = %d (%s)", r, cy_errname(r));
	check_child("c1", id, 1);
	gprintf("lifecycle: c1 resized to 2 cores and back\n");
}

/* Step 6: returns the cycles completed. */
static uint32_t cycles(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int32_t id = create("cyc"), r;

		if (id < 0) {
			fail("cycle %u: PART_CREATE = %d (%s)", i, id, cy_errname(id));
			return i;
		}
		r = cy_part_destroy((uint32_t)id);
		if (r != 0) {
			fail("cycle %u: PART_DESTROY(%d) = %d (%s)", i, id, r, cy_errname(r));
			return i;
		}
		if ((i + 1) % 100 == 0)
			gprintf("lifecycle: %u cycles\n", i + 1);
	}
	return n;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
	static const char *const names[NCHILD] = { "c0", "c1", "c2" };
	struct cy_resources before = { 0 }, mid = { 0 }, after = { 0 };
	uint32_t ncycles = cmdline_uint("cycles", 1000), done, ncpu;
	int32_t id[NCHILD], self = -1, where;

	(void)magic;
	(void)mbi;
	if (cmdline_has("idle"))
		for (;;)
			__asm__ volatile("cli; hlt" : : : "memory");
	if (!hv_is_cypress())
		verdict(VERDICT_SKIP, "not running under Cypress (partition control is Cypress's)");
	childmem = cmdline_uint("childmem", 2);
	if (!resources(&before, "before"))
		report(NULL);

	where = cy_vcpu_where(0);
	ncpu = core_list();
	if (where < 0)
		fail("VCPU_WHERE(0) = %d (%s)", where, cy_errname(where));
	else if ((uint32_t)where < ncpu)
		self = cores[where].part;
	gprintf("lifecycle: vcpu 0 on cpu %d, own partition id %d\n", where, self);

	for (unsigned int i = 0; i < NCHILD; i++) {
		id[i] = create(names[i]);
		if (id[i] < 0) {
			/* Leave no child behind to wait for the watchdog. */
			fail("PART_CREATE(%s) = %d (%s)", names[i], id[i], cy_errname(id[i]));
			while (i--)
				cy_part_destroy((uint32_t)id[i]);
			report(NULL);
		}
		gprintf("lifecycle: created %s: id %d\n", names[i], id[i]);
	}
	if (id[0] == id[1] || id[1] == id[2] || id[0] == id[2] || id[0] == self || id[1] == self ||
	    id[2] == self)
		fail("ids not distinct: self %d, children %d %d %d", self, id[0], id[1], id[2]);
	if (resources(&mid, "with 3 children") && mid.free_cores + NCHILD != before.free_cores)
		fail("%u free cores with 3 one-core children, want %u", mid.free_cores,
		     before.free_cores - NCHILD);
	for (unsigned int i = 0; i < NCHILD; i++)
		check_child(names[i], id[i], 1);
	check_core_records(core_list(), mid.free_cores);
	resize_child(id[1]);
	error_paths(self, id[1]);
	for (unsigned int i = 0; i < NCHILD; i++)
		expect_ret("PART_DESTROY(child)", cy_part_destroy((uint32_t)id[i]), 0);
	for (unsigned int i = 0; i < NCHILD; i++) {
		const struct cy_part_info *p = part_of(id[i]);

		if (p && p->state == CY_PART_RUNNING)
			fail("%s (id %d) still running after PART_DESTROY", names[i], id[i]);
	}

	done = cycles(ncycles);
	gprintf("lifecycle: %u of %u create/destroy cycles\n", done, ncycles);
	if (resources(&after, "after")) {
		if (after.free_frames != before.free_frames)
			fail("%llu free frames at the end, %llu at the start", after.free_frames,
			     before.free_frames);
		if (after.free_cores != before.free_cores)
			fail("%u free cores at the end, %u at the start", after.free_cores,
			     before.free_cores);
		if (after.partitions != before.partitions)
			fail("%u live partitions at the end, %u at the start", after.partitions,
			     before.partitions);
	}
	report("3 partitions created, listed, resized, destroyed; %u cycles; frames %llu and "
	       "cores %u as at the start",
	       done, after.free_frames, after.free_cores);
}
