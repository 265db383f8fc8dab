/* sanitize.h: turning the descriptor table into the plan's: repair the
 * standard streams, apply the --pass-fd moves, close the rest with the
 * chosen method (auto falls back), make the kept descriptors inheritable. */
#ifndef CLOSEFDS_SANITIZE_H
#define CLOSEFDS_SANITIZE_H

#include <stddef.h>

#include "closemethod.h"
#include "options.h"
#include "plan.h"

/* Reopen any of 0, 1, 2 that is closed on /dev/null, so that nothing opened
 * later (by closefds or COMMAND) becomes a standard stream.  0 or -errno. */
int stdio_repair(void);

/* Every --keep-fd single and --pass-fd source must be open.  Returns 0, or
 * -EBADF (not open) or -errno (cannot tell) with *bad_fd and *bad_option
 * ("--keep-fd", "--pass-fd", ...) set. */
int plan_check_open(const struct plan *p, int *bad_fd, const char **bad_option);

/* Perform the plan's copies.  On failure returns -errno with *failed the
 * index of the op that failed, or p->n_ops when none did (no memory for the
 * temporaries).  Temporaries are closed before returning. */
int pass_apply(const struct plan *p, size_t *failed);

struct method_attempt {
	const char *name;
	int err;       /* 0: it ran to completion */
	unsigned long closed;
	bool counted;
	bool deferred;
	bool bounded; /* scanned below bound */
	long long usec; /* measured only with --verbose */
};

struct sanitize_report {
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
int sanitize(const struct fd_set_ranges *keep, enum close_method m, bool measure,
	     struct sanitize_report *rep);

/* Clear FD_CLOEXEC on every open descriptor in keep (what sanitize does
 * last; --audit does only this).  0 or -errno. */
int keep_inheritable(const struct fd_set_ranges *keep);

/* Set LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES for --listen-fd.  0 or
 * -errno. */
int listen_env_export(const struct plan *p);

#endif
