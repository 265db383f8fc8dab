/* prepare.h: the last changes to the process before the exec, after
 * closing: --nofile (RLIMIT_NOFILE) and --blocking (O_NONBLOCK).  Checked
 * before anything changes, shown by --list, applied by prepare_apply(). */
#ifndef CLOSEFDS_PREPARE_H
#define CLOSEFDS_PREPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>

#include "options.h"
#include "plan.h"

struct prepare {
	struct rlimit nofile_now, nofile_want; /* valid with --nofile */
	struct fd_set_ranges cleared; /* --blocking: where O_NONBLOCK was cleared */
};

void prepare_init(struct prepare *st);
void prepare_free(struct prepare *st);

/* Check --nofile (the new limits, no kept or passed descriptor at or above
 * the new soft limit) and --blocking (every descriptor reaches COMMAND).
 * moved: the --pass-fd moves are done.  Returns 0, or -1 with a message
 * (without "closefds: ") in err. */
int prepare_check(const struct options *o, const struct plan *p, bool moved,
		  struct prepare *st, char *err, size_t errlen);

/* --list: the limits before and after, and O_NONBLOCK per --blocking
 * descriptor, after the table.  0 or -errno. */
int prepare_list(FILE *out, const struct options *o, const struct plan *p,
		 const struct prepare *st);

/* After closing: check again, set the limit (a lowered one must never hide
 * a descriptor from the closing scan), then clear O_NONBLOCK, last because
 * the parent sees it too.  With --verbose, say what changed on stderr.
 * Returns 0, or -1 with a message in err. */
int prepare_apply(const struct options *o, const struct plan *p, struct prepare *st, char *err,
		  size_t errlen);

/* COMMAND did not run: put back what the caller shares (O_NONBLOCK on the
 * descriptions --blocking changed). */
void prepare_undo(struct prepare *st);

#endif
