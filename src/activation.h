/* activation.h: the environment variables that name descriptors: systemd
 * socket activation (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES, LISTEN_PIDFDID) and the GNU make jobserver (MAKEFLAGS,
 * CARGO_MAKEFLAGS, MFLAGS), read and written.  The values are judged by
 * their readers' rules (readers.h).  The decisions are pure: the caller
 * reads the environment and passes the values in; env_change_apply()
 * writes the result. */
#ifndef CLOSEFDS_ACTIVATION_H
#define CLOSEFDS_ACTIVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "fdset.h"

#define LISTEN_FDS_START 3
#define FDNAME_MAX 255

/* LISTEN_PID and LISTEN_FDS (either may be NULL), for --listen-fds.  Sets
 * *count to the number of descriptors from 3 on that were passed to this
 * process: 0 when a variable is absent or LISTEN_PID names another process.
 * Returns 0, or -1 with a message for values sd_listen_fds() refuses (or a
 * count above LISTEN_FDS_MAX). */
int listen_env_parse(const char *pid_s, const char *fds_s, pid_t self, int *count, char *err,
		     size_t errlen);

/* A --listen-fd name: ASCII, no control characters, no ':', at most 255
 * bytes (systemd's fdname_is_valid). */
bool listen_name_valid(const char *name, size_t len);

/* For --keep-jobserver: the pipe R,W that GNU make takes from MAKEFLAGS
 * (readers.h: the last jobserver option).  Returns 1 with *r, *w set; 0
 * when there is none, or it names no descriptor (fifo:PATH, negative
 * numbers) or one closefds cannot tell (a number beyond int, a make
 * variable reference: then it keeps nothing, and the variable is
 * withheld); -1 with a message when make refuses the value. */
int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen);

/* Reasons for a change, where no descriptor number says it. */
#define ENV_BAD_MALFORMED (-1) /* LISTEN_FDS refused; a jobserver number closefds cannot tell */
#define ENV_BAD_SECURE (-2)    /* AT_SECURE: trusted by none */

/* What COMMAND's environment must become so that it tells the truth about
 * the descriptors COMMAND gets. */
struct env_change {
	/* Unset LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PIDFDID, as
	 * sd_listen_fds(1) does: LISTEN_PID is this process, but descriptor
	 * listen_bad_fd of those LISTEN_FDS claims does not reach COMMAND as
	 * it is (or ENV_BAD_MALFORMED, ENV_BAD_SECURE). */
	bool unset_listen;
	int listen_bad_fd;
	/* --listen-fd: the values of LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES;
	 * and LISTEN_PIDFDID unset, if it was set: it could name another
	 * process. */
	char *listen_env[3];
	bool unset_pidfdid;
	/* MAKEFLAGS, CARGO_MAKEFLAGS and MFLAGS (jobserver_vars): a reader
	 * would take descriptor jobserver_bad_fd[i] (or ENV_BAD_MALFORMED: one
	 * closefds cannot tell; ENV_BAD_SECURE) that does not reach COMMAND as
	 * it is: makeflags[i] is the value with every such jobserver withheld,
	 * or unset_jobserver[i] when no rewrite withholds it from every reader. */
	char *makeflags[3];
	bool unset_jobserver[3];
	int jobserver_bad_fd[3];
};

/* The variables that can name a jobserver pipe: make reads MAKEFLAGS;
 * cargo's jobserver crate reads CARGO_MAKEFLAGS first, then MAKEFLAGS, then
 * MFLAGS.  Each is judged by every reader's rules. */
extern const char *const jobserver_vars[3];

void env_change_free(struct env_change *c);

/* Whether LISTEN_PID and LISTEN_FDS (either may be NULL) claim, for this
 * process, descriptors that do not reach COMMAND as they are: not in
 * `unchanged`, or not open by fd_open (if not NULL: 1 open, 0 not, -errno
 * unknown and taken as open).  Returns 1 with *bad_fd set (ENV_BAD_MALFORMED
 * when LISTEN_FDS is refused by every reader), or 0 (not ours, absent, or
 * true). */
int listen_env_stale(const char *pid_s, const char *fds_s, pid_t self,
		     const struct fd_set_ranges *unchanged, int (*fd_open)(int fd), int *bad_fd);

/* When a reader (readers.h) would take from the jobserver variable value a
 * descriptor that is not in `unchanged` or, by fd_open, not open (make 4.3
 * gives the pipe only to recursive recipes, but MAKEFLAGS to all;
 * --keep-jobserver then finds nothing to keep), or one closefds cannot
 * tell: rewrite it so that no reader does: each such value is replaced by
 * "-2,-2", which is how make 4.4 withholds the pipe from a child, and the
 * result checked again by every reader's rules.  Returns 0 (nothing to
 * change), 1 with *out the new value, 2 (unset it: no rewrite withholds it
 * from every reader), or -ENOMEM; *bad_fd as in struct env_change. */
int jobserver_withhold(const char *value, const struct fd_set_ranges *unchanged,
		       int (*fd_open)(int fd), char **out, int *bad_fd);

/* Whether any reader takes a descriptor (or one closefds cannot tell) from
 * the jobserver variable value. */
bool jobserver_names_fd(const char *value);

/* Set and unset the variables.  0 or -errno. */
int env_change_apply(const struct env_change *c);

/* One line per change, each starting with prefix ("closefds: audit: would "
 * for --audit, a table column for --list). */
void env_change_print(FILE *out, const struct env_change *c, const char *prefix);

#endif
