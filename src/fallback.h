/* fallback.h: closing every descriptor not kept, with the chosen method
 * (auto: each in turn until one works), and making the kept ones
 * inheritable. */
#ifndef CLOSEFDS_FALLBACK_H
#define CLOSEFDS_FALLBACK_H

#include <stddef.h>

#include "closemethod.h"
#include "options.h"
#include "plan.h"

struct method_attempt {
	const char *name;
	int err;       /* 0: it ran to completion */
	unsigned long closed;
	bool counted;
	bool deferred;
	bool bounded; /* scanned below bound */
	bool trapped; /* a seccomp filter trapped one of its calls (SIGSYS) */
	long long usec; /* measured only with --verbose */
};

struct close_report {
	struct method_attempt tries[4];
	size_t n;
	struct fd_bound bound; /* valid if have_bound */
	bool have_bound;
	int inherit_err;       /* clearing FD_CLOEXEC failed with this */
	bool have_open_before; /* count: open_before is valid */
	unsigned long open_before; /* open descriptors to close, counted first */
};

/* Close everything not in keep with method m (auto: each in turn until one
 * succeeds), then clear FD_CLOEXEC on every kept open descriptor.  With
 * measure (--verbose), first count the descriptors to close (a poll scan:
 * close_range cannot count) and time each method; without it, no clock is
 * read (the vDSO pages it faults in cost more than the call).  Returns 0 or
 * the -errno of the last failure. */
int close_others(const struct fd_set_ranges *keep, enum close_method m, bool measure,
		 struct close_report *rep);

/* Clear FD_CLOEXEC on every open descriptor in keep (what close_others does
 * last; --audit does only this).  0 or -errno. */
int keep_inheritable(const struct fd_set_ranges *keep);

#endif
