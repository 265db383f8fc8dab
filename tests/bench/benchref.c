/* benchref.c: the reference wrappers the benchmark compares closefds with,
 * written here on purpose (not closefds' code): each closes the inherited
 * descriptors from 3 up the way other tools do, then execs its command.
 *
 *   benchref MODE -- COMMAND [ARG]...
 *   benchref count          exit status = open descriptors from 3 up (max 255)
 *
 * MODE: none (the floor: closes nothing), cloexec (one close_range(3, ~0U,
 * CLOSE_RANGE_CLOEXEC)), close_range (close_range(3, ~0U, 0)), proc (a
 * getdents64 scan of /proc/self/fd), closefrom (glibc closefrom(3)), loop
 * (close() on every slot below max(soft, hard) RLIMIT_NOFILE: CPython, sudo
 * and systemd fall back to this), poll-fdsize and poll-rlimit (poll() in
 * batches, bounded by FDSize or by max(soft, hard)).
 *
 *   benchref pollsize N -- COMMAND [ARG]...
 *                           poll() in batches below N: the harness passes the
 *                           real table size, so the scan needs neither /proc
 *                           nor the limit (what closefds' select probe finds)
 *   benchref fdsize         print FDSize from /proc/self/status (the table size
 *                           this program, and so its siblings, got from fork)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#define REF_CLOSE_RANGE_CLOEXEC (1U << 2)
#define REF_BATCH 1024

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

/* poll() with events 0: POLLNVAL marks a closed slot.  Calls fn on each open
 * descriptor in [lo, hi). */
static int poll_scan(int lo, int hi, void (*fn)(int, int *), int *acc)
{
	struct pollfd p[REF_BATCH];
	struct rlimit rl;
	int batch = REF_BATCH;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < REF_BATCH)
		batch = (int)rl.rlim_cur;
	for (int start = lo; start < hi; start += batch) {
		int n = hi - start < batch ? hi - start : batch;
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = start + i };
		if (poll(p, (nfds_t)n, 0) < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (!(p[i].revents & POLLNVAL))
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

static int proc_scan(void)
{
	_Alignas(struct dirent64_hdr) char buf[8192];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -1;
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
				close(fd);
		}
	}
}

static int close_all(const char *mode)
{
	if (strcmp(mode, "none") == 0)
		return 0;
	if (strcmp(mode, "cloexec") == 0)
		return (int)syscall(__NR_close_range, 3U, ~0U, REF_CLOSE_RANGE_CLOEXEC);
	if (strcmp(mode, "close_range") == 0)
		return (int)syscall(__NR_close_range, 3U, ~0U, 0U);
	if (strcmp(mode, "proc") == 0)
		return proc_scan();
	if (strcmp(mode, "closefrom") == 0) {
#if HAVE_CLOSEFROM
		closefrom(3); /* glibc aborts when close_range and /proc both fail */
		return 0;
#else
		errno = ENOSYS;
		return -1;
#endif
	}
	if (strcmp(mode, "loop") == 0) {
		int hi = rlimit_bound();
		for (int fd = 3; fd < hi; fd++)
			close(fd);
		return 0;
	}
	if (strcmp(mode, "poll-fdsize") == 0) {
		int hi = fdsize_bound();
		return hi < 0 ? -1 : poll_scan(3, hi, close_one, NULL);
	}
	if (strcmp(mode, "poll-rlimit") == 0)
		return poll_scan(3, rlimit_bound(), close_one, NULL);
	errno = EINVAL;
	return -1;
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
	if (argc >= 5 && strcmp(argv[1], "pollsize") == 0 && strcmp(argv[3], "--") == 0) {
		char *end;
		long n = strtol(argv[2], &end, 10);
		if (*end || n < 3 || n > 0x7fffffff || poll_scan(3, (int)n, close_one, NULL) < 0) {
			fprintf(stderr, "benchref: pollsize %s: %s\n", argv[2], strerror(*end ? EINVAL : errno));
			return 125;
		}
		execv(argv[4], argv + 4);
		fprintf(stderr, "benchref: %s: %s\n", argv[4], strerror(errno));
		return 127;
	}
	if (argc == 2 && strcmp(argv[1], "count") == 0) {
		int n = 0;
		/* Far above any descriptor the benchmark opens. */
		if (poll_scan(3, 65536 > rlimit_bound() ? 65536 : rlimit_bound(), count_one, &n) < 0)
			return 255;
		return n > 254 ? 254 : n;
	}
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fputs("usage: benchref MODE -- COMMAND [ARG]...\n       benchref pollsize N -- COMMAND [ARG]...\n       benchref count | fdsize\n", stderr);
		return 125;
	}
	if (close_all(argv[1]) < 0) {
		fprintf(stderr, "benchref: %s: %s\n", argv[1], strerror(errno));
		return 125;
	}
	execv(argv[3], argv + 3);
	fprintf(stderr, "benchref: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
