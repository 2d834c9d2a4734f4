// SPDX-License-Identifier: MIT
/*
 * The PID 1 half of kvm-peer-vmm: the same static program is /init of the initramfs
 * tools/bench-peer builds. As PID 1 it readies Debian's Linux for KVM, runs itself as the
 * VMM once per line of /etc/kvm-peer/runs and powers the machine off.
 * Environment: Linux user space as PID 1, the kernel's console as stdio, nothing mounted,
 * no shell and no libc outside this static binary.
 *
 * Rules (what tools/bench-peer reads):
 * 1. Every line for the harness starts with "kvm-peer: "; a run's VMM output (its lines
 *    start with "kvm-peer-vmm: ") follows "kvm-peer: run NAME: begin" and ends with
 *    "kvm-peer: run NAME: end status N" (N: the VMM's exit status, 128 + signal if killed).
 * 2. /etc/kvm-peer/runs holds one run per line: NAME GUEST.ELF VCPUS CMDLINE..., the
 *    command line being the rest of the line; empty lines and lines starting with '#'
 *    are skipped. GUEST.ELF is a path in the initramfs.
 * 3. irqbypass, kvm and kvm-intel load from /lib/modules/NAME.ko in that order (each
 *    needs the one before: finit_module resolves no dependencies).
 * 4. The last line is "kvm-peer: done, uptime T s" once every run ended, or "kvm-peer:
 *    FAILED why" when KVM could not be set up; the console drains before the power-off.
 *    PID 1 never returns (the kernel would panic).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

#define RUNS_FILE "/etc/kvm-peer/runs"

/* The whole of a small file (at most cap - 1 bytes), NUL-terminated; "" if unreadable. */
static void read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* The first field of /proc/uptime: seconds since boot, as the kernel prints them. */
static const char *uptime(void)
{
	static char buf[64];

	read_small("/proc/uptime", buf, sizeof(buf));
	buf[strcspn(buf, " \n")] = '\0';
	return buf;
}

static void __attribute__((noreturn)) power_off(void)
{
	fflush(stdout);
	fflush(stderr);
	/* reboot() does not wait for the UART: drain the console first. */
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause(); /* PID 1 must not exit */
}

static void __attribute__((noreturn, format(printf, 1, 2))) failed(const char *fmt, ...)
{
	va_list ap;

	fputs("kvm-peer: FAILED ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	power_off();
}

static void mount_fs(const char *type, const char *dir, bool needed)
{
	if (mount(type, dir, type, 0, NULL) && errno != EBUSY && needed)
		failed("mount %s on %s: %s", type, dir, strerror(errno));
}

/* "name=text; " for each file of /sys/devices/system/cpu/vulnerabilities, spaces in the
 * text as '_': what the kernel says of the mitigations this boot runs with. */
static void print_vulnerabilities(void)
{
	static const char dir[] = "/sys/devices/system/cpu/vulnerabilities";
	struct dirent **e;
	int n = scandir(dir, &e, NULL, alphasort);
	char path[512], text[256];

	fputs("kvm-peer: vulnerabilities ", stdout);
	for (int i = 0; i < n; i++) {
		if (e[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e[i]->d_name);
			read_small(path, text, sizeof(text));
			text[strcspn(text, "\n")] = '\0';
			for (char *c = text; *c; c++)
				if (*c == ' ')
					*c = '_';
			printf("%s=%s; ", e[i]->d_name, text);
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	putchar('\n');
}

/* The kernel log's last `lines` lines, after a module failed to load. */
static void print_dmesg_tail(int lines)
{
	static char log[1 << 16];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	char *p;

	if (n <= 0)
		return;
	log[n] = '\0';
	if (log[n - 1] == '\n')
		log[--n] = '\0';
	p = log + n;
	for (int k = 0; k < lines && p > log; k++)
		for (p--; p > log && p[-1] != '\n'; p--)
			;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		printf("kvm-peer: dmesg: %s\n", line);
}

static void load_module(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/lib/modules/%s.ko", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		failed("insmod %s: %s: %s", name, path, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0)) {
		int err = errno;

		printf("kvm-peer: FAILED insmod %s: %s\n", name, strerror(err));
		print_dmesg_tail(5);
		power_off();
	}
	close(fd);
}

/* One run (rule 2): this program again, not as PID 1, as the VMM. */
static int run_vmm(const char *elf, const char *vcpus, const char *cmdline)
{
	char *argv[] = { "kvm-peer-vmm",  "--cpus",    (char *)vcpus, "--cmdline",
			 (char *)cmdline, (char *)elf, NULL };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("kvm-peer-vmm: fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		fprintf(stderr, "kvm-peer-vmm: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Split a runs line into its four fields (rule 2); false for a line to skip. */
static bool parse_run(char *line, char **f)
{
	char *p = line;

	for (int i = 0; i < 3; i++) {
		p += strspn(p, " \t");
		f[i] = p;
		p += strcspn(p, " \t");
		if (p == f[i])
			return false;
		if (*p)
			*p++ = '\0';
	}
	p += strspn(p, " \t");
	f[3] = p;
	for (char *end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	return f[0][0] != '#';
}

void peer_init(void)
{
	char cmdline[1024], line[1024];
	struct stat st;
	FILE *runs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mount_fs("proc", "/proc", true);
	mount_fs("sysfs", "/sys", true);
	mount_fs("devtmpfs", "/dev", true);
	mount_fs("debugfs", "/sys/kernel/debug", false); /* the VMM's fallback for exit counts */
	read_small("/proc/cmdline", cmdline, sizeof(cmdline));
	cmdline[strcspn(cmdline, "\n")] = '\0';
	if (!strstr(cmdline, "loglevel=")) {
		/* Kernel messages would interleave with the figures on the console. */
		int fd = open("/proc/sys/kernel/printk", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, "1\n", 2) != 2)
				printf("kvm-peer: printk level stays: %s\n", strerror(errno));
			close(fd);
		}
	}
	printf("kvm-peer: init reached, uptime %s s\n", uptime());
	printf("kvm-peer: cmdline %s\n", cmdline);
	print_vulnerabilities();
	load_module("irqbypass");
	load_module("kvm");
	load_module("kvm-intel");
	if (stat("/dev/kvm", &st) || !S_ISCHR(st.st_mode))
		failed("no /dev/kvm after loading kvm_intel");
	printf("kvm-peer: kvm_intel loaded, uptime %s s\n", uptime());

	runs = fopen(RUNS_FILE, "re");
	if (!runs)
		failed("%s: %s", RUNS_FILE, strerror(errno));
	while (fgets(line, sizeof(line), runs)) {
		char *f[4];

		line[strcspn(line, "\n")] = '\0';
		if (!parse_run(line, f))
			continue;
		printf("kvm-peer: run %s: begin\n", f[0]);
		int status = run_vmm(f[1], f[2], f[3]);
		printf("kvm-peer: run %s: end status %d\n", f[0], status);
	}
	fclose(runs);
	printf("kvm-peer: done, uptime %s s\n", uptime());
	power_off();
}
