/* plan.c: the keep set and the --pass-fd schedule.
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
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	fd_set_init(&p->keep);
	p->max_target = -1;
}

void plan_free(struct plan *p)
{
	fd_set_free(&p->keep);
	free(p->moves);
	free(p->ops);
	plan_init(p);
}

static int cmp_move_by_target(const void *a, const void *b)
{
	const struct fd_move *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return (x->src > y->src) - (x->src < y->src);
}

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

int plan_build(struct plan *p, const struct options *o, char *err, size_t errlen)
{
	size_t n = 0;

	p->opts = o;
	if (o->n_moves > 0) {
		p->moves = malloc(o->n_moves * sizeof(*p->moves));
		if (!p->moves)
			goto nomem;
		memcpy(p->moves, o->moves, o->n_moves * sizeof(*p->moves));
		qsort(p->moves, o->n_moves, sizeof(*p->moves), cmp_move_by_target);
	}
	for (size_t i = 0; i < o->n_moves; i++) {
		const struct fd_move *mv = &p->moves[i];
		if (n > 0 && p->moves[n - 1].dst == mv->dst) {
			if (p->moves[n - 1].src == mv->src)
				continue; /* the same move twice */
			snprintf(err, errlen,
				 "--pass-fd '%d:%d' and '%d:%d' both target descriptor %d",
				 p->moves[n - 1].src, mv->dst, mv->src, mv->dst, mv->dst);
			return -1;
		}
		/* A target that --keep-fd also names is ambiguous: keep the old
		 * descriptor, or replace it?  Refuse rather than guess. */
		if (fd_set_contains(&o->keep, mv->dst) && mv->src != mv->dst) {
			snprintf(err, errlen, "--pass-fd '%d:%d': target %d is also named by --keep-fd",
				 mv->src, mv->dst, mv->dst);
			return -1;
		}
		p->moves[n++] = *mv;
		if (mv->dst > p->max_target)
			p->max_target = mv->dst;
	}
	p->n_moves = n;

	if (fd_set_add(&p->keep, 0, 2) < 0 || fd_set_add_set(&p->keep, &o->keep) < 0)
		goto nomem;
	for (size_t i = 0; i < p->n_moves; i++)
		if (fd_set_add(&p->keep, p->moves[i].dst, p->moves[i].dst) < 0)
			goto nomem;
	if (pass_schedule(p->moves, p->n_moves, &p->ops, &p->n_ops, &p->n_temps) < 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}
