/* fdscan.c: the descriptor bound and the poll() scan.
 *
 * poll() with events = 0 reports POLLNVAL for a closed slot and something
 * else (usually nothing) for an open one, so one call checks a whole batch:
 * about 17 ns a slot against about 270 ns for a close() (measured, see
 * ../shared/notes/closing-descriptors.md).  A batch may hold at most the
 * soft RLIMIT_NOFILE entries (EINVAL beyond), but the numbers in it are not
 * limited, so it also finds descriptors above a lowered soft limit. */
#include "config.h"
#include "fdscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/vfs.h>
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#endif

int fd_open_state(int fd)
{
	if (fcntl(fd, F_GETFD) != -1)
		return 1;
	return errno == EBADF ? 0 : -errno;
}

bool fd_is_procfs(int fd)
{
#if IS_LINUX
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
#else
	(void)fd;
	return false;
#endif
}

int fd_scan_batch_size(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= FD_SCAN_BATCH)
		return FD_SCAN_BATCH;
	return rl.rlim_cur > 0 ? (int)rl.rlim_cur : 1;
}

/* One batch: fn for every open descriptor in [start, start + n).  With
 * walk, or when poll() fails, fcntl(F_GETFD) on each slot instead (*walk is
 * then set, for the batches after).  Returns 0, what fn returned, or the
 * -errno of poll() when !may_walk. */
static int scan_batch(struct pollfd *pfd, long long start, nfds_t n, bool may_walk, bool *walk,
		      fd_scan_fn fn, void *ctx)
{
	for (nfds_t i = 0; i < n; i++) {
		pfd[i].fd = (int)(start + (long long)i);
		pfd[i].events = 0;
		pfd[i].revents = 0;
	}
	if (!*walk) {
		int k;
		do
			k = poll(pfd, n, 0);
		while (k < 0 && errno == EINTR);
		if (k < 0 && !may_walk)
			return -errno;
		*walk = k < 0;
	}
	for (nfds_t i = 0; i < n; i++) {
		int open_now = *walk ? fd_open_state(pfd[i].fd) : !(pfd[i].revents & POLLNVAL);
		if (open_now < 0)
			return open_now;
		int r = open_now ? fn(pfd[i].fd, ctx) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan(int lo, int hi, bool may_walk, fd_scan_fn fn, void *ctx)
{
	struct pollfd pfd[FD_SCAN_BATCH];
	int batch = fd_scan_batch_size();
	bool walk = false;

	if (lo < 0)
		lo = 0;
	for (long long start = lo; start <= hi; start += batch) {
		long long end = start + batch - 1;
		if (end > hi)
			end = hi;
		int r = scan_batch(pfd, start, (nfds_t)(end - start + 1), may_walk, &walk, fn, ctx);
		if (r < 0)
			return r;
	}
	return 0;
}

int fd_scan_open(int lo, int hi, fd_scan_fn fn, void *ctx)
{
	return scan(lo, hi, false, fn, ctx);
}

int fd_find_open(int lo, int hi, fd_scan_fn fn, void *ctx)
{
	return scan(lo, hi, true, fn, ctx);
}
