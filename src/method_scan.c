/* method_scan.c: the two methods that need no kernel help and no /proc,
 * both walking only the gaps between kept descriptors, below the table
 * size (fdbound.c):
 *  - poll: find the open descriptors (fd_find_open: poll() for a batch,
 *    then fcntl for each slot poll calls empty, since poll cannot see an
 *    O_PATH descriptor) and close them;
 *  - loop: close() every slot.
 * Every slot poll calls empty costs a system call either way, so the loop
 * is never slower than the poll scan; the poll method stays for those who
 * ask for it by name. */
#include "config.h"
#include "closemethod.h"

#include "fdscan.h"

/* A closing scan: it counts what it closes, below the bound. */
static int scan_method(struct close_ctx *ctx, int (*per_gap)(struct close_ctx *, int, int))
{
	int r = close_ctx_for_each_gap(ctx, per_gap);

	if (r == 0)
		ctx->counted = ctx->bounded = true;
	return r;
}

static int close_found(int fd, void *arg)
{
	return close_counted(arg, fd);
}

static int poll_gap(struct close_ctx *ctx, int lo, int hi)
{
	return fd_poll_open(lo, hi, close_found, ctx);
}

static int loop_gap(struct close_ctx *ctx, int lo, int hi)
{
	for (long long fd = lo; fd <= hi; fd++) {
		int r = close_counted(ctx, (int)fd);
		if (r < 0)
			return r;
	}
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
