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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"

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
	for (size_t i = 0; i < 3; i++)
		free(p->listen_env[i]);
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

/* LISTEN_FDNAMES for --listen-fd: the inherited names when --listen-fds kept
 * descriptors (LISTEN_FDNAMES as given if it has one name per descriptor,
 * else "unknown" each), then one name per --listen-fd. */
static char *listen_names(const struct plan *p, const struct options *o, const char *inherited)
{
	size_t fields = 1, len = 0;

	if (inherited)
		for (const char *c = inherited; *c; c++)
			fields += *c == ':';
	if (!inherited || fields != (size_t)p->listen_inherited)
		inherited = NULL;
	len = inherited ? strlen(inherited) + 1 : (size_t)p->listen_inherited * 8;
	for (size_t i = 0; i < o->n_listen; i++)
		len += (o->listen[i].name ? o->listen[i].name_len : 7) + 1;

	char *s = malloc(len + 1), *w = s;
	if (!s)
		return NULL;
	*w = '\0';
	if (inherited)
		w += sprintf(w, "%s:", inherited);
	else
		for (int i = 0; i < p->listen_inherited; i++)
			w += sprintf(w, "unknown:");
	for (size_t i = 0; i < o->n_listen; i++) {
		if (o->listen[i].name)
			w += sprintf(w, "%.*s:", (int)o->listen[i].name_len, o->listen[i].name);
		else
			w += sprintf(w, "unknown:");
	}
	if (w > s)
		w[-1] = '\0'; /* the last ':' */
	return s;
}

/* Descriptors named to be kept as they are: --keep-fd, what --listen-fds
 * finds, the jobserver pipe.  A --pass-fd target may not be among them. */
static int add_named(struct plan *p, const struct options *o, const struct plan_env *env,
		     struct fd_set_ranges *named, char *err, size_t errlen)
{
	int r, w;

	if (fd_set_add_set(named, &o->keep) < 0)
		goto nomem;
	if (o->listen_fds) {
		if (listen_env_parse(env->listen_pid, env->listen_fds, env->pid, &p->listen_inherited,
				     err, errlen) < 0)
			return -1;
		if (p->listen_inherited > 0 &&
		    fd_set_add(named, LISTEN_FDS_START, LISTEN_FDS_START + p->listen_inherited - 1) < 0)
			goto nomem;
	}
	if (o->keep_jobserver) {
		int found = jobserver_parse(env->makeflags, &r, &w, err, errlen);
		if (found < 0)
			return -1;
		/* As one-number ranges: kept when open, no error when not. */
		if (found > 0 && (fd_set_add(named, r, r) < 0 || fd_set_add(named, w, w) < 0))
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* --pass-fd and --listen-fd moves together, sorted by target, duplicates
 * dropped, conflicts refused. */
static int build_moves(struct plan *p, const struct options *o, const struct fd_set_ranges *named,
		       char *err, size_t errlen)
{
	size_t total = o->n_moves + o->n_listen, n = 0;

	if (total == 0)
		return 0;
	if (o->n_listen > (size_t)(INT_MAX - LISTEN_FDS_START - p->listen_inherited)) {
		snprintf(err, errlen, "too many --listen-fd descriptors");
		return -1;
	}
	p->moves = malloc(total * sizeof(*p->moves));
	if (!p->moves) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (o->n_moves > 0) /* o->moves is NULL without --pass-fd */
		memcpy(p->moves, o->moves, o->n_moves * sizeof(*p->moves));
	for (size_t i = 0; i < o->n_listen; i++)
		p->moves[o->n_moves + i] = (struct fd_move){
			.src = o->listen[i].fd,
			.dst = LISTEN_FDS_START + p->listen_inherited + (int)i,
			.listen = true,
		};
	qsort(p->moves, total, sizeof(*p->moves), cmp_move_by_target);
	for (size_t i = 0; i < total; i++) {
		const struct fd_move *mv = &p->moves[i];
		const char *opt = mv->listen ? "--listen-fd" : "--pass-fd";
		if (n > 0 && p->moves[n - 1].dst == mv->dst) {
			if (p->moves[n - 1].src == mv->src && !p->moves[n - 1].listen && !mv->listen)
				continue; /* the same --pass-fd twice */
			snprintf(err, errlen, "descriptor %d is the target of two moves (from %d and %d)",
				 mv->dst, p->moves[n - 1].src, mv->src);
			return -1;
		}
		/* A target that is also to be kept as it is: keep the old
		 * descriptor, or replace it?  Refuse rather than guess. */
		if (fd_set_contains(named, mv->dst) && (mv->src != mv->dst || mv->listen)) {
			snprintf(err, errlen, "%s '%d': target %d is also kept as it is (--keep-fd, --listen-fds or --keep-jobserver)",
				 opt, mv->src, mv->dst);
			return -1;
		}
		p->moves[n++] = *mv;
		if (mv->dst > p->max_target)
			p->max_target = mv->dst;
	}
	p->n_moves = n;
	return 0;
}

static int build_listen_env(struct plan *p, const struct options *o, const struct plan_env *env)
{
	char *names;

	if (o->n_listen == 0)
		return 0;
	names = listen_names(p, o, env->listen_fdnames);
	if (!names)
		return -1;
	int a = asprintf(&p->listen_env[0], "%d", p->listen_inherited + (int)o->n_listen);
	int b = asprintf(&p->listen_env[1], "%ld", (long)env->pid);
	int c = asprintf(&p->listen_env[2], "%s", names);
	free(names);
	if (a < 0 || b < 0 || c < 0) {
		/* asprintf leaves the pointer undefined on failure */
		p->listen_env[0] = a < 0 ? NULL : p->listen_env[0];
		p->listen_env[1] = b < 0 ? NULL : p->listen_env[1];
		p->listen_env[2] = c < 0 ? NULL : p->listen_env[2];
		return -1;
	}
	return 0;
}

int plan_build(struct plan *p, const struct options *o, const struct plan_env *env, char *err,
	       size_t errlen)
{
	struct fd_set_ranges named;
	int r;

	p->opts = o;
	fd_set_init(&named);
	if ((r = add_named(p, o, env, &named, err, errlen)) < 0 ||
	    (r = build_moves(p, o, &named, err, errlen)) < 0)
		goto out;
	if ((r = fd_set_add(&p->keep, 0, 2)) == 0)
		r = fd_set_add_set(&p->keep, &named);
	for (size_t i = 0; i < p->n_moves && r == 0; i++)
		r = fd_set_add(&p->keep, p->moves[i].dst, p->moves[i].dst);
	if (r == 0)
		r = pass_schedule(p->moves, p->n_moves, &p->ops, &p->n_ops, &p->n_temps);
	if (r == 0)
		r = build_listen_env(p, o, env);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
out:
	fd_set_free(&named);
	return r;
}
