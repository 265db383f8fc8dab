/* activation.h: the environment variables that name descriptors: systemd
 * socket activation (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES) and the GNU make jobserver (MAKEFLAGS), read and written.
 * The decisions are pure: the caller reads the environment (secure_getenv)
 * and passes the values in; env_change_apply() writes the result. */
#ifndef CLOSEFDS_ACTIVATION_H
#define CLOSEFDS_ACTIVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "fdset.h"

#define LISTEN_FDS_START 3
#define FDNAME_MAX 255

/* LISTEN_PID and LISTEN_FDS (either may be NULL).  Sets *count to the
 * number of descriptors from 3 on that were passed to this process: 0 when
 * a variable is absent or LISTEN_PID names another process.  Returns 0, or
 * -1 with a message for malformed values. */
int listen_env_parse(const char *pid_s, const char *fds_s, pid_t self, int *count, char *err,
		     size_t errlen);

/* A --listen-fd name: ASCII, no control characters, no ':', at most 255
 * bytes (systemd's fdname_is_valid). */
bool listen_name_valid(const char *name, size_t len);

/* The R and W of the last --jobserver-auth=R,W or --jobserver-fds=R,W word
 * in MAKEFLAGS.  Returns 1 with *r, *w set; 0 when there is none, or the
 * jobserver is a named fifo (make 4.4 "fifo:PATH", nothing to keep); -1
 * with a message when the value is malformed. */
int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen);

/* What COMMAND's environment must become so that it tells the truth about
 * the descriptors COMMAND gets. */
struct env_change {
	/* LISTEN_PID is this process, but descriptor listen_bad_fd of 3 ..
	 * 3+LISTEN_FDS-1 does not reach COMMAND as it is (-1: LISTEN_FDS is
	 * not a number): unset the three variables, as sd_listen_fds(1) does. */
	bool unset_listen;
	int listen_bad_fd;
	/* --listen-fd: the values of LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES. */
	char *listen_env[3];
	/* MAKEFLAGS, CARGO_MAKEFLAGS and MFLAGS (JOBSERVER_VARS, the variables
	 * jobserver clients read) with the jobserver withheld, when its
	 * descriptor jobserver_bad_fd[i] does not reach COMMAND as it is; NULL:
	 * leave it. */
	char *makeflags[3];
	int jobserver_bad_fd[3];
};

/* The variables that can name a jobserver pipe: make reads MAKEFLAGS (and
 * MFLAGS); cargo's jobserver crate reads CARGO_MAKEFLAGS first. */
extern const char *const jobserver_vars[3];

void env_change_free(struct env_change *c);

/* Whether LISTEN_PID and LISTEN_FDS (either may be NULL) claim descriptors
 * for this process that `unchanged` (the descriptors that reach COMMAND as
 * they are) does not hold.  Returns 1 with *bad_fd set (-1 when LISTEN_FDS
 * is malformed), or 0 (not ours, absent, or true). */
int listen_env_stale(const char *pid_s, const char *fds_s, pid_t self,
		     const struct fd_set_ranges *unchanged, int *bad_fd);

/* When MAKEFLAGS names a jobserver pipe R,W and R or W is not in
 * `unchanged`, or fd_open (if not NULL) says it is not open (make 4.3 gives
 * the pipe only to recursive recipes, but MAKEFLAGS to all; --keep-jobserver
 * then finds nothing to keep): *out = MAKEFLAGS with " --jobserver-auth=-2,-2" (the same
 * key as the one found) inserted after that word (so before a "--" that
 * starts the command-line variables), which tells make 4.4 and the jobserver
 * clients that this child has no jobserver, as make itself does for a
 * child it withholds the pipe from; *bad_fd is the descriptor.  Returns 1,
 * 0 (nothing to change: no jobserver, fifo:PATH, already withheld, or a
 * value make itself would reject) or -ENOMEM. */
int jobserver_withhold(const char *makeflags, const struct fd_set_ranges *unchanged,
		       int (*fd_open)(int fd), char **out, int *bad_fd);

/* Set and unset the variables.  0 or -errno. */
int env_change_apply(const struct env_change *c);

/* One line per change, each starting with prefix ("closefds: audit: would "
 * for --audit, a table column for --list). */
void env_change_print(FILE *out, const struct env_change *c, const char *prefix);

#endif
