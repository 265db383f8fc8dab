/* difftest.c: differential property test.
 *
 * Random cases: a random set of open descriptors of mixed kinds at random
 * numbers up to the limit, random --keep-fd singles and ranges, random
 * --pass-fd moves (swaps, fan-out, chains, and on purpose some conflicts
 * and closed sources), a random hostile environment and a random method.
 * Each runs through closefds with fdprobe, and the probe's table is
 * compared with a model computed here, independently of src/: which
 * descriptors COMMAND must hold with which identity, or that closefds
 * must refuse (125, nothing run).
 *
 * Seeded and reproducible: a failure prints the seed and the case.
 * Usage: difftest [--valgrind] CLOSEFDS FDPROBE [CASES [SEED]]   (default 2000
 * cases; --valgrind: closefds under memcheck, see below) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#include "testlib.h"

#define MAX_OPEN 24
#define MAX_KEEP 4
#define MAX_MOVES 5
#define LIMIT 20000 /* the hard RLIMIT_NOFILE here; targets stay below it */

/* --valgrind: closefds under memcheck (tl_valgrind).  Numbers stay below
 * top, under the 12 descriptors valgrind keeps for itself below the limit,
 * the environments are those valgrind starts and runs in (with /proc, no
 * SIGSYS trap: valgrind asserts on one), and the hard limit is not lowered
 * (valgrind keeps descriptors of its own below it). */
static bool valgrind;
static bool no_seccomp; /* environments with a filter cannot be set up here */
static int top = LIMIT;

struct dcase {
	int n_open;
	int fd[MAX_OPEN];
	enum tl_kind kind[MAX_OPEN];
	int n_keep;
	int keep_lo[MAX_KEEP], keep_hi[MAX_KEEP];
	bool keep_single[MAX_KEEP];
	int n_moves;
	int src[MAX_MOVES], dst[MAX_MOVES];
	enum tl_env env;
	int method;
	int hard_limit; /* 0, or soft = hard RLIMIT_NOFILE lowered to this after placing */
};

static const char *const methods[] = { "auto", "close_range", "proc", "poll", "loop" };

static unsigned long long rng;

static unsigned next(unsigned n)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

static bool is_open(const struct dcase *c, int fd)
{
	if (fd >= 0 && fd <= 2)
		return true;
	for (int i = 0; i < c->n_open; i++)
		if (c->fd[i] == fd)
			return true;
	return false;
}

static int random_fd(void)
{
	switch (next(5)) {
	case 0:
	case 1:
		return 3 + (int)next(40);
	case 2:
	case 3:
		return 43 + (int)next(2000);
	default:
		return top - 100 + (int)next(100);
	}
}

/* Any kind this machine can open (tl_kind_unavailable: checked once). */
static enum tl_kind random_kind(void)
{
	enum tl_kind k;

	do
		k = (enum tl_kind)next(TL_KIND_COUNT);
	while (tl_kind_unavailable(k));
	return k;
}

/* The source of a move must be told from every other descriptor by its
 * identity: a kind with an inode of its own (tl_kind_unique). */
static void unique_sources(struct dcase *c)
{
	for (int m = 0; m < c->n_moves; m++)
		for (int i = 0; i < c->n_open; i++)
			while (c->fd[i] == c->src[m] && !tl_kind_unique(c->kind[i]))
				c->kind[i] = (enum tl_kind)((c->kind[i] + 1) % TL_KIND_COUNT);
}

/* Mostly an open descriptor; sometimes a standard one or a closed one. */
static int random_source(const struct dcase *c)
{
	unsigned r = next(20);
	if (r == 0)
		return (int)next(3);
	if (r == 1 || c->n_open == 0)
		return random_fd();
	return c->fd[next((unsigned)c->n_open)];
}

static void generate(struct dcase *c)
{
	memset(c, 0, sizeof(*c));
	int want = (int)next(MAX_OPEN + 1);
	while (c->n_open < want) {
		int fd = random_fd();
		if (is_open(c, fd))
			continue;
		c->fd[c->n_open] = fd;
		c->kind[c->n_open] = random_kind();
		c->n_open++;
	}
	c->n_keep = (int)next(MAX_KEEP + 1);
	for (int i = 0; i < c->n_keep; i++) {
		c->keep_single[i] = next(2);
		if (c->keep_single[i]) {
			c->keep_lo[i] = c->keep_hi[i] = random_source(c);
		} else {
			c->keep_lo[i] = random_fd();
			c->keep_hi[i] = c->keep_lo[i] + (int)next(next(4) ? 50 : 3000);
			if (c->keep_hi[i] >= top + 50)
				c->keep_hi[i] = top + 50;
		}
	}
	c->n_moves = (int)next(MAX_MOVES + 1);
	for (int i = 0; i < c->n_moves; i++) {
		c->src[i] = random_source(c);
		switch (next(12)) {
		case 0: /* a swap or chain with an earlier move */
			c->dst[i] = i > 0 ? c->src[next((unsigned)i)] : random_source(c);
			break;
		case 1: /* fan-out or a conflict: an earlier target */
			c->dst[i] = i > 0 ? c->dst[next((unsigned)i)] : (int)next(3);
			break;
		case 2:
			c->dst[i] = (int)next(3);
			break;
		default:
			c->dst[i] = next(3) ? 3 + (int)next(60) : top - 1 - (int)next(50);
		}
	}
	unique_sources(c);
	do
		c->env = (enum tl_env)next(TL_ENV_COUNT);
	while ((valgrind && (tl_env_hides_proc(c->env) || tl_env_traps(c->env))) ||
	       (no_seccomp && tl_env_uses_seccomp(c->env)));
	c->method = (int)next(5);
	/* A third of the cases lower the hard limit below open descriptors, when
	 * every move target (and a temporary above them) stays below it.  Not
	 * under valgrind (it keeps descriptors of its own below the limit), nor
	 * under qemu without /proc (the select probe cannot size a table above 512
	 * slots there: the bound would be the limit). */
	bool low_targets = true;
	for (int i = 0; i < c->n_moves; i++)
		low_targets &= c->dst[i] < 100;
	bool lowering = !valgrind && !(tl_emulator() && tl_env_hides_proc(c->env));
	if (lowering && low_targets && next(3) == 0)
		c->hard_limit = 150 + (int)next(1900);
#ifdef __SANITIZE_ADDRESS__
	/* A sanitizer-built probe writes a warning to its stderr before main()
	 * where /proc is hidden; a socket or pipe moved onto 2 would kill it with
	 * SIGPIPE (the probe's problem, not closefds'): no moves onto 2 there. */
	if (tl_env_hides_proc(c->env))
		for (int i = 0; i < c->n_moves; i++)
			if (c->dst[i] == 2)
				c->dst[i] = 3 + (int)next(60);
#endif
}

static bool in_keep(const struct dcase *c, int fd)
{
	for (int i = 0; i < c->n_keep; i++)
		if (fd >= c->keep_lo[i] && fd <= c->keep_hi[i])
			return true;
	return false;
}

/* The model.  Returns true if closefds must refuse; else fills want[fd] with
 * the descriptor of the "before" table whose identity fd must have (-1: fd
 * must be closed), for fd below LIMIT. */
static bool model(const struct dcase *c, int *want)
{
	for (int i = 0; i < c->n_keep; i++)
		if (c->keep_single[i] && !is_open(c, c->keep_lo[i]))
			return true;
	for (int i = 0; i < c->n_moves; i++) {
		if (!is_open(c, c->src[i]))
			return true;
		if (c->src[i] != c->dst[i] && in_keep(c, c->dst[i]))
			return true;
		for (int j = 0; j < i; j++)
			if (c->dst[j] == c->dst[i] && c->src[j] != c->src[i])
				return true;
	}
	if (strcmp(methods[c->method], "close_range") == 0 && tl_env_blocks_close_range(c->env))
		return true;
	if (strcmp(methods[c->method], "proc") == 0 && tl_env_hides_proc(c->env))
		return true;
	if (strcmp(methods[c->method], "poll") == 0 && tl_env_blocks_poll(c->env))
		return true;

	for (int fd = 0; fd < LIMIT; fd++)
		want[fd] = -1;
	for (int fd = 0; fd <= 2; fd++)
		want[fd] = fd;
	for (int i = 0; i < c->n_open; i++)
		if (in_keep(c, c->fd[i]))
			want[c->fd[i]] = c->fd[i];
	/* Above a lowered hard limit, with /proc hidden and select blocked,
	 * max(soft, hard) is the only bound: the documented leak. */
	for (int i = 0; c->hard_limit && tl_env_bound_is_limit(c->env) && i < c->n_open; i++)
		if (c->fd[i] >= c->hard_limit)
			want[c->fd[i]] = c->fd[i];
	/* Parallel: every target gets its source's old descriptor. */
	for (int i = 0; i < c->n_moves; i++)
		want[c->dst[i]] = c->src[i];
	return false;
}

static void describe(const struct dcase *c, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "env '%s', method %s; open:", tl_env_name(c->env),
				     methods[c->method]);
	for (int i = 0; i < c->n_open && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " %d(%s)", c->fd[i], tl_kind_name(c->kind[i]));
	for (int i = 0; i < c->n_keep && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " -k %d%s%d", c->keep_lo[i],
				      c->keep_single[i] ? "" : "-", c->keep_single[i] ? -1 : c->keep_hi[i]);
	for (int i = 0; i < c->n_moves && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " -p %d:%d", c->src[i], c->dst[i]);
	if (c->hard_limit && o < len)
		snprintf(buf + o, len - o, "; hard limit lowered to %d", c->hard_limit);
}

static int setup(void *p)
{
	const struct dcase *c = p;

	/* Start from 0, 1 and 2 only, so the table is exactly the case's (the
	 * runner's own descriptors could fall in a random keep range). */
	if (syscall(__NR_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < LIMIT; fd++)
			close(fd);
	for (int i = 0; i < c->n_open; i++)
		if (tl_place(c->kind[i], c->fd[i]) < 0)
			return -1;
	struct rlimit rl = { (rlim_t)c->hard_limit, (rlim_t)c->hard_limit };
	if (c->hard_limit && setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return tl_fail("setrlimit(RLIMIT_NOFILE, %d:%d)", c->hard_limit, c->hard_limit);
	return tl_env_apply(c->env);
}

/* What the runs of every group add up to: in a MAP_SHARED mapping, since
 * each environment's cases run in a child of their own (tl_env_group). */
struct totals {
	int groups[TL_ENV_COUNT][5][2]; /* ran, failed */
	long refused, matched;
	int failures;
};

struct env_run {
	const char *closefds, *probe;
	unsigned long long seed;
	long cases;
	const struct dcase *all;
	enum tl_env env;
	struct totals *t;
};

static void run_one(const struct env_run *er, long k, const struct dcase *cp)
{
	static struct tl_run run;
	static int want[LIMIT];
	struct dcase c = *cp;
	char argbuf[MAX_KEEP + MAX_MOVES + 4][32], why[2048], desc[2048];
	const char *args[2 * (MAX_KEEP + MAX_MOVES) + 4];
	size_t a = 0, b = 0;

	if (strcmp(methods[c.method], "auto") != 0) {
		args[a++] = "-m";
		args[a++] = methods[c.method];
	}
	for (int i = 0; i < c.n_keep; i++) {
		if (c.keep_single[i])
			snprintf(argbuf[b], sizeof(argbuf[b]), "%d", c.keep_lo[i]);
		else
			snprintf(argbuf[b], sizeof(argbuf[b]), "%d-%d", c.keep_lo[i], c.keep_hi[i]);
		args[a++] = "-k";
		args[a++] = argbuf[b++];
	}
	for (int i = 0; i < c.n_moves; i++) {
		snprintf(argbuf[b], sizeof(argbuf[b]), "%d:%d", c.src[i], c.dst[i]);
		args[a++] = "-p";
		args[a++] = argbuf[b++];
	}
	args[a] = NULL;

	bool must_refuse = model(&c, want);
	bool ok = true;
	why[0] = '\0';
	if (tl_run_closefds(er->closefds, er->probe, args, NULL, setup, NULL, &c, &run) < 0) {
		snprintf(why, sizeof(why), "could not run the case: %s", run.err);
		ok = false;
	} else if (must_refuse) {
		ok = run.status == 125 && !run.probe_ran;
		if (!ok)
			snprintf(why, sizeof(why), "expected a refusal; status %d, probe %s, stderr: %s",
				 run.status, run.probe_ran ? "ran" : "did not run", run.err);
	} else if (run.status != 0 || !run.probe_ran) {
		snprintf(why, sizeof(why), "status %d, probe %s, stderr: %s", run.status,
			 run.probe_ran ? "ran" : "did not run", run.err);
		ok = false;
	} else {
		int n_want = 0;
		for (int fd = 0; fd < LIMIT && ok; fd++) {
			if (want[fd] < 0)
				continue;
			n_want++;
			const char *w = tl_report_identity(&run.before, want[fd]);
			const char *g = tl_report_identity(&run.after, fd);
			if (!w || !g || strcmp(w, g) != 0) {
				snprintf(why, sizeof(why), "descriptor %d: got %s, want that of %d (%s)", fd,
					 g ? g : "closed", want[fd], w ? w : "?");
				ok = false;
			}
		}
		if (ok && run.after.n != n_want) {
			size_t o = (size_t)snprintf(why, sizeof(why), "expected %d descriptors, got %d:",
						    n_want, run.after.n);
			for (int i = 0; i < run.after.n && i < 40 && o < sizeof(why); i++)
				o += (size_t)snprintf(why + o, sizeof(why) - o, " %d", run.after.fd[i]);
			ok = false;
		}
	}
	if (ok && valgrind && tl_valgrind_report(&run)) {
		snprintf(why, sizeof(why), "memcheck: %s", run.err);
		ok = false;
	}
	struct totals *t = er->t;
	t->groups[c.env][c.method][0]++;
	t->refused += ok && must_refuse;
	t->matched += ok && !must_refuse;
	if (!ok) {
		t->groups[c.env][c.method][1]++;
		if (++t->failures <= 10) {
			describe(&c, desc, sizeof(desc));
			printf("# case %ld failed (seed %llu): %s\n", k, er->seed, desc);
			/* Each line behind "#": stderr text has lines of its own. */
			for (char *l = strtok(why, "\n"); l; l = strtok(NULL, "\n"))
				printf("#   %s\n", l);
		}
	}
}

/* The cases drawn in one environment, in their order. */
static void run_env(void *p)
{
	const struct env_run *er = p;

	for (long k = 0; k < er->cases; k++)
		if (er->all[k].env == er->env)
			run_one(er, k, &er->all[k]);
}

int main(int argc, char *argv[])
{
	int vg = tl_valgrind_option(&argc, &argv);
	if (vg < 0)
		return 0;
	valgrind = vg > 0;
	if (valgrind)
		top = LIMIT - 100;
	if (argc < 3) {
		fprintf(stderr, "usage: difftest [--valgrind] CLOSEFDS FDPROBE [CASES [SEED]]\n");
		return 2;
	}
	/* Under an emulator that refuses seccomp filters (qemu-user), no case is
	 * drawn in an environment that needs one; those groups are skipped. */
	no_seccomp = tl_emulator() && !tl_seccomp_works();
	long cases = argc > 3 ? atol(argv[3]) : 2000;
	unsigned long long seed = argc > 4 ? strtoull(argv[4], NULL, 0)
					   : (unsigned long long)time(NULL) * 2654435761ULL;
	if (cases < 1)
		cases = 1;

	printf("# seed %llu, %ld cases (rerun: difftest %sCLOSEFDS FDPROBE %ld %llu)\n", seed, cases,
	       valgrind ? "--valgrind " : "", cases, seed);
	for (int k = 0; k < TL_KIND_COUNT; k++)
		if (tl_kind_unavailable((enum tl_kind)k))
			printf("# kind %s is not drawn here: %s\n", tl_kind_name((enum tl_kind)k),
			       tl_kind_unavailable((enum tl_kind)k));
	/* Every case drawn first, in order (the seed gives the same cases), then
	 * run grouped by environment: one mount namespace per environment. */
	struct dcase *all = calloc((size_t)cases, sizeof(*all));
	struct totals *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!all || t == MAP_FAILED) {
		printf("Bail out! no memory for %ld cases\n", cases);
		return 1;
	}
	memset(t, 0, sizeof(*t));
	rng = seed | 1;
	for (long k = 0; k < cases; k++)
		generate(&all[k]);
	struct env_run er = { argv[1], argv[2], seed, cases, all, TL_PLAIN, t };
	bool group_died = false;
	for (int e = 0; e < TL_ENV_COUNT; e++) {
		er.env = (enum tl_env)e;
		group_died |= tl_env_group(er.env, run_env, &er) < 0;
	}
	int n = 0;
	printf("1..%d\n", TL_ENV_COUNT * 5);
	for (int e = 0; e < TL_ENV_COUNT; e++)
		for (int m = 0; m < 5; m++)
			if (no_seccomp && tl_env_uses_seccomp((enum tl_env)e))
				printf("ok %d - %s, %s # SKIP %s refuses seccomp filters (PR_SET_SECCOMP: EINVAL)\n",
				       ++n, tl_env_name((enum tl_env)e), methods[m], tl_emulator());
			else
				printf("%s %d - %s, %s: %d cases, %d differ from the model\n",
				       t->groups[e][m][1] ? "not ok" : "ok", ++n, tl_env_name((enum tl_env)e),
				       methods[m], t->groups[e][m][0], t->groups[e][m][1]);
	printf("# %ld cases: %ld exact tables, %ld refusals as the model says, %d differ (seed %llu)\n",
	       cases, t->matched, t->refused, t->failures, seed);
	int failures = t->failures + group_died;
	free(all);
	tl_cleanup();
	return failures ? 1 : 0;
}
