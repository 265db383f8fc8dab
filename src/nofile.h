/* nofile.h: --nofile=SOFT[:HARD], the RLIMIT_NOFILE COMMAND starts with.
 * Parsing and the computation of the new limits are pure (unit-tested);
 * reading, checking against the kept descriptors and setting are not. */
#ifndef CLOSEFDS_NOFILE_H
#define CLOSEFDS_NOFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>

#include "fdset.h"
struct fd_move; /* moves.h */

/* systemd's rlimit_nofile_safe(): select() cannot handle descriptors at or
 * above FD_SETSIZE, so the safe soft limit is min(1024, hard). */
#define NOFILE_SAFE_SOFT 1024

struct nofile_request {
	const char *arg; /* the value as given; NULL: no --nofile */
	bool safe;       /* SOFT was 'safe' */
	bool set_soft, set_hard;
	rlim_t soft, hard;
};

/* Parse SOFT[:HARD]: SOFT is a decimal number, 'safe' or empty, HARD a
 * decimal number or empty; empty leaves that limit alone.  Returns 0 or -1
 * with a message (naming the value) in err. */
int nofile_parse(const char *arg, struct nofile_request *req, char *err, size_t errlen);

/* The limits COMMAND gets, from the current ones: 'safe' is min(1024, the
 * new hard limit).  A soft limit above the hard one is an error: -1 with a
 * message in err. */
int nofile_target(const struct nofile_request *req, const struct rlimit *cur,
		  struct rlimit *want, char *err, size_t errlen);

/* "soft 1024, hard 4096" ("infinity" for RLIM_INFINITY). */
void nofile_print(FILE *out, const struct rlimit *l);

/* The first descriptor that COMMAND is to keep and that lies at or above
 * soft: a --pass-fd target (moves, n of them), or an open descriptor in
 * keep.  Returns 0 with *fd set to it or to -1 if there is none, or -errno
 * if the scan fails. */
int nofile_first_kept_above(const struct fd_set_ranges *keep, const struct fd_move *moves,
			    size_t n, rlim_t soft, int *fd);

#endif
