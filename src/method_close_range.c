/* method_close_range.c: close_range(2), Linux 5.9+ (the CLOEXEC flag 5.11+).
 *
 * CLOSE_RANGE_CLOEXEC over 3..INT_MAX is one bitmap operation whatever the
 * table size; the kernel closes the marked descriptors at execve.  The kept
 * ones are unmarked again by fallback.c (FD_CLOEXEC is cleared on every kept
 * descriptor anyway).  Plain close_range over the gaps between kept
 * descriptors costs a step per table slot.  Either fails with ENOSYS (old
 * kernel), EPERM (seccomp profiles that predate it) or EINVAL (flag unknown
 * before 5.11); the caller falls back.  The last descriptor is INT_MAX, not
 * ~0U: gVisor rejects a bound above INT_MAX with EINVAL
 * (opencontainers/runc#4596). */
#include "config.h"
#include "closemethod.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/syscall.h>
#ifndef __NR_close_range
#define __NR_close_range 436 /* the same on every architecture */
#endif
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int sys_close_range(unsigned lo, unsigned hi, unsigned flags)
{
#if IS_LINUX
	/* Called through syscall(): glibc before 2.34 and musl may lack the
	 * wrapper, and the wrapper adds nothing. */
	return syscall(__NR_close_range, lo, hi, flags) < 0 ? -errno : 0;
#elif HAVE_CLOSE_RANGE_DECL
	return close_range(lo, hi, (int)flags) < 0 ? -errno : 0;
#else
	(void)lo;
	(void)hi;
	(void)flags;
	return -ENOSYS;
#endif
}

int close_method_close_range_cloexec(struct close_ctx *ctx)
{
	int r = sys_close_range(3, INT_MAX, CLOSE_RANGE_CLOEXEC);

	if (r == 0) {
		ctx->deferred = true;
		ctx->counted = false;
	}
	return r;
}

int close_method_close_range_gaps(struct close_ctx *ctx)
{
	struct fd_gap_iter it;
	struct fd_gap gap;

	fd_gap_iter_init(&it, ctx->keep, 3);
	while (fd_gap_next(&it, ctx->keep, &gap)) {
		int r = sys_close_range(gap.lo, gap.hi, 0);
		if (r < 0)
			return r;
	}
	ctx->counted = false;
	return 0;
}
