/* benchref.c: the reference wrappers the benchmark compares closefds with,
 * written here on purpose (not closefds' code): each closes the inherited
 * descriptors from 3 up the way other tools do, then execs its command.
 *
 *   benchref MODE -- COMMAND [ARG]...
 *   benchref MODE N -- COMMAND [ARG]...   (pollsize, loopsize, pollonly)
 *   benchref count [N]     exit status = open descriptors from 3 up (max 254;
 *                          255: cannot tell)
 *   benchref fdsize        print FDSize from /proc/self/status (the table size
 *                          this program, and so its siblings, got from fork)
 *
 * Every reference but one must close every kind of descriptor.  poll()
 * answers POLLNVAL for an open O_PATH descriptor exactly as for an empty
 * slot (the kernel's fdget() skips FMODE_PATH files), so a poll scan that
 * trusts POLLNVAL leaves O_PATH descriptors open; the poll references here
 * ask fcntl(F_GETFD) about every slot poll calls empty.
 *
 * MODE: none (the floor: closes nothing), cloexec (one close_range(3, ~0U,
 * CLOSE_RANGE_CLOEXEC)), close_range (close_range(3, ~0U, 0)), proc (a
 * getdents64 scan of /proc/self/fd), closefrom (glibc closefrom(3)), loop
 * (close() on every slot below max(soft, hard) RLIMIT_NOFILE: CPython, sudo
 * and systemd fall back to this), poll-fdsize and poll-rlimit (poll() in
 * batches plus fcntl on each POLLNVAL slot, bounded by FDSize or by
 * max(soft, hard)); told the table size N by the harness (what closefds'
 * select probe finds, so neither /proc nor the limit is needed): pollsize
 * (the same correct poll scan below N), loopsize (close() on every slot
 * below N), and pollonly (a poll scan below N that trusts POLLNVAL:
 * INCORRECT, it misses O_PATH descriptors; timed only to show what
 * correctness costs).
 *
 * count: /proc/self/fd when it is a procfs directory (it lists every kind
 * of descriptor), otherwise the correct poll scan below N (default 65536). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#define REF_CLOSE_RANGE_CLOEXEC (1U << 2)
#define REF_BATCH 1024
#define REF_PROC_MAGIC 0x9fa0

static int rlimit_bound(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 65536;
	rlim_t m = rl.rlim_cur > rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
	return m > 0x7fffffff ? 0x7fffffff : (int)m;
}

static int fdsize_bound(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nFDSize:");
	return p ? atoi(p + 8) : -1;
}

/* poll() with events 0 in batches over [lo, hi); fn on each open
 * descriptor.  POLLNVAL means "empty or O_PATH": with ask, fcntl tells
 * the two apart; without (pollonly), the slot is taken for empty. */
static int poll_scan(int lo, int hi, bool ask, void (*fn)(int, int *), int *acc)
{
	struct pollfd p[REF_BATCH];
	struct rlimit rl;
	int batch = REF_BATCH;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < REF_BATCH)
		batch = rl.rlim_cur > 0 ? (int)rl.rlim_cur : 1;
	for (int start = lo; start < hi; start += batch) {
		/* Unsigned and at most REF_BATCH, as the fortified poll() wants to see. */
		unsigned n = (unsigned)(hi - start < batch ? hi - start : batch);
		if (n > REF_BATCH)
			n = REF_BATCH;
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = start + (int)i };
		if (poll(p, (nfds_t)n, 0) < 0)
			return -1;
		for (unsigned i = 0; i < n; i++)
			if (!(p[i].revents & POLLNVAL) ||
			    (ask && fcntl(p[i].fd, F_GETFD) >= 0))
				fn(p[i].fd, acc);
	}
	return 0;
}

static void close_one(int fd, int *acc)
{
	(void)acc;
	close(fd);
}

static void count_one(int fd, int *acc)
{
	(void)fd;
	(*acc)++;
}

struct dirent64_hdr {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* fn on every descriptor from 3 up that /proc/self/fd lists; -1 when it
 * cannot be read or is not a procfs directory. */
static int proc_scan(void (*fn)(int, int *), int *acc)
{
	_Alignas(struct dirent64_hdr) char buf[8192];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statfs sfs;

	if (dir < 0)
		return -1;
	if (fstatfs(dir, &sfs) < 0 || sfs.f_type != REF_PROC_MAGIC) {
		close(dir);
		errno = ENOENT;
		return -1;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (n <= 0) {
			close(dir);
			return (int)n;
		}
		for (long off = 0; off < n;) {
			const struct dirent64_hdr *d = (const void *)(buf + off);
			off += d->reclen;
			int fd = atoi(d->name);
			if (d->name[0] >= '0' && d->name[0] <= '9' && fd >= 3 && fd != dir)
				fn(fd, acc);
		}
	}
}

static int close_all(const char *mode, int size)
{
	if (strcmp(mode, "none") == 0)
		return 0;
	if (strcmp(mode, "cloexec") == 0)
		return (int)syscall(__NR_close_range, 3U, ~0U, REF_CLOSE_RANGE_CLOEXEC);
	if (strcmp(mode, "close_range") == 0)
		return (int)syscall(__NR_close_range, 3U, ~0U, 0U);
	if (strcmp(mode, "proc") == 0)
		return proc_scan(close_one, NULL);
	if (strcmp(mode, "closefrom") == 0) {
#if HAVE_CLOSEFROM
		closefrom(3); /* glibc aborts when close_range and /proc both fail */
		return 0;
#else
		errno = ENOSYS;
		return -1;
#endif
	}
	if (strcmp(mode, "loop") == 0 || strcmp(mode, "loopsize") == 0) {
		int hi = mode[4] ? size : rlimit_bound();
		for (int fd = 3; fd < hi; fd++)
			close(fd);
		return 0;
	}
	if (strcmp(mode, "poll-fdsize") == 0) {
		int hi = fdsize_bound();
		return hi < 0 ? -1 : poll_scan(3, hi, true, close_one, NULL);
	}
	if (strcmp(mode, "poll-rlimit") == 0)
		return poll_scan(3, rlimit_bound(), true, close_one, NULL);
	if (strcmp(mode, "pollsize") == 0)
		return poll_scan(3, size, true, close_one, NULL);
	if (strcmp(mode, "pollonly") == 0)
		return poll_scan(3, size, false, close_one, NULL);
	errno = EINVAL;
	return -1;
}

static bool sized(const char *mode)
{
	return strcmp(mode, "pollsize") == 0 || strcmp(mode, "loopsize") == 0 ||
	       strcmp(mode, "pollonly") == 0;
}

/* A table size or bound: 3..INT_MAX, or -1. */
static int parse_size(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s && !*end && n >= 3 && n <= 0x7fffffff ? (int)n : -1;
}

int main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "fdsize") == 0) {
		int n = fdsize_bound();
		if (n <= 0)
			return 1;
		printf("%d\n", n);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "count") == 0) {
		int n = 0, hi = argc == 3 ? parse_size(argv[2]) : 65536;
		if (hi < 0)
			return 255;
		if (proc_scan(count_one, &n) < 0) {
			n = 0;
			if (poll_scan(3, hi, true, count_one, &n) < 0)
				return 255;
		}
		return n > 254 ? 254 : n;
	}
	int size = 0, cmd = 3;
	if (argc >= 3 && sized(argv[1])) {
		size = parse_size(argv[2]);
		cmd = 4;
		if (size < 0) {
			fprintf(stderr, "benchref: %s %s: %s\n", argv[1], argv[2], strerror(EINVAL));
			return 125;
		}
	}
	if (argc < cmd + 1 || strcmp(argv[cmd - 1], "--") != 0) {
		fputs("usage: benchref MODE -- COMMAND [ARG]...\n"
		      "       benchref pollsize|loopsize|pollonly N -- COMMAND [ARG]...\n"
		      "       benchref count [N] | fdsize\n",
		      stderr);
		return 125;
	}
	if (close_all(argv[1], size) < 0) {
		fprintf(stderr, "benchref: %s: %s\n", argv[1], strerror(errno));
		return 125;
	}
	execv(argv[cmd], argv + cmd);
	fprintf(stderr, "benchref: %s: %s\n", argv[cmd], strerror(errno));
	return 127;
}
