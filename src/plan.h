/* plan.h: what the sanitized descriptor table must be, derived from the
 * options: the final keep set, the --pass-fd moves as a sequence of single
 * copies, and the environment that matches them.  Pure: no system calls. */
#ifndef CLOSEFDS_PLAN_H
#define CLOSEFDS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "activation.h"
#include "fdargs.h"
#include "fdset.h"
#include "options.h"

/* The environment values the plan depends on, read by the caller.  fd_open,
 * if not NULL, tells whether a descriptor is open (1, 0, or -errno: not
 * known), for the jobserver pipe that --keep-jobserver keeps only when it
 * is open and the LISTEN_* descriptors a -k range keeps; the plan makes no
 * system call itself.  secure: closefds runs with raised privileges
 * (AT_SECURE); the values are then read only to decide what to remove:
 * --listen-fds and --keep-jobserver keep nothing, and every LISTEN_* and
 * every jobserver variable that names a descriptor is removed. */
struct plan_env {
	const char *listen_pid, *listen_fds, *listen_fdnames, *listen_pidfdid;
	const char *jobserver_env[3]; /* jobserver_vars (activation.h); [0] is MAKEFLAGS */
	pid_t pid;
	int (*fd_open)(int fd);
	bool secure;
};

struct plan {
	const struct options *opts;
	struct fd_set_ranges keep;  /* COMMAND's table: 0-2, --keep-fd, --pass-fd targets */
	struct fd_move *moves;      /* --pass-fd, duplicates removed, sorted by target */
	size_t n_moves;
	struct pass_op *ops;        /* the moves as copies, in order */
	size_t n_ops;
	size_t n_temps;
	int max_target;             /* highest target, -1 without moves */
	int listen_inherited;       /* --listen-fds: 3 .. 3+n-1 were passed to us */
	struct listen_fd *listen;   /* --listen-fds=NAME choices, then --listen-fd items */
	size_t n_listen;
	struct fd_arg *fd_args;     /* descriptors COMMAND's arguments name (fdargs.h) */
	size_t n_fd_args;
	struct env_change env;      /* what COMMAND's environment must become */
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);

/* Build the plan from parsed options.  Returns 0, or -1 (a usage error: two
 * sources for one target; a target also named by --keep-fd) or -ENOMEM,
 * with a message in err. */
int plan_build(struct plan *p, const struct options *o, const struct plan_env *env, char *err,
	       size_t errlen);

#endif
