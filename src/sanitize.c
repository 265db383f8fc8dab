/* sanitize.c: the steps between the plan and execve.
 *
 * Order matters.  The moves run first, so the closing method sees the final
 * table and also closes the moved sources.  Clearing FD_CLOEXEC runs last,
 * because CLOSE_RANGE_CLOEXEC marks the kept descriptors too. */
#include "config.h"
#include "sanitize.h"

#include "activation.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int stdio_repair(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		int open_now = fd_open_state(fd);
		if (open_now < 0)
			return open_now;
		if (open_now)
			continue;
		/* open() returns the lowest free number, which is fd: the lower
		 * ones are open (checked or repaired already). */
		int nfd = open("/dev/null", O_RDWR | O_NOCTTY);
		if (nfd < 0)
			return -errno;
		if (nfd != fd || fstat(nfd, &st) < 0 || !S_ISCHR(st.st_mode)) {
			close(nfd);
			return -EBADF;
		}
	}
	return 0;
}

/* 0 if fd is open; else -EBADF (closed) or -errno (cannot tell), naming it. */
static int require_open(int fd, const char *option, int *bad_fd, const char **bad_option)
{
	int state = fd_open_state(fd);

	if (state == 1)
		return 0;
	*bad_fd = fd;
	*bad_option = option;
	return state == 0 ? -EBADF : state;
}

int plan_check_open(const struct plan *p, int *bad_fd, const char **bad_option)
{
	const struct options *o = p->opts;
	int r = 0;

	for (size_t i = 0; i < o->n_keep_single && r == 0; i++)
		r = require_open(o->keep_single[i], "--keep-fd", bad_fd, bad_option);
	for (int i = 0; i < p->listen_inherited && r == 0; i++)
		r = require_open(LISTEN_FDS_START + i, "--listen-fds, from LISTEN_FDS", bad_fd,
				 bad_option);
	for (size_t i = 0; i < p->n_moves && r == 0; i++)
		r = require_open(p->moves[i].src, p->moves[i].listen ? "--listen-fd" : "--pass-fd",
				 bad_fd, bad_option);
	return r;
}

int pass_apply(const struct plan *p, size_t *failed)
{
	int *temps;
	int r = 0;

	*failed = p->n_ops; /* no op failed (yet) */
	if (p->n_ops == 0) /* the usual case: no moves, no allocation */
		return 0;
	/* One more than needed, so there is always an array (no NULL case). */
	temps = malloc((p->n_temps + 1) * sizeof(*temps));
	if (!temps)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_temps; i++)
		temps[i] = -1;
	for (size_t i = 0; i < p->n_ops && r == 0; i++) {
		const struct pass_op *op = &p->ops[i];
		if ((op->from < 0 && PASS_TEMP_INDEX(op->from) >= p->n_temps) ||
		    (op->to < 0 && PASS_TEMP_INDEX(op->to) >= p->n_temps)) {
			r = -EINVAL; /* not a schedule pass_schedule() makes */
			*failed = i;
			break;
		}
		int from = op->from >= 0 ? op->from : temps[PASS_TEMP_INDEX(op->from)];
		if (op->to < 0) {
			/* Above every target, so no later copy overwrites it. */
			int t = fcntl(from, F_DUPFD_CLOEXEC, p->max_target + 1);
			if (t < 0)
				r = -errno;
			else
				temps[PASS_TEMP_INDEX(op->to)] = t;
		} else {
			int k;
			/* Linux dup2 may fail with EBUSY while another thread opens;
			 * there is none here, but the retry is cheap. */
			do
				k = dup2(from, op->to);
			while (k < 0 && (errno == EINTR || errno == EBUSY));
			if (k < 0)
				r = -errno;
		}
		if (r < 0)
			*failed = i;
	}
	for (size_t i = 0; i < p->n_temps; i++)
		if (temps[i] >= 0)
			close(temps[i]);
	free(temps);
	return r;
}

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

static int make_inheritable(struct close_ctx *ctx)
{
	struct inherit_ctx ic = { 0 };

	for (size_t i = 0; i < ctx->keep->n; i++) {
		const struct fd_range *rg = &ctx->keep->v[i];
		int r;
		if ((long long)rg->hi - rg->lo < INHERIT_DIRECT_MAX) {
			for (long long fd = rg->lo; fd <= rg->hi; fd++)
				if ((r = clear_cloexec((int)fd, &ic)) < 0)
					return r;
			continue;
		}
		int last = close_ctx_bound(ctx)->limit - 1;
		if (rg->lo > last)
			continue;
		r = fd_scan_open(rg->lo, rg->hi < last ? rg->hi : last, clear_cloexec, &ic);
		if (r < 0)
			return r;
	}
	return 0;
}

#ifdef CLOSEFDS_TEST_HOOKS
/* Test builds only (closefds-testhooks, never installed): keep the descriptor
 * named by CLOSEFDS_TEST_LEAK_FD open and inheritable whatever the method
 * does, to prove that --verify catches a method that leaks. */
static int test_hook_save(int *fd)
{
	const char *s = getenv("CLOSEFDS_TEST_LEAK_FD");

	if (!s || parse_fd_number(s, strlen(s), fd) < 0)
		return -1;
	return fd_open_state(*fd) == 1 ? 0 : -1;
}

/* After the closing step, put an inheritable descriptor back at fd, as a
 * method that skipped it would have left it (a copy would not survive: the
 * scans close every descriptor that is not kept). */
static void test_hook_leak(int fd, int saved)
{
	if (saved < 0)
		return;
	int n = open("/dev/null", O_RDONLY);
	if (n >= 0 && n != fd) {
		dup2(n, fd);
		close(n);
	}
}
#else
static int test_hook_save(int *fd)
{
	*fd = -1;
	return -1;
}

static void test_hook_leak(int fd, int saved)
{
	(void)fd;
	(void)saved;
}
#endif

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

int sanitize(const struct fd_set_ranges *keep, enum close_method m, bool measure,
	     struct sanitize_report *rep)
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
	int leak_fd = -1, leak_saved = test_hook_save(&leak_fd);
	for (size_t i = 0; i < n; i++) {
		/* A forced close_range uses the plain call only where the
		 * CLOEXEC flag is unknown (EINVAL before Linux 5.11): EPERM or
		 * ENOSYS would fail the same way. */
		if (m == METHOD_CLOSE_RANGE && i > 0 && r != -EINVAL)
			break;
		struct method_attempt *a = &rep->tries[rep->n++];
		long long t0 = measure ? now_usec() : 0;
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
			.usec = measure ? now_usec() - t0 : 0,
		};
		if (r == 0)
			break;
	}
	if (r == 0) {
		r = make_inheritable(&ctx);
		rep->inherit_err = r;
	}
	test_hook_leak(leak_fd, leak_saved);
	rep->bound = ctx.bound;
	rep->have_bound = ctx.have_bound;
	return r;
}

int keep_inheritable(const struct fd_set_ranges *keep)
{
	struct close_ctx ctx = { .keep = keep };

	return make_inheritable(&ctx);
}

int listen_env_export(const struct plan *p)
{
	static const char *const names[3] = { "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" };

	for (size_t i = 0; i < 3; i++)
		if (p->listen_env[i] && setenv(names[i], p->listen_env[i], 1) < 0)
			return -errno;
	return 0;
}
