/* moves.h: --pass-fd and --listen-fd as one parallel assignment of
 * descriptors: ordering it into single copies (pure), and performing them. */
#ifndef CLOSEFDS_MOVES_H
#define CLOSEFDS_MOVES_H

#include <stdbool.h>
#include <stddef.h>

struct fd_move {
	int src;
	int dst;
	bool listen; /* from --listen-fd (for messages) */
};

/* One step of a schedule.  A location is a descriptor number (>= 0) or a
 * temporary, encoded as -1 - index.  A step copies the descriptor at `from`
 * to `to`: dup2() when `to` is a descriptor, fcntl(F_DUPFD_CLOEXEC) when
 * `to` is a temporary. */
struct pass_op {
	int from;
	int to;
};

#define PASS_TEMP(i) (-1 - (int)(i))
#define PASS_TEMP_INDEX(loc) ((size_t)(-1 - (loc)))

/* Order the parallel assignment `moves` (targets distinct) into copies so
 * that no copy overwrites a descriptor whose old value is still needed;
 * cycles go through temporaries.  Moves with src == dst are skipped.
 * Returns 0 or -ENOMEM; *ops is allocated (free it). */
int pass_schedule(const struct fd_move *moves, size_t n, struct pass_op **ops, size_t *n_ops,
		  size_t *n_temps);

/* Perform a schedule: n_temps temporaries, each placed above max_target so
 * no later copy overwrites it.  On failure returns -errno with *failed the
 * index of the op that failed, or n_ops when none did (no memory for the
 * temporaries).  Temporaries are closed before returning. */
int pass_apply(const struct pass_op *ops, size_t n_ops, size_t n_temps, int max_target,
	       size_t *failed);

#endif
