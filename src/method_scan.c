/* method_scan.c: the two methods that need no kernel help and no /proc:
 * a poll() scan that closes what it finds open, and a close() on every
 * slot.  Both walk only the gaps between kept descriptors, up to the bound
 * (FDSize when /proc/self/status is readable, else max(soft, hard)
 * RLIMIT_NOFILE). */
#include "config.h"
#include "closemethod.h"

#include <errno.h>
#include <unistd.h>

bool close_counted(int fd)
{
	return close(fd) == 0 || errno != EBADF;
}

const struct fd_bound *close_ctx_bound(struct close_ctx *ctx)
{
	if (!ctx->have_bound) {
		fd_bound_get(&ctx->bound);
		ctx->have_bound = true;
	}
	return &ctx->bound;
}

static int close_found(int fd, void *arg)
{
	struct close_ctx *ctx = arg;

	if (close_counted(fd))
		ctx->closed++;
	return 0;
}

/* Call per_gap(lo, hi) for every gap of the keep set from 3, clipped to
 * the bound. */
static int for_each_gap_below_bound(struct close_ctx *ctx,
				    int (*per_gap)(struct close_ctx *, int, int))
{
	int last = close_ctx_bound(ctx)->limit - 1;
	struct fd_gap_iter it;
	struct fd_gap gap;

	fd_gap_iter_init(&it, ctx->keep, 3);
	while (fd_gap_next(&it, ctx->keep, &gap) && gap.lo <= (unsigned)last) {
		int hi = gap.hi > (unsigned)last ? last : (int)gap.hi;
		int r = per_gap(ctx, (int)gap.lo, hi);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A closing scan: it counts what it closes, below the bound. */
static int scan_method(struct close_ctx *ctx, int (*per_gap)(struct close_ctx *, int, int))
{
	int r = for_each_gap_below_bound(ctx, per_gap);

	if (r == 0)
		ctx->counted = ctx->bounded = true;
	return r;
}

static int poll_gap(struct close_ctx *ctx, int lo, int hi)
{
	return fd_scan_open(lo, hi, close_found, ctx);
}

static int count_found(int fd, void *arg)
{
	unsigned long *n = arg;

	(void)fd;
	(*n)++;
	return 0;
}

static int count_gap(struct close_ctx *ctx, int lo, int hi)
{
	return fd_find_open(lo, hi, count_found, &ctx->open_found);
}

int close_ctx_count_open(struct close_ctx *ctx, unsigned long *n)
{
	ctx->open_found = 0;
	int r = for_each_gap_below_bound(ctx, count_gap);
	*n = ctx->open_found;
	return r;
}

static int loop_gap(struct close_ctx *ctx, int lo, int hi)
{
	for (long long fd = lo; fd <= hi; fd++)
		if (close_counted((int)fd))
			ctx->closed++;
	return 0;
}

int close_method_poll(struct close_ctx *ctx)
{
	return scan_method(ctx, poll_gap);
}

int close_method_loop(struct close_ctx *ctx)
{
	return scan_method(ctx, loop_gap);
}
