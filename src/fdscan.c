/* fdscan.c: the open descriptors of a range, see fdscan.h.
 *
 * poll() with events = 0 reports POLLNVAL for an empty slot and for an
 * O_PATH descriptor, and something else (usually nothing) for every other
 * open one: one call sorts a whole batch into "open" and "ask again".  A
 * batch may hold at most the soft RLIMIT_NOFILE entries (EINVAL beyond),
 * but the numbers in it are not limited, so it also finds descriptors
 * above a lowered soft limit. */
#include "config.h"
#include "fdscan.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "fdflags.h"
#include "retry.h"

int fd_scan_batch_size(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= FD_SCAN_BATCH)
		return FD_SCAN_BATCH;
	return rl.rlim_cur > 0 ? (int)rl.rlim_cur : 1;
}

/* One batch: fn for every open descriptor in [start, start + n).  Once
 * poll() has failed (*walk), fcntl on every slot (or, without may_walk, the
 * -errno of poll). */
static int scan_batch(struct pollfd *pfd, long long start, nfds_t n, bool may_walk, bool *walk,
		      fd_scan_fn fn, void *ctx)
{
	for (nfds_t i = 0; i < n; i++) {
		pfd[i].fd = (int)(start + (long long)i);
		pfd[i].events = 0;
		pfd[i].revents = POLLNVAL;
	}
	if (!*walk) {
		int k, interrupted = 0;
		do
			k = poll(pfd, n, 0);
		while (k < 0 && errno == EINTR && ++interrupted < RETRY_MAX);
		if (k < 0 && !may_walk)
			return -errno;
		*walk = k < 0;
	}
	for (nfds_t i = 0; i < n; i++) {
		/* POLLNVAL: empty, or O_PATH: ask fcntl. */
		int open_now = (pfd[i].revents & POLLNVAL) || *walk ? fd_open_state(pfd[i].fd) : 1;
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

int fd_find_open(int lo, int hi, fd_scan_fn fn, void *ctx)
{
	return scan(lo, hi, true, fn, ctx);
}

int fd_poll_open(int lo, int hi, fd_scan_fn fn, void *ctx)
{
	return scan(lo, hi, false, fn, ctx);
}
