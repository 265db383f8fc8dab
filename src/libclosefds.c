/* libclosefds.c: the five public functions of closefds.h, each a guard
 * around the engine closefds(1) runs: the SIGSYS handling of signals.c for
 * the length of the call, the caller's keep list as engine sets
 * (keepset.c), closing by close_others_run (closeothers.c, the code of
 * closefds' own closing step), the table size by fd_bound_get (fdbound.c),
 * enumeration by fd_find_open (fdscan.c), the check by fd_walk_all
 * (fdwalk.c, as --verify).
 *
 * Everything reachable from here is async-signal-safe: system calls,
 * buffers on the stack of fixed size (the deepest path is stated in
 * closefds_close_except(3)), no malloc, no stdio, no lock, and no global
 * written (fd_close_own remembers nothing unless closefds(1) asked it to;
 * the guard's handler writes only its signal frame).  errno is set on
 * failure and left as the caller had it on success. */
#include "config.h"
#include "closefds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>

#include "closeothers.h"
#include "fdbound.h"
#include "fdscan.h"
#include "fdwalk.h"
#include "keepset.h"
#include "signals.h"
#include "hotpath.h"

/* The exported functions; the rest of the library is hidden
 * (-fvisibility=hidden) and the version script names these alone. */
#define CLOSEFDS_PUBLIC __attribute__((visibility("default")))

/* Return r (0 or a count, >= 0) with the caller's errno, or -1 with
 * errno = -r. */
static HOT_PATH int finish(int r, int caller_errno)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	errno = caller_errno;
	return r;
}

/* Leave the guard; its failure counts where the call succeeded. */
static HOT_PATH int leave(struct sigsys_guard *g, int r)
{
	int left = sigsys_guard_leave(g);

	return r >= 0 && left < 0 ? left : r;
}

CLOSEFDS_PUBLIC
HOT_PATH int closefds_close_except(int lowfd, const int *keep, size_t n_keep, unsigned int flags)
{
	int caller_errno = errno;
	struct keep_cursor cursor;
	struct keep_window w;
	struct sigsys_guard g;
	int r;

	if ((flags & ~CLOSEFDS_CLOEXEC) != 0)
		return finish(-EINVAL, caller_errno);
	if ((r = keep_cursor_init(&cursor, lowfd, keep, n_keep)) < 0)
		return finish(r, caller_errno);
	if ((r = sigsys_guard_enter(&g)) < 0)
		return finish(r, caller_errno);
	while (r == 0 && keep_cursor_next(&cursor, &w)) {
		struct close_report rep;
		const struct close_request req = {
			.keep = &w.set,
			.first = w.lo,
			.method = METHOD_AUTO,
			.may_defer = (flags & CLOSEFDS_CLOEXEC) != 0,
		};
		r = close_others_run(&req, &rep);
	}
	return finish(leave(&g, r), caller_errno);
}

CLOSEFDS_PUBLIC
int closefds_table_size(void)
{
	int caller_errno = errno;
	struct sigsys_guard g;
	struct fd_bound b;
	int r;

	if ((r = sigsys_guard_enter(&g)) < 0)
		return finish(r, caller_errno);
	r = fd_bound_get(&b);
	return finish(leave(&g, r < 0 ? r : b.limit), caller_errno);
}

struct each_ctx {
	closefds_fd_fn fn;
	void *arg;
	int value;   /* what fn returned to stop the walk */
	int fn_errno; /* errno as fn left it then */
	bool stopped;
};

static int each_visit(int fd, void *arg)
{
	struct each_ctx *ec = arg;
	int v = ec->fn(fd, ec->arg);

	if (v == 0)
		return 0;
	ec->value = v;
	ec->fn_errno = errno;
	ec->stopped = true;
	return -ECANCELED;
}

CLOSEFDS_PUBLIC
int closefds_for_each_open(int lowfd, closefds_fd_fn fn, void *arg)
{
	int caller_errno = errno;
	struct each_ctx ec = { .fn = fn, .arg = arg };
	struct sigsys_guard g;
	struct fd_bound b;
	int r;

	if (lowfd < 0 || !fn)
		return finish(-EINVAL, caller_errno);
	if ((r = sigsys_guard_enter(&g)) < 0)
		return finish(r, caller_errno);
	if ((r = fd_bound_get(&b)) == 0 && lowfd < b.limit)
		r = fd_find_open(lowfd, b.limit - 1, each_visit, &ec);
	r = leave(&g, r);
	if (ec.stopped) {
		errno = ec.fn_errno; /* fn's value, with errno as fn left it */
		return ec.value;
	}
	return finish(r, caller_errno);
}

struct check_ctx {
	struct fd_walk walk; /* first: the walk's callbacks get it */
	const struct keep_window *w;
	int leaks;
	int first_leak;
};

static int check_visit(struct fd_walk *walk, int fd, int fdflags)
{
	struct check_ctx *cc = (struct check_ctx *)walk;

	if (fd < cc->w->lo || fd > cc->w->hi || (fdflags & FD_CLOEXEC) ||
	    fd_set_contains(&cc->w->set, fd))
		return 0;
	if (cc->leaks == 0 || fd < cc->first_leak)
		cc->first_leak = fd;
	if (cc->leaks < INT_MAX)
		cc->leaks++;
	return 0;
}

static void check_restart(struct fd_walk *walk)
{
	struct check_ctx *cc = (struct check_ctx *)walk;

	cc->leaks = 0;
}

CLOSEFDS_PUBLIC
int closefds_check(int lowfd, const int *keep, size_t n_keep, int *first_leak)
{
	int caller_errno = errno;
	struct keep_cursor cursor;
	struct keep_window w;
	struct sigsys_guard g;
	int r, leaks = 0, first = -1;

	if ((r = keep_cursor_init(&cursor, lowfd, keep, n_keep)) < 0)
		return finish(r, caller_errno);
	if ((r = sigsys_guard_enter(&g)) < 0)
		return finish(r, caller_errno);
	/* One walk per window of the keep list: one for the usual list. */
	while (r == 0 && keep_cursor_next(&cursor, &w)) {
		struct check_ctx cc = { .walk = { .fn = check_visit, .restart = check_restart },
					.w = &w };
		r = fd_walk_all(&cc.walk);
		if (r == 0 && cc.leaks > 0) {
			if (first < 0)
				first = cc.first_leak; /* windows come in increasing order */
			leaks = leaks > INT_MAX - cc.leaks ? INT_MAX : leaks + cc.leaks;
		}
	}
	r = leave(&g, r);
	if (r == 0) {
		if (first_leak)
			*first_leak = first;
		r = leaks;
	}
	return finish(r, caller_errno);
}

CLOSEFDS_PUBLIC
const char *closefds_version(void)
{
	return CLOSEFDS_VERSION;
}
