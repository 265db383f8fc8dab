/* fuzz_options.c: libFuzzer target for the parser and the planner.
 *
 * The input is split at newlines into an argv for options_parse(); what
 * parses goes through plan_build() and the results are checked:
 *   - the keep set is normalized (sorted, disjoint, not touching) and
 *     holds 0, 1, 2 and every target;
 *   - gaps from 3 are never empty and never contain a kept number;
 *   - the --pass-fd schedule, simulated on a map, leaves every target with
 *     its source's original value, never reads an unset temp, and leaves
 *     every other location alone;
 *   - the --blocking set is normalized; a --nofile target computed from
 *     several current limits has soft <= hard, 'safe' at most 1024, and
 *     leaves an unnamed limit alone.
 *   - every descriptor an argument of COMMAND names is kept, --null holds
 *     only 0, 1, 2.
 * The raw input also goes to the MAKEFLAGS and LISTEN_* parsers, the
 * descriptor-path parser and the --listen-fds=NAME list check.  Any
 * violation aborts. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "fdargs.h"
#include "listen_select.h"
#include "nofile.h"
#include "errbuf.h"
#include "options.h"
#include "plan.h"
#include "readers.h"

static int visit_reading(const struct jobserver_reading *rd, void *ctx)
{
	size_t len = *(const size_t *)ctx;

	/* A region to rewrite lies inside the value. */
	if (rd->start > rd->end || rd->end > len)
		abort();
	if (rd->kind == JOBSERVER_PIPE && (rd->r < 0 || rd->w < 0))
		abort();
	return 0;
}

/* The readers never read outside the value, and a rewrite leaves nothing a
 * reader would take a lost descriptor from: rewritten values are read
 * again and must be clean, or the variable is unset. */
static void check_readers(const char *buf)
{
	struct fd_set_ranges none;
	size_t len = strlen(buf);
	int count, bad;
	char *out = NULL;

	(void)listen_pid_read(buf, 100);
	if (listen_fds_read(buf, &count) == 0 && (count < 0 || count > INT_MAX - 2))
		abort();
	(void)jobserver_readings(buf, visit_reading, &len);
	fd_set_init(&none);
	if (fd_set_add(&none, 0, 2) == 0 && jobserver_withhold(buf, &none, NULL, &out, &bad) == 1) {
		char *again = NULL;
		if (jobserver_withhold(out, &none, NULL, &again, &bad) != 0)
			abort();
		free(again);
	}
	free(out);
	fd_set_free(&none);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check_set(const struct fd_set_ranges *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].lo > s->v[i].hi || s->v[i].lo < 0)
			abort();
		if (i > 0 && (long long)s->v[i - 1].hi + 1 >= s->v[i].lo)
			abort();
	}
	struct fd_gap_iter it;
	struct fd_gap g;
	fd_gap_iter_init(&it, s, 3);
	unsigned prev_hi = 2;
	int gaps = 0;
	while (fd_gap_next(&it, s, &g)) {
		if (g.lo > g.hi || g.lo <= prev_hi)
			abort();
		if (g.lo <= 0x7fffffffU && fd_set_contains(s, (int)g.lo))
			abort();
		if (g.hi <= 0x7fffffffU && fd_set_contains(s, (int)g.hi))
			abort();
		prev_hi = g.hi;
		if (++gaps > (int)s->n + 1)
			abort();
	}
	if (!fd_set_contains(s, INT_MAX) && prev_hi != (unsigned)INT_MAX)
		abort();
}

/* A tiny map from location (fd, or temp as a negative number) to the
 * original fd whose value it holds. */
struct cell {
	int loc;
	int value;
};

static int *lookup(struct cell *m, size_t *n, int loc, int fill)
{
	for (size_t i = 0; i < *n; i++)
		if (m[i].loc == loc)
			return &m[i].value;
	m[*n].loc = loc;
	m[*n].value = fill;
	return &m[(*n)++].value;
}

static void check_schedule(const struct plan *p)
{
	size_t cap = 2 * p->n_moves + p->n_temps + 1, n = 0;
	struct cell *m = calloc(cap, sizeof(*m));

	if (!m)
		abort();
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct pass_op *op = &p->ops[i];
		int v = *lookup(m, &n, op->from, op->from); /* an fd holds itself */
		if (v < 0)
			abort(); /* read a temp never written */
		*lookup(m, &n, op->to, -1) = v;
		if (n > cap)
			abort();
	}
	for (size_t i = 0; i < p->n_moves; i++) {
		int got = *lookup(m, &n, p->moves[i].dst, p->moves[i].dst);
		if (got != p->moves[i].src || !fd_set_contains(&p->keep, p->moves[i].dst))
			abort();
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].loc < 0)
			continue;
		bool target = false;
		for (size_t j = 0; j < p->n_moves; j++)
			target |= p->moves[j].dst == m[i].loc;
		if (!target && m[i].value != m[i].loc)
			abort(); /* a copy landed where no move asked for one */
	}
	if (p->n_temps > p->n_moves)
		abort();
	free(m);
}

/* --nofile: from any current limits, a target is either refused or has
 * soft <= hard, 'safe' never above 1024, and an unnamed limit unchanged. */
static void check_nofile(const struct nofile_request *req)
{
	static const struct rlimit cur[] = { { 1024, 4096 }, { 20000, 20000 }, { 3, 3 },
					     { 1024, RLIM_INFINITY } };
	char err[ERRBUF_SIZE];

	if (!req->arg)
		return;
	for (size_t i = 0; i < sizeof(cur) / sizeof(cur[0]); i++) {
		struct rlimit want;
		if (nofile_target(req, &cur[i], &want, err, sizeof(err)) < 0)
			continue;
		if (want.rlim_cur > want.rlim_max || (req->safe && want.rlim_cur > NOFILE_SAFE_SOFT))
			abort();
		if ((!req->set_hard && want.rlim_max != cur[i].rlim_max) ||
		    (!req->set_soft && !req->safe && want.rlim_cur != cur[i].rlim_cur))
			abort();
	}
}

/* Every descriptor an argument names is kept (unless --no-keep-fd-args),
 * and --null names only 0, 1, 2. */
static void check_fd_args(const struct plan *p, const struct options *o)
{
	for (size_t i = 0; i < p->n_fd_args; i++)
		if (o->no_keep_fd_args || p->fd_args[i].fd <= 2 ||
		    !fd_set_contains(&p->keep, p->fd_args[i].fd))
			abort();
	for (size_t i = 0; i < o->null_fds.n; i++)
		if (o->null_fds.v[i].lo < 0 || o->null_fds.v[i].hi > 2)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], err[ERRBUF_SIZE];
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	int r, w, count;
	(void)jobserver_parse(buf, &r, &w, err, sizeof(err));
	(void)listen_env_parse("100", buf, 100, &count, err, sizeof(err));
	(void)listen_name_valid(buf, strlen(buf));
	check_readers(buf);
	int fd = -1;
	if (fdarg_parse(buf, 100, &fd) == 1 && fd < 0)
		abort();
	(void)listen_select_parse(buf, err, sizeof(err));

	argv[argc++] = (char *)"closefds";
	for (char *s = buf; s && argc < MAX_ARGS;) {
		char *nl = memchr(s, '\n', size - (size_t)(s - buf));
		if (nl)
			*nl = '\0';
		argv[argc++] = s;
		s = nl ? nl + 1 : NULL;
	}
	argv[argc] = NULL;

	struct options o;
	struct plan p;
	const struct plan_env env = { .listen_pid = "100", .listen_fds = "2",
				      .listen_fdnames = "a:b",
				      .jobserver_env = { "-j --jobserver-auth=7,8", "--jobserver-fds=9,10", NULL },
				      .pid = 100 };
	options_init(&o);
	plan_init(&p);
	if (options_parse(&o, argc, argv, err, sizeof(err)) == 0) {
		check_set(&o.keep);
		check_set(&o.blocking);
		check_nofile(&o.nofile);
		if (plan_build(&p, &o, &env, err, sizeof(err)) == 0) {
			check_set(&p.keep);
			if (!fd_set_contains(&p.keep, 0) || !fd_set_contains(&p.keep, 2))
				abort();
			check_schedule(&p);
			check_fd_args(&p, &o);
		}
	}
	plan_free(&p);
	options_free(&o);
	free(buf);
	return 0;
}
