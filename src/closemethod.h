/* closemethod.h: the vocabulary of closing: the methods, their names, the
 * context they share, and the one close() that tells closed from failed.
 *
 * Each method closes (or marks close-on-exec) every descriptor from
 * ctx->first up (3 for closefds(1)) that is not in ctx->keep, and returns 0
 * or -errno.  A method that fails may have closed some descriptors already;
 * all of them are idempotent, so the next method simply finishes the job.
 * Everything here is async-signal-safe (libclosefds calls it after fork):
 * system calls, fixed buffers, no malloc, no stdio, no global written. */
#ifndef CLOSEFDS_CLOSEMETHOD_H
#define CLOSEFDS_CLOSEMETHOD_H

#include <stdbool.h>

#include "fdbound.h"
#include "fdset.h"

enum close_method {
	METHOD_AUTO,
	METHOD_CLOSE_RANGE,
	METHOD_PROC,
	METHOD_POLL,
	METHOD_LOOP,
};

/* "auto", "close_range", ...; parse_method: 0 or -EINVAL. */
const char *method_name(enum close_method m);
int parse_method(const char *arg, enum close_method *m);

struct close_ctx {
	const struct fd_set_ranges *keep;
	int first;             /* the lowest descriptor to close: 3 for closefds(1) */
	struct fd_bound bound; /* valid once have_bound */
	bool have_bound;
	int bound_err;         /* the table size could not be found: -errno */
	unsigned long closed;  /* descriptors closed (when counted) */
	bool counted;          /* false: the method cannot count (close_range) */
	bool deferred;         /* true: marked close-on-exec, closed by execve */
	bool bounded;          /* true: scanned the gaps below bound */
	int failed_fd;         /* a descriptor that could not be closed, or -1 */
	bool choosing;         /* auto: a method may decline where the next is cheaper */
	bool declined;         /* it did: ctx->closed is 0, nothing was done */
	unsigned long open_found; /* close_ctx_count_open scratch */
};

/* The bound on descriptor numbers, computed on first use (the close_range
 * path never needs it).  NULL when it cannot be found, with
 * ctx->bound_err set (fd_bound_get). */
const struct fd_bound *close_ctx_bound(struct close_ctx *ctx);

/* How many descriptors from 3 up outside ctx->keep are open (every kind),
 * for --verbose: close_range cannot count what it closes.  0 or -errno. */
int close_ctx_count_open(struct close_ctx *ctx, unsigned long *n);

typedef int (*close_method_fn)(struct close_ctx *ctx);

int close_method_close_range_cloexec(struct close_ctx *ctx);
int close_method_close_range_gaps(struct close_ctx *ctx);
int close_method_proc(struct close_ctx *ctx);
int close_method_poll(struct close_ctx *ctx);
int close_method_loop(struct close_ctx *ctx);

/* close(fd), and what became of the slot: 1 closed, 0 was not open, or
 * -errno when it is still open.  On Linux close() releases the slot even
 * when it reports EINTR or EIO, but a seccomp filter can answer anything
 * without closing, so after any error but EBADF the slot is checked. */
int close_slot(int fd);

/* close_slot for a method: counts what it closed; a slot left open is
 * remembered in ctx->failed_fd and returned as -errno. */
int close_counted(struct close_ctx *ctx, int fd);

/* Call per_gap(ctx, lo, hi) for every gap of ctx->keep from ctx->first up,
 * clipped to the bound.  0, what per_gap returned, or ctx->bound_err. */
int close_ctx_for_each_gap(struct close_ctx *ctx, int (*per_gap)(struct close_ctx *, int, int));

#endif
