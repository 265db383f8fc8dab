/* closeothers.h: closing every descriptor not kept, with the chosen method
 * (auto: each in turn until one works), and making the kept ones
 * inheritable. */
#ifndef CLOSEFDS_CLOSEOTHERS_H
#define CLOSEFDS_CLOSEOTHERS_H

#include <stdbool.h>
#include <stddef.h>

#include "closemethod.h"

struct method_attempt {
	const char *name;
	int err;       /* 0: it ran to completion */
	int failed_fd; /* err came from closing this descriptor, or -1 */
	unsigned long closed;
	bool counted;
	bool deferred;
	bool bounded; /* scanned below bound */
	bool trapped; /* a seccomp filter trapped one of its calls (SIGSYS) */
	bool declined; /* auto: the next method is cheaper here */
	long long usec; /* measured only with --verbose */
};

struct close_report {
	struct method_attempt tries[4];
	size_t n;
	struct fd_bound bound; /* valid if have_bound */
	bool have_bound;
	int bound_err;         /* the table size was needed and not found */
	int inherit_err;       /* clearing FD_CLOEXEC failed with this */
	int inherit_fd;        /* ... on this descriptor */
	bool have_open_before; /* count: open_before is valid */
	unsigned long open_before; /* open descriptors to close, counted first */
};

/* What to close, and how: closefds(1) and libclosefds' closefds_close_except
 * both close through close_others_run. */
struct close_request {
	const struct fd_set_ranges *keep;
	int first;          /* the lowest descriptor to close (3 for closefds(1)) */
	enum close_method method;
	bool may_defer;     /* an exec follows: CLOSE_RANGE_CLOEXEC may mark instead */
	bool inherit;       /* then clear FD_CLOEXEC on every kept open descriptor */
	bool measure;       /* --verbose: count first, time each method */
	bool see_traps;     /* closefds(1): note the methods a filter trapped (the
			     * handler of signals_prepare counts traps; a guard's
			     * does not, and its caller is not told) */
};

/* Close everything from req->first up not in req->keep with req->method
 * (auto: each in turn until one succeeds), then, with req->inherit, clear
 * FD_CLOEXEC on every kept open descriptor.  With measure, first count the
 * descriptors to close and time each method; without it, no clock is read
 * (the vDSO pages it faults in cost more than the call).  Without
 * may_defer, auto and close_range close for real (plain close_range over
 * the gaps).  Async-signal-safe.  Returns 0 or the -errno of the last
 * failure. */
int close_others_run(const struct close_request *req, struct close_report *rep);

/* closefds(1)'s closing step: close_others_run from 3, deferring where it
 * can, then making the kept descriptors inheritable. */
int close_others(const struct fd_set_ranges *keep, enum close_method m, bool measure,
		 struct close_report *rep);

/* Clear FD_CLOEXEC on every open descriptor in keep (what close_others does
 * last; --audit does only this).  0 or -errno, with *bad_fd set. */
int keep_inheritable(const struct fd_set_ranges *keep, int *bad_fd);

#endif
