/* fallback.c: closing with the chosen method, and with auto the order in
 * which the methods are tried, each after the one before failed; then the
 * kept descriptors are made inheritable.  That runs last, because
 * CLOSE_RANGE_CLOEXEC marks the kept descriptors too.  (The moves ran
 * before, so the method sees the final table and closes the sources.) */
#include "config.h"
#include "fallback.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "testhooks.h"

struct inherit_ctx {
	int err;
};

static int clear_cloexec(int fd, void *arg)
{
	struct inherit_ctx *ic = arg;
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 && errno == EBADF)
		return 0; /* not open: a range keeps what is open */
	if (flags < 0) {
		ic->err = -errno;
		return ic->err;
	}
	if ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
		ic->err = -errno;
		return ic->err;
	}
	return 0;
}

/* Ranges this short are cheaper to walk with fcntl than to poll. */
#define INHERIT_DIRECT_MAX 64

/* Clear FD_CLOEXEC with fcntl on every slot of [lo, hi]. */
static int inherit_walk(long long lo, long long hi, struct inherit_ctx *ic)
{
	for (long long fd = lo; fd <= hi; fd++) {
		int r = clear_cloexec((int)fd, ic);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make_inheritable(struct close_ctx *ctx)
{
	struct inherit_ctx ic = { 0 };

	for (size_t i = 0; i < ctx->keep->n; i++) {
		const struct fd_range *rg = &ctx->keep->v[i];
		int r;
		if ((long long)rg->hi - rg->lo < INHERIT_DIRECT_MAX) {
			if ((r = inherit_walk(rg->lo, rg->hi, &ic)) < 0)
				return r;
			continue;
		}
		int last = close_ctx_bound(ctx)->limit - 1;
		if (rg->lo > last)
			continue;
		int hi = rg->hi < last ? rg->hi : last;
		r = fd_find_open(rg->lo, hi, clear_cloexec, &ic);
		if (r < 0)
			return r;
	}
	return 0;
}

static long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct method_entry {
	const char *name;
	close_method_fn fn;
};

static const struct method_entry step_cloexec = { "close_range(CLOSE_RANGE_CLOEXEC)",
						  close_method_close_range_cloexec };
static const struct method_entry step_gaps = { "close_range", close_method_close_range_gaps };
static const struct method_entry step_proc = { "proc", close_method_proc };
static const struct method_entry step_poll = { "poll", close_method_poll };
static const struct method_entry step_loop = { "loop", close_method_loop };

int close_others(const struct fd_set_ranges *keep, enum close_method m, bool measure,
		 struct close_report *rep)
{
	const struct method_entry *steps[4];
	size_t n = 0;
	struct close_ctx ctx = { .keep = keep };
	int r = -ENOSYS;

	switch (m) {
	case METHOD_AUTO:
		steps[n++] = &step_cloexec;
		steps[n++] = &step_gaps;
		steps[n++] = &step_poll;
		steps[n++] = &step_loop;
		break;
	case METHOD_CLOSE_RANGE:
		steps[n++] = &step_cloexec;
		steps[n++] = &step_gaps;
		break;
	case METHOD_PROC:
		steps[n++] = &step_proc;
		break;
	case METHOD_POLL:
		steps[n++] = &step_poll;
		break;
	case METHOD_LOOP:
		steps[n++] = &step_loop;
		break;
	}

	rep->n = 0;
	rep->inherit_err = 0;
	rep->have_open_before = measure && close_ctx_count_open(&ctx, &rep->open_before) == 0;
	int leak_fd = testhook_leak_prepare ? testhook_leak_prepare() : -1;
	for (size_t i = 0; i < n; i++) {
		/* A forced close_range uses the plain call only where the
		 * CLOEXEC flag is unknown (EINVAL before Linux 5.11): EPERM or
		 * ENOSYS would fail the same way. */
		if (m == METHOD_CLOSE_RANGE && i > 0 && r != -EINVAL)
			break;
		struct method_attempt *a = &rep->tries[rep->n++];
		long long t0 = measure ? now_usec() : 0;
		unsigned long traps = signals_trapped();
		ctx.closed = 0;
		ctx.bounded = false;
		r = steps[i]->fn(&ctx);
		*a = (struct method_attempt){
			.name = steps[i]->name,
			.err = r,
			.closed = ctx.closed,
			.counted = ctx.counted,
			.deferred = ctx.deferred,
			.bounded = ctx.bounded,
			.trapped = signals_trapped() != traps,
			.usec = measure ? now_usec() - t0 : 0,
		};
		if (r == 0)
			break;
	}
	if (r == 0) {
		r = make_inheritable(&ctx);
		rep->inherit_err = r;
	}
	if (testhook_leak && leak_fd >= 0)
		testhook_leak(leak_fd);
	rep->bound = ctx.bound;
	rep->have_bound = ctx.have_bound;
	return r;
}

int keep_inheritable(const struct fd_set_ranges *keep)
{
	struct close_ctx ctx = { .keep = keep };

	return make_inheritable(&ctx);
}

