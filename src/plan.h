/* plan.h: what the sanitized descriptor table must be, derived from the
 * options: the final keep set and the --pass-fd moves as a sequence of
 * single copies.  Pure: no system calls. */
#ifndef CLOSEFDS_PLAN_H
#define CLOSEFDS_PLAN_H

#include <stddef.h>
#include <sys/types.h>

#include "fdset.h"
#include "options.h"

/* One step of a --pass-fd schedule.  A location is a descriptor number
 * (>= 0) or a temporary, encoded as -1 - index.  A step copies the
 * descriptor at `from` to `to`: dup2() when `to` is a descriptor,
 * fcntl(F_DUPFD_CLOEXEC) when `to` is a temporary. */
struct pass_op {
	int from;
	int to;
};

#define PASS_TEMP(i) (-1 - (int)(i))
#define PASS_TEMP_INDEX(loc) ((size_t)(-1 - (loc)))

/* The environment values the plan depends on, read by the caller (with
 * secure_getenv: under AT_SECURE they are all NULL). */
struct plan_env {
	const char *listen_pid, *listen_fds, *listen_fdnames, *makeflags;
	pid_t pid;
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
	char *listen_env[3];        /* --listen-fd: values of LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES */
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);

/* Build the plan from parsed options.  Returns 0, or -1 (a usage error: two
 * sources for one target; a target also named by --keep-fd) or -ENOMEM,
 * with a message in err. */
int plan_build(struct plan *p, const struct options *o, const struct plan_env *env, char *err,
	       size_t errlen);

/* Order the parallel assignment `moves` (targets distinct) into copies so
 * that no copy overwrites a descriptor whose old value is still needed;
 * cycles go through temporaries.  Moves with src == dst are skipped.
 * Returns 0 or -ENOMEM; *ops is allocated (free it). */
int pass_schedule(const struct fd_move *moves, size_t n, struct pass_op **ops, size_t *n_ops,
		  size_t *n_temps);

#endif
