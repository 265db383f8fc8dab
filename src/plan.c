/* plan.c: the keep set and the --pass-fd moves, from the options (the
 * schedule of the moves: moves.c). */
#include "config.h"
#include "plan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "errbuf.h"
#include "readers.h"
#include "listen_select.h"

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	fd_set_init(&p->keep);
	p->max_target = -1;
	env_change_free(&p->env); /* nothing to free yet: sets the -1s */
}

void plan_free(struct plan *p)
{
	fd_set_free(&p->keep);
	free(p->moves);
	free(p->ops);
	free(p->listen);
	free(p->fd_args);
	env_change_free(&p->env);
	plan_init(p);
}

static int cmp_move_by_target(const void *a, const void *b)
{
	const struct fd_move *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return (x->src > y->src) - (x->src < y->src);
}

/* The longest value of LISTEN_FDNAMES that execve passes: a string of the
 * environment, "LISTEN_FDNAMES=..." and its NUL, is at most MAX_ARG_STRLEN,
 * 32 pages of 4096 bytes. */
#define LISTEN_FDNAMES_MAX ((size_t)32 * 4096 - sizeof("LISTEN_FDNAMES="))

/* LISTEN_FDNAMES for --listen-fd: the inherited names when --listen-fds kept
 * descriptors (LISTEN_FDNAMES as given if it has one name per descriptor,
 * as sd_listen_fds_with_names() splits it at every ':', else "unknown"
 * each), then one name per --listen-fd.  0, -1 with a message (too long for
 * execve), or -ENOMEM. */
static int listen_names(const struct plan *p, const char *inherited, char **out, char *err,
			size_t errlen)
{
	unsigned long long fields = 1, len = 0;

	*out = NULL;
	if (inherited)
		for (const char *c = inherited; *c; c++)
			fields += *c == ':';
	if (!inherited || fields != (unsigned long long)p->listen_inherited)
		inherited = NULL;
	len = inherited ? strlen(inherited) + 1 : (unsigned long long)p->listen_inherited * 8;
	for (size_t i = 0; i < p->n_listen; i++)
		len += (p->listen[i].name ? p->listen[i].name_len : 7) + 1;
	if (len - 1 > LISTEN_FDNAMES_MAX)
		return errbuf_set(err, errlen,
				  "--listen-fd: LISTEN_FDNAMES would be %llu bytes (%d inherited descriptors, %zu given), more than execve passes in one variable (%zu)",
				  len - 1, p->listen_inherited, p->n_listen, LISTEN_FDNAMES_MAX);

	char *s = malloc((size_t)len + 1), *w = s;
	if (!s)
		return -ENOMEM;
	*w = '\0';
	if (inherited)
		w += sprintf(w, "%s:", inherited);
	else
		for (int i = 0; i < p->listen_inherited; i++)
			w += sprintf(w, "unknown:");
	for (size_t i = 0; i < p->n_listen; i++) {
		if (p->listen[i].name)
			w += sprintf(w, "%.*s:", (int)p->listen[i].name_len, p->listen[i].name);
		else
			w += sprintf(w, "unknown:");
	}
	if (w > s)
		w[-1] = '\0'; /* the last ':' */
	*out = s;
	return 0;
}

/* Descriptors named to be kept as they are: --keep-fd, what --listen-fds
 * finds, the jobserver pipe.  A --pass-fd target may not be among them. */
static int add_named(struct plan *p, const struct options *o, const struct plan_env *env,
		     struct fd_set_ranges *named, char *err, size_t errlen)
{
	int r, w;

	if (fd_set_add_set(named, &o->keep) < 0)
		goto nomem;
	/* Under AT_SECURE nothing is kept on the environment's word. */
	if (o->listen_fds && !o->listen_fds_names && !env->secure) {
		if (listen_env_parse(env->listen_pid, env->listen_fds, env->pid, &p->listen_inherited,
				     err, errlen) < 0)
			return -1;
		if (p->listen_inherited > 0 &&
		    fd_set_add(named, LISTEN_FDS_START, LISTEN_FDS_START + p->listen_inherited - 1) < 0)
			goto nomem;
	}
	if (o->keep_jobserver && !env->secure) {
		int found = jobserver_parse(env->jobserver_env[0], &r, &w, err, errlen);
		if (found < 0)
			return -1;
		/* As one-number ranges: kept when open, no error when not. */
		if (found > 0 && (fd_set_add(named, r, r) < 0 || fd_set_add(named, w, w) < 0))
			goto nomem;
	}
	return 0;
nomem:
	return errbuf_nomem(err, errlen);
}

/* True if a move puts another descriptor at fd. */
static bool is_replaced(const struct plan *p, int fd)
{
	for (size_t i = 0; i < p->n_moves; i++)
		if (p->moves[i].dst == fd && (p->moves[i].src != fd || p->moves[i].listen))
			return true;
	return false;
}

/* --pass-fd and --listen-fd moves together, sorted by target, duplicates
 * dropped, conflicts refused. */
static int build_moves(struct plan *p, const struct options *o, const struct fd_set_ranges *named,
		       char *err, size_t errlen)
{
	size_t total = o->n_moves + p->n_listen, n = 0;

	if (total == 0)
		return 0;
	/* LISTEN_FDS, inherited + n_listen, must stay within what
	 * sd_listen_fds() takes (the inherited count alone does). */
	if ((unsigned long long)p->n_listen >
	    (unsigned long long)LISTEN_FDS_MAX - (unsigned long long)p->listen_inherited)
		return errbuf_set(err, errlen,
				  "--listen-fd: %zu more after the %d inherited with --listen-fds would make LISTEN_FDS larger than sd_listen_fds() takes (%d)",
				  p->n_listen, p->listen_inherited, LISTEN_FDS_MAX);
	p->moves = malloc(total * sizeof(*p->moves));
	if (!p->moves) {
		return errbuf_nomem(err, errlen);
	}
	if (o->n_moves > 0) /* o->moves is NULL without --pass-fd */
		memcpy(p->moves, o->moves, o->n_moves * sizeof(*p->moves));
	for (size_t i = 0; i < p->n_listen; i++)
		p->moves[o->n_moves + i] = (struct fd_move){
			.src = p->listen[i].fd,
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
			return errbuf_set(err, errlen, "descriptor %d is the target of two moves (from %d and %d)",
				 mv->dst, p->moves[n - 1].src, mv->src);
		}
		/* A target that is also to be kept as it is: keep the old
		 * descriptor, or replace it?  Refuse rather than guess. */
		if (fd_set_contains(named, mv->dst) && (mv->src != mv->dst || mv->listen)) {
			return errbuf_set(err, errlen, "%s '%d': target %d is also kept as it is (--keep-fd, --listen-fds or --keep-jobserver)",
				 opt, mv->src, mv->dst);
		}
		p->moves[n++] = *mv;
		if (mv->dst > p->max_target)
			p->max_target = mv->dst;
	}
	p->n_moves = n;
	return 0;
}

static int build_listen_env(struct plan *p, const struct options *o, const struct plan_env *env,
			    char *err, size_t errlen)
{
	char *names;
	int r;

	if (p->n_listen == 0 && !o->listen_fds_names)
		return 0;
	/* LISTEN_PID is set anew: a LISTEN_PIDFDID left behind could name
	 * another process, and systemd 258's sd_listen_fds() would then take
	 * none of the descriptors.  It is unset rather than computed: that
	 * needs a pidfd of this process and a kernel with pidfs; without it,
	 * every reader checks LISTEN_PID alone. */
	p->env.unset_pidfdid = env->listen_pidfdid != NULL;
	if ((r = listen_names(p, env->secure ? NULL : env->listen_fdnames, &names, err, errlen)) < 0)
		return r;
	int a = asprintf(&p->env.listen_env[0], "%d", p->listen_inherited + (int)p->n_listen);
	int b = asprintf(&p->env.listen_env[1], "%ld", (long)env->pid);
	int c = asprintf(&p->env.listen_env[2], "%s", names);
	free(names);
	if (a < 0 || b < 0 || c < 0) {
		/* asprintf leaves the pointer undefined on failure */
		p->env.listen_env[0] = a < 0 ? NULL : p->env.listen_env[0];
		p->env.listen_env[1] = b < 0 ? NULL : p->env.listen_env[1];
		p->env.listen_env[2] = c < 0 ? NULL : p->env.listen_env[2];
		return -ENOMEM;
	}
	return 0;
}

/* The descriptors that reach COMMAND as they are: the named ones, 0-2 and
 * the --pass-fd onto themselves, unless a move replaces them. */
static int unchanged_set(const struct plan *p, const struct fd_set_ranges *named,
			 struct fd_set_ranges *unchanged)
{
	int r = fd_set_add_set(unchanged, named);

	for (int fd = 0; fd <= 2 && r == 0; fd++)
		if (!is_replaced(p, fd))
			r = fd_set_add(unchanged, fd, fd);
	for (size_t i = 0; i < p->n_moves && r == 0; i++)
		if (p->moves[i].src == p->moves[i].dst && !p->moves[i].listen)
			r = fd_set_add(unchanged, p->moves[i].dst, p->moves[i].dst);
	return r;
}

/* Under AT_SECURE: every LISTEN_* goes (--listen-fd sets its own), and
 * every jobserver variable that names a descriptor.  Removing a variable
 * is always safe; trusting one is not. */
static void build_env_secure(struct plan *p, const struct plan_env *env)
{
	if (p->n_listen == 0 && (env->listen_pid || env->listen_fds || env->listen_fdnames ||
				 env->listen_pidfdid)) {
		p->env.unset_listen = true;
		p->env.listen_bad_fd = ENV_BAD_SECURE;
	}
	for (size_t i = 0; i < 3; i++)
		if (jobserver_names_fd(env->jobserver_env[i])) {
			p->env.unset_jobserver[i] = true;
			p->env.jobserver_bad_fd[i] = ENV_BAD_SECURE;
		}
}

/* Make the environment tell the truth about the descriptors (activation.c):
 * without --listen-fd (which sets LISTEN_* anew), LISTEN_* that claim a
 * descriptor that does not reach COMMAND as it is go; a jobserver pipe
 * that does not is withheld, or the variable goes. */
static int build_env_truth(struct plan *p, const struct options *o, const struct plan_env *env,
			   const struct fd_set_ranges *named)
{
	struct fd_set_ranges unchanged;
	int r;

	if (env->secure) {
		build_env_secure(p, env);
		return 0;
	}
	fd_set_init(&unchanged);
	r = unchanged_set(p, named, &unchanged);
	if (r == 0 && p->n_listen == 0 && !o->listen_fds_names)
		p->env.unset_listen = listen_env_stale(env->listen_pid, env->listen_fds, env->pid,
						       &unchanged, env->fd_open,
						       &p->env.listen_bad_fd) > 0;
	for (size_t i = 0; i < 3 && r >= 0; i++) {
		r = jobserver_withhold(env->jobserver_env[i], &unchanged, env->fd_open,
				       &p->env.makeflags[i], &p->env.jobserver_bad_fd[i]);
		p->env.unset_jobserver[i] = r == 2;
	}
	fd_set_free(&unchanged);
	return r < 0 ? r : 0;
}

/* p->listen: the descriptors --listen-fds=NAME chooses (listen_select.c),
 * then the --listen-fd items. */
static int build_listen_list(struct plan *p, const struct options *o, const struct plan_env *env,
			     char *err, size_t errlen)
{
	struct listen_fd *sel = NULL;
	size_t n_sel = 0;

	if (o->listen_fds_names) {
		/* Under AT_SECURE no name is trusted: a name asked for is not there. */
		int r = env->secure ? listen_select(o->listen_fds_names, NULL, NULL, NULL, env->pid, &sel,
						    &n_sel, err, errlen)
				    : listen_select(o->listen_fds_names, env->listen_pid, env->listen_fds,
						    env->listen_fdnames, env->pid, &sel, &n_sel, err, errlen);
		if (r < 0)
			return r;
	}
	if (n_sel + o->n_listen == 0)
		return 0;
	p->listen = malloc((n_sel + o->n_listen) * sizeof(*p->listen));
	if (!p->listen) {
		free(sel);
		return errbuf_nomem(err, errlen);
	}
	if (n_sel > 0)
		memcpy(p->listen, sel, n_sel * sizeof(*sel));
	if (o->n_listen > 0)
		memcpy(p->listen + n_sel, o->listen, o->n_listen * sizeof(*o->listen));
	p->n_listen = n_sel + o->n_listen;
	free(sel);
	return 0;
}

/* Descriptors that COMMAND's arguments name by path (fdargs.c) are kept,
 * unless --no-keep-fd-args, or a move puts another descriptor at that
 * number (then the path names what the move put there, as asked). */
static int add_fd_args(struct plan *p, const struct options *o, const struct plan_env *env,
		       struct fd_set_ranges *named, char *err, size_t errlen)
{
	if (o->no_keep_fd_args || !o->command)
		return 0;
	int n = fdargs_collect(o->command, env->pid, &p->fd_args);
	if (n < 0) {
		return errbuf_nomem(err, errlen);
	}
	p->n_fd_args = (size_t)n;
	for (size_t i = 0; i < p->n_fd_args; i++) {
		int fd = p->fd_args[i].fd;
		if (!is_replaced(p, fd) && fd_set_add(named, fd, fd) < 0) {
			return errbuf_nomem(err, errlen);
		}
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
	    (r = build_listen_list(p, o, env, err, errlen)) < 0 ||
	    (r = build_moves(p, o, &named, err, errlen)) < 0 ||
	    (r = add_fd_args(p, o, env, &named, err, errlen)) < 0)
		goto out;
	if ((r = fd_set_add(&p->keep, 0, 2)) == 0)
		r = fd_set_add_set(&p->keep, &named);
	for (size_t i = 0; i < p->n_moves && r == 0; i++)
		r = fd_set_add(&p->keep, p->moves[i].dst, p->moves[i].dst);
	if (r == 0)
		r = pass_schedule(p->moves, p->n_moves, &p->ops, &p->n_ops, &p->n_temps);
	if (r == 0 && (r = build_listen_env(p, o, env, err, errlen)) == -1)
		goto out;
	if (r == 0)
		r = build_env_truth(p, o, env, &named);
	if (r < 0)
		r = errbuf_nomem(err, errlen);
out:
	fd_set_free(&named);
	return r;
}
