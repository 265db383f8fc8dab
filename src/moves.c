/* moves.c: the --pass-fd schedule and its application.
 *
 * --pass-fd is a parallel assignment: every target receives what its source
 * held before any move happened, so "-p 3:4 -p 4:3" swaps.  pass_schedule()
 * sequentializes it the way compilers sequentialize parallel copies (the
 * ready/todo algorithm of Boissinot et al., "Revisiting Out-of-SSA
 * Translation", 2009): write a target once no pending move still reads its
 * old value; after a copy a->b, later readers of a's value read b instead,
 * which frees a; when only cycles remain, save one target's old value in a
 * temporary, which breaks its cycle. */
#include "config.h"
#include "moves.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fdflags.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Index of fd in the sorted array nodes[0..n), which must hold it. */
static size_t node_of(const int *nodes, size_t n, int fd)
{
	const int *p = bsearch(&fd, nodes, n, sizeof(*nodes), cmp_int);

	return (size_t)(p - nodes);
}

#define NONE ((size_t)-1)

int pass_schedule(const struct fd_move *moves, size_t n, struct pass_op **ops_out,
		  size_t *n_ops_out, size_t *n_temps_out)
{
	/* The usual case, no moves: nothing to allocate. */
	if (n == 0) {
		*ops_out = NULL;
		*n_ops_out = *n_temps_out = 0;
		return 0;
	}
	/* Nodes 0..m-1 are the distinct descriptors that moves mention, in
	 * increasing order; nodes m.. are temporaries. */
	int *nodes = malloc((2 * n + 1) * sizeof(*nodes));
	size_t *loc = malloc((3 * n + 1) * sizeof(*loc));   /* where a node's old value is now */
	size_t *pred = malloc((3 * n + 1) * sizeof(*pred));  /* the source a target wants */
	size_t *ready = malloc((n + 1) * sizeof(*ready));
	size_t *todo = malloc((n + 1) * sizeof(*todo));
	char *written = calloc(3 * n + 1, 1);
	struct pass_op *ops = malloc((2 * n + 1) * sizeof(*ops));
	size_t m = 0, n_ready = 0, n_todo = 0, n_ops = 0, n_temps = 0;
	int r = -ENOMEM;

	if (!nodes || !loc || !pred || !ready || !todo || !written || !ops)
		goto out;

	for (size_t i = 0; i < n; i++) {
		if (moves[i].src == moves[i].dst)
			continue;
		nodes[m++] = moves[i].src;
		nodes[m++] = moves[i].dst;
	}
	qsort(nodes, m, sizeof(*nodes), cmp_int);
	size_t u = 0;
	for (size_t i = 0; i < m; i++)
		if (u == 0 || nodes[u - 1] != nodes[i])
			nodes[u++] = nodes[i];
	m = u;

	for (size_t i = 0; i < m + n; i++)
		loc[i] = pred[i] = NONE;
	for (size_t i = 0; i < n; i++) {
		if (moves[i].src == moves[i].dst)
			continue;
		size_t a = node_of(nodes, m, moves[i].src), b = node_of(nodes, m, moves[i].dst);
		loc[a] = a;
		pred[b] = a;
		todo[n_todo++] = b;
	}
	/* Targets that are nobody's source can be written at once. */
	for (size_t i = 0; i < n_todo; i++)
		if (loc[todo[i]] == NONE)
			ready[n_ready++] = todo[i];

#define LOCATION(node) ((node) < m ? nodes[node] : PASS_TEMP((node) - m))
	while (n_todo > 0) {
		while (n_ready > 0) {
			size_t b = ready[--n_ready], a = pred[b], c = loc[a];
			ops[n_ops++] = (struct pass_op){ LOCATION(c), LOCATION(b) };
			written[b] = 1;
			loc[a] = b;
			/* a's own slot no longer holds a value anybody needs. */
			if (a == c && pred[a] != NONE && !written[a])
				ready[n_ready++] = a;
		}
		size_t b = todo[--n_todo];
		if (!written[b]) {
			/* Every pending target is in a cycle: save b's old value. */
			size_t t = m + n_temps++;
			ops[n_ops++] = (struct pass_op){ LOCATION(b), LOCATION(t) };
			loc[b] = t;
			ready[n_ready++] = b;
		}
	}
#undef LOCATION
	*ops_out = ops;
	ops = NULL;
	*n_ops_out = n_ops;
	*n_temps_out = n_temps;
	r = 0;
out:
	free(nodes);
	free(loc);
	free(pred);
	free(ready);
	free(todo);
	free(written);
	free(ops);
	return r;
}


static bool is_target(const struct pass_op *ops, size_t n_ops, int fd)
{
	for (size_t i = 0; i < n_ops; i++)
		if (ops[i].to == fd)
			return true;
	return false;
}

/* A close-on-exec copy of from where no copy of the schedule writes:
 * above every target, or, where the soft limit leaves no room there
 * ("-p 3:63 -p 63:3" under a soft limit of 64), the lowest free slot that
 * is no target.  The descriptor, or -errno. */
static int temp_copy(int from, const struct pass_op *ops, size_t n_ops, int max_target)
{
	int t = fcntl(from, F_DUPFD_CLOEXEC, max_target + 1);

	if (t >= 0 || (errno != EINVAL && errno != EMFILE))
		return t >= 0 ? t : -errno;
	/* Each try past a target skips it; there are at most n_ops. */
	for (int lo = 0;; lo = t + 1) {
		t = fcntl(from, F_DUPFD_CLOEXEC, lo);
		if (t < 0)
			return -errno;
		if (!is_target(ops, n_ops, t))
			return t;
		fd_close_own(t);
	}
}

int pass_apply(const struct pass_op *ops, size_t n_ops, size_t n_temps, int max_target,
	       size_t *failed)
{
	int *temps;
	int r = 0;

	*failed = n_ops; /* no op failed (yet) */
	if (n_ops == 0) /* the usual case: no moves, no allocation */
		return 0;
	/* One more than needed, so there is always an array (no NULL case). */
	temps = malloc((n_temps + 1) * sizeof(*temps));
	if (!temps)
		return -ENOMEM;
	for (size_t i = 0; i < n_temps; i++)
		temps[i] = -1;
	for (size_t i = 0; i < n_ops && r == 0; i++) {
		const struct pass_op *op = &ops[i];
		if ((op->from < 0 && PASS_TEMP_INDEX(op->from) >= n_temps) ||
		    (op->to < 0 && PASS_TEMP_INDEX(op->to) >= n_temps)) {
			r = -EINVAL; /* not a schedule pass_schedule() makes */
			*failed = i;
			break;
		}
		int from = op->from >= 0 ? op->from : temps[PASS_TEMP_INDEX(op->from)];
		if (op->to < 0) {
			int t = temp_copy(from, ops, n_ops, max_target);
			if (t < 0)
				r = t;
			else
				temps[PASS_TEMP_INDEX(op->to)] = t;
		} else {
			r = fd_dup2(from, op->to);
		}
		if (r < 0)
			*failed = i;
	}
	for (size_t i = 0; i < n_temps; i++)
		if (temps[i] >= 0)
			fd_close_own(temps[i]);
	free(temps);
	return r;
}
