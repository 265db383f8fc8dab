/* method_proc.c: close what /proc/self/fd lists, when it is this process's
 * own (procfs.c).  The first read of the directory instantiates a dentry
 * per descriptor, so its cost follows the open descriptors, not the
 * slots: it pays where the table is large and sparse.  Where the table is
 * dense, a close() on every slot is cheaper, and auto's loop comes next. */
#include "config.h"
#include "closemethod.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdflags.h"
#include "procfs.h"

/* Listing costs a dentry per open descriptor, the loop a close() per
 * slot; both close the open ones, so listing pays while open x (1 + a
 * dentry in close() calls) < table.  The first read of /proc/self/fd costs
 * 1.1 close() calls on an empty slot per descriptor at 1000 and 10000 open
 * (tests/bench/results/bench.txt, "finding"): 1 + 1.1, so 2, not
 * 4. */
#define DENTRY_COST_IN_CALLS 2

static int close_listed(int fd, void *arg)
{
	struct close_ctx *ctx = arg;

	if (fd < ctx->first || fd_set_contains(ctx->keep, fd))
		return 0;
	return close_counted(ctx, fd);
}

/* Every table has at least this many slots (the kernel's smallest,
 * NR_OPEN_DEFAULT, BITS_PER_LONG; a user long is no longer than the
 * kernel's). */
#define TABLE_MIN_SLOTS ((long long)(8 * sizeof(long)))

/* With auto: whether the loop over the table is cheaper than listing dir.
 * Linux 6.2+ gives the number of open descriptors as the directory's size
 * (0 before).  So few that listing wins on the smallest table: no need to
 * find the table's size (the select probe, several calls). */
static bool loop_is_cheaper(struct close_ctx *ctx, int dir)
{
	struct stat st;
	const struct fd_bound *b;

	if (!ctx->choosing || fstat(dir, &st) < 0 || st.st_size <= 0 ||
	    (long long)st.st_size * DENTRY_COST_IN_CALLS <= TABLE_MIN_SLOTS ||
	    !(b = close_ctx_bound(ctx)))
		return false;
	return (long long)st.st_size * DENTRY_COST_IN_CALLS > (long long)b->limit;
}

int close_method_proc(struct close_ctx *ctx)
{
	int dir = procfs_open_fd_dir();

	if (dir < 0)
		return dir;
	if (loop_is_cheaper(ctx, dir)) {
		fd_close_own(dir);
		ctx->declined = true;
		return -EAGAIN;
	}
	int r = procfs_fd_each(dir, close_listed, ctx);
	fd_close_own(dir);
	ctx->counted = true;
	return r;
}
