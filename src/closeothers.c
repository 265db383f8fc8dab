/* closeothers.c: closing with the chosen method, and with auto the order
 * in which the methods are tried, each after the one before failed; then
 * the kept descriptors are made inheritable.  (The moves ran before, so
 * the method sees the final table and closes the sources.)
 *
 * auto: CLOSE_RANGE_CLOEXEC over the gaps (a bitmap operation), plain
 * close_range over the gaps where the flag is unknown, then /proc/self/fd
 * when it is this process's own (its cost follows the open descriptors),
 * then a close() on every slot of the table.  The poll scan is not in the
 * order: poll cannot see an O_PATH descriptor, so every slot it calls
 * empty must be asked again, a system call per slot, which the close()
 * loop spends anyway. */
#include "config.h"
#include "closeothers.h"

#include <errno.h>
#include <time.h>

#include "fdflags.h"
#include "fdscan.h"
#include "signals.h"
#include "hotpath.h"

struct inherit_ctx {
	int bad_fd;
};

static int clear_cloexec(int fd, void *arg)
{
	struct inherit_ctx *ic = arg;

	if (fd_is_own_leftover(fd))
		return 0; /* closefds' own, which close() failed to close: execve does */
	int r = fd_set_cloexec(fd, false);

	if (r == -EBADF)
		return 0; /* not open: a range keeps what is open */
	if (r < 0)
		ic->bad_fd = fd;
	return r;
}

/* Ranges this short are cheaper to walk with fcntl than to scan. */
#define INHERIT_DIRECT_MAX 64

static int make_inheritable(struct close_ctx *ctx, int *bad_fd)
{
	struct inherit_ctx ic = { -1 };
	int r = 0;

	for (size_t i = 0; i < ctx->keep->n && r == 0; i++) {
		const struct fd_range *rg = &ctx->keep->v[i];
		long long hi = rg->hi;
		if (hi - rg->lo >= INHERIT_DIRECT_MAX) {
			const struct fd_bound *b = close_ctx_bound(ctx);
			if (!b) {
				r = ctx->bound_err;
				break;
			}
			if (hi > b->limit - 1)
				hi = b->limit - 1;
			if (rg->lo <= hi)
				r = fd_find_open(rg->lo, (int)hi, clear_cloexec, &ic);
			continue;
		}
		for (long long fd = rg->lo; fd <= hi && r == 0; fd++)
			r = clear_cloexec((int)fd, &ic);
	}
	*bad_fd = ic.bad_fd;
	return r;
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

/* The methods to try for m, in order; returns how many.  Without may_defer
 * CLOSE_RANGE_CLOEXEC is not one of them. */
static HOT_PATH size_t method_steps(enum close_method m, bool may_defer, const struct method_entry *steps[4])
{
	size_t n = 0;

	switch (m) {
	case METHOD_AUTO:
		if (may_defer)
			steps[n++] = &step_cloexec;
		steps[n++] = &step_gaps;
		steps[n++] = &step_proc;
		steps[n++] = &step_loop;
		return n;
	case METHOD_CLOSE_RANGE:
		if (may_defer)
			steps[n++] = &step_cloexec;
		steps[n++] = &step_gaps;
		return n;
	case METHOD_PROC:
		steps[0] = &step_proc;
		return 1;
	case METHOD_POLL:
		steps[0] = &step_poll;
		return 1;
	case METHOD_LOOP:
		break;
	}
	steps[0] = &step_loop;
	return 1;
}

HOT_PATH int close_others_run(const struct close_request *req, struct close_report *rep)
{
	const struct method_entry *steps[4];
	enum close_method m = req->method;
	bool measure = req->measure;
	size_t n = method_steps(m, req->may_defer, steps);
	struct close_ctx ctx = { .keep = req->keep, .first = req->first, .failed_fd = -1,
				 .choosing = m == METHOD_AUTO };
	int r = -ENOSYS;

	rep->n = 0;
	rep->inherit_err = 0;
	rep->inherit_fd = -1;
	rep->have_open_before = measure && close_ctx_count_open(&ctx, &rep->open_before) == 0;
	for (size_t i = 0; i < n; i++) {
		/* A forced close_range uses the plain call only where the
		 * CLOEXEC flag is unknown (EINVAL before Linux 5.11): EPERM or
		 * ENOSYS would fail the same way. */
		if (m == METHOD_CLOSE_RANGE && i > 0 && r != -EINVAL)
			break;
		struct method_attempt *a = &rep->tries[rep->n++];
		long long t0 = measure ? now_usec() : 0;
		unsigned long traps = req->see_traps ? signals_trapped() : 0;
		ctx.closed = 0;
		ctx.bounded = false;
		ctx.failed_fd = -1;
		ctx.declined = false;
		r = steps[i]->fn(&ctx);
		*a = (struct method_attempt){
			.name = steps[i]->name,
			.err = r,
			.failed_fd = ctx.failed_fd,
			.closed = ctx.closed,
			.counted = ctx.counted,
			.deferred = ctx.deferred,
			.bounded = ctx.bounded,
			.trapped = req->see_traps && signals_trapped() != traps,
			.declined = ctx.declined,
			.usec = measure ? now_usec() - t0 : 0,
		};
		if (r == 0)
			break;
	}
	if (r == 0 && req->inherit) {
		r = make_inheritable(&ctx, &rep->inherit_fd);
		rep->inherit_err = r;
	}
	rep->bound = ctx.bound;
	rep->have_bound = ctx.have_bound;
	rep->bound_err = ctx.bound_err;
	return r;
}

int close_others(const struct fd_set_ranges *keep, enum close_method m, bool measure,
		 struct close_report *rep)
{
	const struct close_request req = { .keep = keep, .first = 3, .method = m,
					   .may_defer = true, .inherit = true, .measure = measure,
					   .see_traps = true };

	return close_others_run(&req, rep);
}

int keep_inheritable(const struct fd_set_ranges *keep, int *bad_fd)
{
	struct close_ctx ctx = { .keep = keep, .first = 3, .failed_fd = -1 };

	return make_inheritable(&ctx, bad_fd);
}
