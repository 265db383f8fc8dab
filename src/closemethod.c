/* closemethod.c: method names, the shared context, and closing one slot. */
#include "config.h"
#include "closemethod.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fdflags.h"
#include "fdscan.h"

static const char *const method_names[] = {
	[METHOD_AUTO] = "auto",
	[METHOD_CLOSE_RANGE] = "close_range",
	[METHOD_PROC] = "proc",
	[METHOD_POLL] = "poll",
	[METHOD_LOOP] = "loop",
};

const char *method_name(enum close_method m)
{
	return method_names[m];
}

int parse_method(const char *arg, enum close_method *m)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (strcmp(arg, method_names[i]) == 0) {
			*m = (enum close_method)i;
			return 0;
		}
	}
	return -EINVAL;
}

int close_slot(int fd)
{
	int err = -fd_close(fd);

	if (err == 0)
		return 1;
	if (err == EBADF)
		return 0;
	int state = fd_open_state(fd);
	if (state == 0)
		return 1; /* released although close() said err (EINTR, EIO) */
	return state < 0 ? state : -err;
}

int close_counted(struct close_ctx *ctx, int fd)
{
	int r = close_slot(fd);

	if (r < 0) {
		ctx->failed_fd = fd;
		return r;
	}
	ctx->closed += (unsigned long)r;
	return 0;
}

const struct fd_bound *close_ctx_bound(struct close_ctx *ctx)
{
	if (!ctx->have_bound && ctx->bound_err == 0) {
		int r = fd_bound_get(&ctx->bound);
		if (r < 0)
			ctx->bound_err = r;
		else
			ctx->have_bound = true;
	}
	return ctx->have_bound ? &ctx->bound : NULL;
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
	int r = close_ctx_for_each_gap(ctx, count_gap);
	*n = ctx->open_found;
	return r;
}

int close_ctx_for_each_gap(struct close_ctx *ctx, int (*per_gap)(struct close_ctx *, int, int))
{
	const struct fd_bound *b = close_ctx_bound(ctx);
	struct fd_gap_iter it;
	struct fd_gap gap;

	if (!b)
		return ctx->bound_err;
	int last = b->limit - 1;
	fd_gap_iter_init(&it, ctx->keep, (unsigned)ctx->first);
	while (fd_gap_next(&it, ctx->keep, &gap) && gap.lo <= (unsigned)last) {
		int hi = gap.hi > (unsigned)last ? last : (int)gap.hi;
		int r = per_gap(ctx, (int)gap.lo, hi);
		if (r < 0)
			return r;
	}
	return 0;
}
