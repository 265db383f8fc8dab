/* closemethod.h: the closing methods.  Each closes (or marks close-on-exec)
 * every descriptor from 3 up that is not in ctx->keep, and returns 0 or
 * -errno.  A method that fails may have closed some descriptors already; all
 * of them are idempotent, so the next method simply finishes the job. */
#ifndef CLOSEFDS_CLOSEMETHOD_H
#define CLOSEFDS_CLOSEMETHOD_H

#include <stdbool.h>

#include "fdbound.h"
#include "fdscan.h"
#include "fdset.h"

struct close_ctx {
	const struct fd_set_ranges *keep;
	struct fd_bound bound; /* valid once have_bound */
	bool have_bound;
	unsigned long closed;  /* descriptors closed (when counted) */
	bool counted;          /* false: the method cannot count (close_range) */
	bool deferred;         /* true: marked close-on-exec, closed by execve */
	bool bounded;          /* true: scanned the gaps below bound */
	unsigned long open_found; /* close_ctx_count_open scratch */
};

/* The bound on descriptor numbers, computed on first use: the close_range
 * path never needs it and reading /proc/self/status costs a few syscalls. */
const struct fd_bound *close_ctx_bound(struct close_ctx *ctx);

/* How many descriptors from 3 up outside ctx->keep are open (a poll scan of
 * the gaps below the bound), for --verbose: close_range cannot count what
 * it closes.  0 or -errno. */
int close_ctx_count_open(struct close_ctx *ctx, unsigned long *n);

typedef int (*close_method_fn)(struct close_ctx *ctx);

int close_method_close_range_cloexec(struct close_ctx *ctx);
int close_method_close_range_gaps(struct close_ctx *ctx);
int close_method_proc(struct close_ctx *ctx);
int close_method_poll(struct close_ctx *ctx);
int close_method_loop(struct close_ctx *ctx);

/* close() that treats only EBADF as "was not open".  On Linux the descriptor
 * is released even when close() reports EINTR or EIO, so never retry. */
bool close_counted(int fd);

#endif
