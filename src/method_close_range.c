/* method_close_range.c: close_range(2), Linux 5.9+ (the CLOEXEC flag 5.11+).
 *
 * CLOSE_RANGE_CLOEXEC over a gap is one bitmap operation whatever the
 * table size; the kernel closes the marked descriptors at execve.  Only
 * the gaps between kept descriptors are marked, so a kept descriptor is
 * never marked and need not be found again to be unmarked (where the table
 * size is unknown it could not be).  Plain close_range over the gaps costs
 * a step per table slot.  Either fails with ENOSYS (old kernel), EPERM
 * (seccomp profiles that predate it) or EINVAL (flag unknown before 5.11);
 * the caller falls back.  The last descriptor is INT_MAX, not ~0U: gVisor
 * rejects a bound above INT_MAX with EINVAL (opencontainers/runc#4596). */
#include "config.h"
#include "closemethod.h"
#include "hotpath.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436 /* the same on every architecture */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Through syscall(): glibc before 2.34 and musl may lack the wrapper, and
 * the wrapper adds nothing. */
static HOT_PATH int sys_close_range(unsigned lo, unsigned hi, unsigned flags)
{
	return syscall(__NR_close_range, lo, hi, flags) < 0 ? -errno : 0;
}

static HOT_PATH int over_gaps(struct close_ctx *ctx, unsigned flags)
{
	struct fd_gap_iter it;
	struct fd_gap gap;

	fd_gap_iter_init(&it, ctx->keep, (unsigned)ctx->first);
	while (fd_gap_next(&it, ctx->keep, &gap)) {
		int r = sys_close_range(gap.lo, gap.hi, flags);
		if (r < 0)
			return r;
	}
	ctx->counted = false;
	return 0;
}

HOT_PATH int close_method_close_range_cloexec(struct close_ctx *ctx)
{
	int r = over_gaps(ctx, CLOSE_RANGE_CLOEXEC);

	ctx->deferred = r == 0;
	return r;
}

HOT_PATH int close_method_close_range_gaps(struct close_ctx *ctx)
{
	return over_gaps(ctx, 0);
}
