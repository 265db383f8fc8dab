/* bench.c: how long a whole run of `closefds -- /bin/true` takes, against
 * the reference wrappers of benchref.c and `env /bin/true`, in every
 * environment closefds has to handle.
 *
 *   bench CLOSEFDS BENCHREF [--static CLOSEFDS_STATIC] [--reps N]
 *         [--markdown FILE] [--svg FILE]
 *         [--env plain|eperm|noproc|both]... [--fds 0|10|1000|10000]...
 *         [--sweep] [--dentry] [--check] [--cpu] [--true PATH]
 *
 * --static adds the statically linked closefds as one more subject, its
 * rows beside the dynamic one's.
 * --env and --fds measure only those cells (repeat to add more); the
 * per-slot and finding measurements and the limit sweep run only when the
 * whole matrix does; --sweep runs the limit sweep alone, --dentry the
 * finding measurement alone (what the first read of /proc/self/fd costs
 * per descriptor, in close() calls on empty slots).
 * --true: the COMMAND timed instead of /bin/true (a cross build's own).
 * --cpu: whole runs timed by the child's CPU time (user + system, from
 * wait4) instead of the wall clock: on a loaded shared machine the wall
 * clock also counts the time other processes ran.
 * --check: no timing, only the check of every cell (and sweep cell) that
 * every subject leaves the descriptor set it should (the bench-check test).
 *
 * Each cell of the matrix (open descriptors x environment) runs in its own
 * forked process: it sets RLIMIT_NOFILE to a 20000 limit (soft = hard),
 * opens the descriptors inheritable (every other one O_PATH, which poll()
 * reports as an empty slot), reads a child's table size (FDSize) for the
 * references told it, puts itself in the environment (seccomp, a mount
 * namespace without /proc), checks once that every subject leaves the
 * descriptor set it should (benchref count, which sees every kind, as
 * COMMAND; the one incorrect reference must leave exactly the O_PATH
 * descriptors, so an incorrect subject is seen), then times
 * fork + exec + wait4 of each subject with /bin/true as COMMAND, A B C A B C
 * ..., the order rotated every round.  Reported: medians, and the median of
 * the per-round ratios between two subjects (the figure that counts: a
 * shared machine drifts, a ratio within one round does not).
 *
 * Exit status 1 when a subject leaves the wrong descriptor set or fails;
 * targets are reported, never asserted (timing is noisy).  The target:
 * auto within 3% of the fastest correct subject of each cell (closefds'
 * forced methods and the references that close every kind), and a cost
 * that follows the table, not the limit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdbound.h"
#include "testlib.h"

#define LIMIT_MAX 20000
#define MAX_REPS 2001

/* ---- the matrix ---- */

enum env_id { E_PLAIN, E_EPERM, E_NOPROC, E_BOTH, N_ENVS };

static const enum tl_env env_tl[N_ENVS] = { TL_PLAIN, TL_CR_EPERM, TL_NO_PROC,
					    TL_CR_EPERM_NO_PROC };
static const char *const env_label[N_ENVS] = { "plain", "close_range blocked (EPERM)",
					       "/proc hidden", "EPERM and no /proc" };

/* F_10LOW (3..12) is only in the limit sweep. */
enum fds_id { F_0, F_10, F_1000, F_10000, N_FDS, F_10LOW = N_FDS, N_FDS_ALL };
static const char *const fds_label[N_FDS_ALL] = { "0", "10 spread", "1000", "10000", "10 low" };

enum who { CLOSEFDS, CLOSEFDS_STATIC, REF, ENV };
enum need { ANY = 0, NEED_CR = 1, NEED_PROC = 2, NEED_CR_OR_PROC = 4, NEED_CLOSEFROM = 8 };

struct subject {
	const char *id;
	const char *label;
	enum who who;
	const char *mode; /* closefds --method, or benchref MODE */
	unsigned need;
	bool closes;
	bool incorrect; /* leaves O_PATH descriptors open: timed, never a reference */
};

enum {
	S_FLOOR, S_ENV, S_AUTO, S_CF_CR, S_CF_PROC, S_CF_POLL, S_CF_LOOP, S_CLOEXEC, S_CR,
	S_PROC, S_CLOSEFROM, S_LOOP, S_LOOP_SIZE, S_POLL_FDSIZE, S_POLL_RLIMIT, S_POLL_SIZE,
	S_POLL_ONLY, S_STATIC, N_SUBJ
};

static const struct subject subj[N_SUBJ] = {
	[S_FLOOR] = { "floor", "wrapper that closes nothing (floor)", REF, "none", ANY, false },
	[S_ENV] = { "env", "env /bin/true", ENV, NULL, ANY, false },
	[S_AUTO] = { "auto", "closefds (auto)", CLOSEFDS, NULL, ANY, true },
	[S_CF_CR] = { "m=close_range", "closefds --method=close_range", CLOSEFDS, "close_range",
		      NEED_CR, true },
	[S_CF_PROC] = { "m=proc", "closefds --method=proc", CLOSEFDS, "proc", NEED_PROC, true },
	[S_CF_POLL] = { "m=poll", "closefds --method=poll", CLOSEFDS, "poll", ANY, true },
	[S_CF_LOOP] = { "m=loop", "closefds --method=loop", CLOSEFDS, "loop", ANY, true },
	[S_CLOEXEC] = { "ref cloexec", "one close_range(CLOSE_RANGE_CLOEXEC)", REF, "cloexec",
			NEED_CR, true },
	[S_CR] = { "ref close_range", "close_range(3, ~0U)", REF, "close_range", NEED_CR, true },
	[S_PROC] = { "ref proc", "/proc/self/fd getdents64 scan", REF, "proc", NEED_PROC, true },
	[S_CLOSEFROM] = { "ref closefrom", "glibc closefrom(3)", REF, "closefrom",
			  NEED_CR_OR_PROC | NEED_CLOSEFROM, true },
	[S_LOOP] = { "ref loop", "close() loop to max(soft, hard)", REF, "loop", ANY, true },
	[S_LOOP_SIZE] = { "ref loop size", "close() loop below the table size (told)", REF,
			  "loopsize", ANY, true },
	/* The poll references ask fcntl about every slot poll calls empty
	 * (POLLNVAL is also an open O_PATH descriptor). */
	[S_POLL_FDSIZE] = { "ref poll FDSize", "poll+fcntl scan bounded by FDSize", REF,
			    "poll-fdsize", NEED_PROC, true },
	[S_POLL_RLIMIT] = { "ref poll rlimit", "poll+fcntl scan bounded by max(soft, hard)", REF,
			    "poll-rlimit", ANY, true },
	[S_POLL_SIZE] = { "ref poll size", "poll+fcntl scan below the table size (told)", REF,
			  "pollsize", ANY, true },
	/* The poll scan closefds used before, which trusts POLLNVAL: incorrect, it leaves
	 * every O_PATH descriptor open.  Timed to show what correctness costs. */
	[S_POLL_ONLY] = { "poll-only (incorrect)",
			  "poll scan, table size told: incorrect (misses O_PATH)", REF, "pollonly",
			  ANY, true, true },
	/* With --static PATH: the same closefds linked statically (no ld.so,
	 * no shared libc to map). */
	[S_STATIC] = { "auto static", "closefds (auto), static build", CLOSEFDS_STATIC, NULL, ANY,
		       true },
};

static const char *g_closefds_static; /* --static, or NULL */

/* env is the system's program, of the machine's ABI; a cross build's
 * closefds (i386 on x86_64) is of another, and the environments' seccomp
 * filters kill a process that makes calls of another ABI (testlib.h).
 * There env is not run where a filter is, and the COMMAND is a `true` of
 * the build's ABI (--true). */
static bool g_env_foreign;

/* Whether two ELF files are of one ABI: class, data and machine alike. */
static bool same_abi(const char *a, const char *b)
{
	unsigned char ha[20], hb[20];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	bool same = fa >= 0 && fb >= 0 && read(fa, ha, sizeof(ha)) == (ssize_t)sizeof(ha) &&
		    read(fb, hb, sizeof(hb)) == (ssize_t)sizeof(hb) && ha[4] == hb[4] &&
		    ha[5] == hb[5] && ha[18] == hb[18] && ha[19] == hb[19];

	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static bool subject_runs(int s, enum env_id e)
{
	unsigned need = subj[s].need;
	bool cr = e == E_PLAIN || e == E_NOPROC, proc = e == E_PLAIN || e == E_EPERM;

	if (subj[s].who == ENV && g_env_foreign && !cr)
		return false;
	if ((need & NEED_CLOSEFROM) && !HAVE_CLOSEFROM)
		return false;
	if (subj[s].who == CLOSEFDS_STATIC && !g_closefds_static)
		return false;
	if ((need & NEED_CR) && !cr)
		return false;
	if ((need & NEED_PROC) && !proc)
		return false;
	if ((need & NEED_CR_OR_PROC) && !cr && !proc)
		return false;
	return true;
}

/* What one cell process hands back (shared memory). */
struct cell {
	bool done, ok, skipped;
	char err[512];
	int limit, n_open, n_opath, top_fd; /* n_opath of the n_open are O_PATH */
	int reps;
	bool runs[N_SUBJ];
	double us[N_SUBJ][MAX_REPS];
	long rss[N_SUBJ][MAX_REPS];
	char note[256]; /* closefrom where it cannot run */
	int sweep_limit; /* limit sweep: RLIMIT_NOFILE soft = hard, set after opening */
	int table_size;  /* FDSize of a child, measured before /proc is hidden */
};

static const char *g_closefds, *g_benchref, *g_env = "/usr/bin/env", *g_true = "/bin/true";
static int g_limit; /* RLIMIT_NOFILE of every cell */
static char g_table_size[16]; /* benchref pollsize N: the cell's table size */
static char g_count_bound[16]; /* benchref count N: above every descriptor placed */

/* Names for --env and --fds. */
static const char *const env_opt[N_ENVS] = { "plain", "eperm", "noproc", "both" };
static const char *const fds_opt[N_FDS] = { "0", "10", "1000", "10000" };

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double *c = malloc((size_t)n * sizeof(*c));
	double m;

	if (!c || n == 0) {
		free(c);
		return NAN;
	}
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* The median over the rounds of a's time / b's time in the same round. */
static double ratio(const struct cell *c, int a, int b)
{
	double r[MAX_REPS];

	if (!c->ok || !c->runs[a] || !c->runs[b])
		return NAN;
	for (int i = 0; i < c->reps; i++)
		r[i] = c->us[a][i] / c->us[b][i];
	return median(r, c->reps);
}

static double med_us(const struct cell *c, int s)
{
	return c->ok && c->runs[s] ? median(c->us[s], c->reps) : NAN;
}

static long med_rss(const struct cell *c, int s)
{
	double v[MAX_REPS];

	if (!c->ok || !c->runs[s])
		return -1;
	for (int i = 0; i < c->reps; i++)
		v[i] = (double)c->rss[s][i];
	return (long)median(v, c->reps);
}

/* ---- one cell ---- */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* In-process measurements count this thread's CPU time: on a shared
 * machine the wall clock also counts the time other processes ran, which
 * for a loop of 20000 calls under a load of 10 on 2 CPUs is most of it. */
static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* --cpu: a whole run is timed by the CPU time (user + system) of the
 * child, from wait4, instead of the wall clock. */
static bool g_cpu;

/* argv for subject s running command cmd (NULL-terminated, at most 4 words). */
static void subject_argv(int s, const char *const *cmd, const char **argv)
{
	static char method[64];
	int n = 0;

	switch (subj[s].who) {
	case CLOSEFDS:
		argv[n++] = g_closefds;
		if (subj[s].mode) {
			snprintf(method, sizeof(method), "--method=%s", subj[s].mode);
			argv[n++] = method;
		}
		argv[n++] = "--";
		break;
	case CLOSEFDS_STATIC:
		argv[n++] = g_closefds_static;
		argv[n++] = "--";
		break;
	case REF:
		argv[n++] = g_benchref;
		argv[n++] = subj[s].mode;
		if (s == S_POLL_SIZE || s == S_LOOP_SIZE || s == S_POLL_ONLY)
			argv[n++] = g_table_size;
		argv[n++] = "--";
		break;
	case ENV:
		argv[n++] = g_env;
		break;
	}
	for (int i = 0; cmd[i]; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
}

/* Between timed runs: let the previous run's deferred work (RCU callbacks
 * freeing its files and descriptor table) finish off the clock. */
static void settle(void)
{
	struct timespec ts = { 0, 2000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* fork + exec + wait4; returns the wait status, the time and peak RSS. */
static int run_once(const char *const *argv, double *us, long *rss, bool quiet)
{
	struct rusage ru;
	int status;
	long long t0 = now_ns();
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
			if (null >= 0)
				dup3(null, 2, 0);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (us && g_cpu)
		*us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	else if (us)
		*us = (double)(now_ns() - t0) / 1000.0;
	if (rss)
		*rss = ru.ru_maxrss;
	return status;
}

static void cell_fail(struct cell *c, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what, strerror(errno));
	c->ok = false;
}

/* Every other descriptor placed (the 2nd, 4th, ...) is an O_PATH
 * descriptor on "/": poll() calls it empty, so a subject that trusts
 * POLLNVAL leaves it open, and the check before timing sees it. */
static int place_fds(enum fds_id f, int limit, struct cell *c)
{
	int n = 0, src = open("/dev/null", O_RDWR | O_CLOEXEC);
	int path = open("/", O_PATH | O_CLOEXEC);
	int count = f == F_0 ? 0 : f == F_10 || f == F_10LOW ? 10 : f == F_1000 ? 1000 : 10000;

	if (src < 0 || path < 0)
		return -1;
	/* Moved above every number used, so they are never one of them. */
	int hidden = fcntl(src, F_DUPFD_CLOEXEC, limit - 2);
	int hidden_path = fcntl(path, F_DUPFD_CLOEXEC, limit - 2);
	close(src);
	close(path);
	if (hidden < 0 || hidden_path < 0)
		return -1;
	c->top_fd = 2;
	c->n_opath = 0;
	for (int i = 0; i < count; i++) {
		/* Spread: 3, then evenly up to limit - 5 (19995 at 20000). */
		int fd = f == F_10 ? 3 + (int)((long long)i * (limit - 8) / (count - 1)) : 3 + i;
		if (fd >= limit - 2 || dup2(i % 2 ? hidden_path : hidden, fd) < 0)
			return -1;
		n++;
		c->n_opath += i % 2;
		c->top_fd = fd;
	}
	close(hidden);
	close(hidden_path);
	c->n_open = n;
	return 0;
}

/* FDSize of a child of this process (fork sizes its table to cover the
 * open descriptors, so every subject gets the same), from `benchref
 * fdsize`; -1 if it cannot be read. */
static int child_table_size(void)
{
	const char *const argv[] = { g_benchref, "fdsize", NULL };
	char buf[32];
	int p[2], status, n = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	ssize_t k = pid < 0 ? -1 : read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0 || k <= 0)
		return -1;
	buf[k] = '\0';
	n = atoi(buf);
	return n > 0 ? n : -1;
}

/* The subjects of the limit sweep. */
#define SWEEP_SUBJECTS                                                                        \
	(1U << S_FLOOR | 1U << S_AUTO | 1U << S_LOOP_SIZE | 1U << S_POLL_SIZE |               \
	 1U << S_POLL_RLIMIT)

/* One cell: the descriptors are opened under limit, the table size of a
 * child is read while /proc is still there (for the subjects told it),
 * then, in the limit sweep (sweep_limit > 0), soft = hard = sweep_limit
 * (which may be below open descriptors: a hard limit lowered after they
 * were opened), then the environment.  The matrix runs every subject that
 * can run there, the sweep the SWEEP_SUBJECTS only. */
static void cell_run(enum env_id e, enum fds_id f, int reps, int limit, int sweep_limit,
		     struct cell *c)
{
	struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };
	const char *const check[] = { g_benchref, "count", g_count_bound, NULL };
	const char *const run[] = { g_true, NULL };
	const char *argv[16];
	int order[N_SUBJ], ns = 0, status;

	c->ok = true;
	c->reps = reps;
	c->limit = sweep_limit ? sweep_limit : limit;
	c->sweep_limit = sweep_limit;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		cell_fail(c, "setrlimit");
		return;
	}
	if (place_fds(f, limit, c) < 0) {
		cell_fail(c, "cannot open the descriptors");
		return;
	}
	if ((c->table_size = child_table_size()) < 0) {
		cell_fail(c, "cannot read a child's FDSize");
		return;
	}
	snprintf(g_table_size, sizeof(g_table_size), "%d", c->table_size);
	/* Every descriptor placed is below both. */
	snprintf(g_count_bound, sizeof(g_count_bound), "%d",
		 c->table_size < limit ? c->table_size : limit);
	if (sweep_limit) {
		struct rlimit lowered = { (rlim_t)sweep_limit, (rlim_t)sweep_limit };
		if (setrlimit(RLIMIT_NOFILE, &lowered) < 0) {
			cell_fail(c, "setrlimit (sweep)");
			return;
		}
	}
	if (tl_env_apply(env_tl[e]) < 0) {
		cell_fail(c, "cannot set up the environment");
		return;
	}

	for (int s = 0; s < N_SUBJ; s++) {
		if (sweep_limit)
			/* A scan to the limit misses what is above it: not timed. */
			c->runs[s] = (SWEEP_SUBJECTS & 1U << s) &&
				     !(s == S_POLL_RLIMIT && c->top_fd >= sweep_limit);
		else
			c->runs[s] = subject_runs(s, e);
		if (!c->runs[s])
			continue;
		order[ns++] = s;
		/* Correctness first: the subject leaves what it should (benchref
		 * count sees every kind); the incorrect one must leave exactly
		 * the O_PATH descriptors, or the benchmark could not tell. */
		subject_argv(s, check, argv);
		status = run_once(argv, NULL, NULL, false);
		int left = !subj[s].closes ? c->n_open : subj[s].incorrect ? c->n_opath : 0;
		int want = left > 254 ? 254 : left;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != want) {
			snprintf(c->err, sizeof(c->err),
				 "%s left the wrong descriptors: status 0x%x, want exit %d",
				 subj[s].label, (unsigned)status, want);
			c->ok = false;
			return;
		}
	}
	if (HAVE_CLOSEFROM && !sweep_limit && !c->runs[S_CLOSEFROM]) {
		subject_argv(S_CLOSEFROM, run, argv);
		status = run_once(argv, NULL, NULL, true);
		snprintf(c->note, sizeof(c->note), "glibc closefrom() %s here",
			 WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? "aborts (SIGABRT)"
			 : status == 0				    ? "ran"
								    : "failed");
	}
	if (reps == 0)
		return; /* --check: correctness only */
	for (int w = 0; w < 3; w++)
		for (int k = 0; k < ns; k++) {
			subject_argv(order[k], run, argv);
			run_once(argv, NULL, NULL, false);
		}
	/* Each round in a new random order (fixed seed): a rotation would keep
	 * every subject behind the same one, which leaves it its deferred work
	 * (RCU frees after 10000 closes cost the next run about 25%). */
	unsigned long long rng = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)(e * N_FDS + f) ^
				 ((unsigned long long)sweep_limit << 20);
	for (int i = 0; i < reps; i++) {
		for (int k = ns - 1; k > 0; k--) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			int j = (int)(rng % (unsigned long long)(k + 1)), t = order[k];
			order[k] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < ns; k++) {
			int s = order[k];
			settle();
			subject_argv(s, run, argv);
			status = run_once(argv, &c->us[s][i], &c->rss[s][i], false);
			if (status != 0) {
				snprintf(c->err, sizeof(c->err), "%s: status 0x%x", subj[s].label,
					 (unsigned)status);
				c->ok = false;
				return;
			}
		}
	}
}

static struct cell *cell_measure(enum env_id e, enum fds_id f, int reps, int limit,
				 int sweep_limit)
{
	struct cell *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	int status;

	if (c == MAP_FAILED)
		return NULL;
	memset(c, 0, sizeof(*c));
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		cell_run(e, f, reps, limit, sweep_limit, c);
		c->done = true;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!c->done) {
		c->ok = false;
		snprintf(c->err, sizeof(c->err), "cell process died: status 0x%x", (unsigned)status);
	}
	return c;
}

static struct cell *cell_skipped(void)
{
	static struct cell skipped = { .done = true, .skipped = true, .err = "not selected" };

	return &skipped;
}

static struct cell *cell_unstartable(void)
{
	static struct cell c = { .done = true, .skipped = true,
				 .err = "every slot below the limit is taken: no dynamically "
					"linked program starts" };

	return &c;
}

/* ---- per-slot cost of poll(), fcntl and close(), in process ---- */

#define SLOT_POINTS 5
static const int slot_limits[SLOT_POINTS] = { 1250, 2500, 5000, 10000, 20000 };

enum { SL_POLL_ONLY, SL_POLL_FCNTL, SL_LOOP, N_SL };
static const char *const sl_label[N_SL] = { "poll only (incorrect)", "poll + fcntl",
					    "close() loop" };

struct slots {
	int n;
	int limit[SLOT_POINTS];
	double us[N_SL][SLOT_POINTS];
	double a[N_SL], b[N_SL]; /* t = a + b * limit, us */
	bool done;
};

/* A poll scan of 3..limit-1 in batches of 1024: closes what it finds, or
 * with found only counts it.  With ask, every slot poll calls empty
 * (POLLNVAL: empty or O_PATH) is asked again with fcntl(F_GETFD), as
 * closefds' fd_find_open() does; without, an O_PATH descriptor is missed.
 * Returns microseconds. */
static double time_poll_scan(int limit, bool ask, int *found)
{
	struct pollfd p[1024];
	long long t0 = cpu_ns();

	for (int start = 3; start < limit; start += 1024) {
		int n = limit - start < 1024 ? limit - start : 1024;
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = start + i };
		poll(p, (nfds_t)n, 0);
		for (int i = 0; i < n; i++) {
			if ((p[i].revents & POLLNVAL) && (!ask || fcntl(p[i].fd, F_GETFD) < 0))
				continue;
			if (found)
				++*found;
			else
				close(p[i].fd);
		}
	}
	return (double)(cpu_ns() - t0) / 1000.0;
}

static double time_close_loop(int limit)
{
	long long t0 = cpu_ns();

	for (int fd = 3; fd < limit; fd++)
		close(fd);
	return (double)(cpu_ns() - t0) / 1000.0;
}

static void fit(const int *x, const double *y, int n, double *a, double *b)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += (double)x[i] * x[i];
		sxy += (double)x[i] * y[i];
	}
	*b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	*a = (sy - *b * sx) / n;
}

static void slots_child(int reps, int hard, struct slots *sl)
{
	static double t[N_SL][MAX_REPS];

	for (int fd = 3; fd < hard; fd++)
		close(fd);
	for (int k = 0; k < SLOT_POINTS && slot_limits[k] <= hard; k++) {
		struct rlimit rl = { (rlim_t)slot_limits[k], (rlim_t)hard };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			break;
		for (int i = 0; i < reps; i++) {
			t[SL_POLL_ONLY][i] = time_poll_scan(slot_limits[k], false, NULL);
			t[SL_POLL_FCNTL][i] = time_poll_scan(slot_limits[k], true, NULL);
			t[SL_LOOP][i] = time_close_loop(slot_limits[k]);
		}
		sl->limit[k] = slot_limits[k];
		for (int m = 0; m < N_SL; m++)
			sl->us[m][k] = median(t[m], reps);
		sl->n = k + 1;
	}
	if (sl->n >= 2)
		for (int m = 0; m < N_SL; m++)
			fit(sl->limit, sl->us[m], sl->n, &sl->a[m], &sl->b[m]);
	sl->done = true;
}

static struct slots *slots_measure(int reps, int hard)
{
	struct slots *sl = mmap(NULL, sizeof(*sl), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (sl == MAP_FAILED)
		return NULL;
	memset(sl, 0, sizeof(*sl));
	pid_t pid = fork();
	if (pid == 0) {
		slots_child(reps, hard, sl);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return sl;
}

/* FDSize from /proc/self/status, or the RLIMIT_NOFILE soft limit. */
static double fdsize_of_self(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	struct rlimit rl;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		const char *p = strstr(buf, "\nFDSize:");
		if (p)
			return atof(p + 8);
	}
	return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (double)rl.rlim_cur : 1024;
}

/* ---- finding open descriptors: poll(), poll + fcntl, /proc/self/fd ----
 *
 * The whole-run figures include closing every open descriptor, which costs
 * the same whichever way they were found.  This isolates the finding: a
 * fresh process (fresh /proc/self dentries, as every closefds run has)
 * with n open descriptors, every other one O_PATH, lists them with a
 * poll-only scan below FDSize (which misses the O_PATH half), a poll +
 * fcntl scan below FDSize, and a getdents64 scan of /proc/self/fd (its
 * first read instantiates a dentry per descriptor); nothing is closed.
 * Then it times close() on empty slots: the unit of auto's choice between
 * /proc and the close() loop (method_proc.c, DENTRY_COST_IN_CALLS). */

#define FIND_CLOSES 4096
#define FIND_POINTS 3
static const int find_counts[FIND_POINTS] = { 100, 1000, 10000 };

struct finding {
	bool done;
	int n_open, reps, table;
	double only_us[MAX_REPS], poll_us[MAX_REPS], proc_us[MAX_REPS], close_ns[MAX_REPS];
	int only_found;
};

static double time_find_proc(int *found)
{
	_Alignas(8) char buf[8192];
	long long t0 = cpu_ns();
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	*found = 0;
	if (dir < 0)
		return NAN;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			const char *name = buf + off + 19;
			off += reclen;
			*found += name[0] >= '0' && name[0] <= '9' && atoi(name) >= 3;
		}
	close(dir);
	*found -= 1; /* the directory itself */
	return (double)(cpu_ns() - t0) / 1000.0;
}

/* ns per close() of an empty slot: FIND_CLOSES calls on the empty slots
 * from first up to below size, round and round. */
static double time_close_empty(int first, int size)
{
	int span = size - first > 0 ? size - first : 1;
	long long t0 = cpu_ns();

	for (int i = 0; i < FIND_CLOSES; i++)
		close(first + i % span);
	return (double)(cpu_ns() - t0) / FIND_CLOSES;
}

static struct finding *finding_measure(int reps, int limit, int n_open)
{
	struct finding *fi = mmap(NULL, sizeof(*fi), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };

	if (fi == MAP_FAILED)
		return NULL;
	memset(fi, 0, sizeof(*fi));
	pid_t holder = fork();
	if (holder < 0)
		return fi;
	if (holder == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(1);
		for (int fd = 3; fd < limit; fd++)
			close(fd);
		/* Every other one O_PATH, as place_fds does. */
		{
			int src = open("/dev/null", O_RDONLY | O_CLOEXEC);
			int path = open("/", O_PATH | O_CLOEXEC);
			int hs = fcntl(src, F_DUPFD_CLOEXEC, limit - 2);
			int hp = fcntl(path, F_DUPFD_CLOEXEC, limit - 2);
			close(src);
			close(path);
			for (int i = 0; i < n_open; i++)
				if (hs < 0 || hp < 0 || dup2(i % 2 ? hp : hs, 3 + i) < 0)
					_exit(1);
			close(hs);
			close(hp);
		}
		for (int i = 0; i < reps; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				int a = 0, b = 0;
				double sz = fdsize_of_self();
				fi->only_us[i] = time_poll_scan((int)sz, false, &a);
				fi->only_found = a;
				a = 0;
				fi->poll_us[i] = time_poll_scan((int)sz, true, &a);
				fi->proc_us[i] = time_find_proc(&b);
				fi->close_ns[i] = time_close_empty(3 + n_open, (int)sz);
				fi->table = (int)sz;
				_exit(a == n_open && b == n_open ? 0 : 1);
			}
			int status;
			if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
				_exit(1);
		}
		fi->n_open = n_open;
		fi->reps = reps;
		fi->done = true;
		_exit(0);
	}
	waitpid(holder, NULL, 0);
	return fi;
}

/* The median over the rounds of f(round). */
static double finding_median(const struct finding *fi, double (*f)(const struct finding *, int))
{
	double r[MAX_REPS];

	for (int i = 0; i < fi->reps; i++)
		r[i] = f(fi, i);
	return median(r, fi->reps);
}

/* /proc's first read per open descriptor, in close() calls on empty slots. */
static double dentry_in_calls(const struct finding *fi, int i)
{
	return fi->proc_us[i] * 1000.0 / fi->n_open / fi->close_ns[i];
}

static double dentry_ns(const struct finding *fi, int i)
{
	return fi->proc_us[i] * 1000.0 / fi->n_open;
}

static void print_finding(FILE *out, struct finding *const fis[FIND_POINTS], bool md)
{
	bool any = false;

	for (int k = 0; k < FIND_POINTS; k++)
		any = any || (fis[k] && fis[k]->done);
	if (!any)
		return;
	if (md)
		fputs("\nFinding the open descriptors (every other one O_PATH; nothing closed), "
		      "median us of fresh processes:\n\n| open | table | poll only (found) | "
		      "poll + fcntl | /proc/self/fd | ns per descriptor, /proc | close() on an "
		      "empty slot, ns | /proc per descriptor, in close() calls |\n"
		      "|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		      out);
	else
		fprintf(out,
			"\n== finding the open descriptors (every other one O_PATH), nothing "
			"closed, fresh processes, median us ==\n%6s %6s %18s %12s %12s %14s %16s "
			"%14s\n",
			"open", "table", "poll only (found)", "poll+fcntl", "/proc scan",
			"ns/desc /proc", "close() empty ns", "/proc in calls");
	for (int k = 0; k < FIND_POINTS; k++) {
		const struct finding *fi = fis[k];
		if (!fi || !fi->done)
			continue;
		char only[48];
		snprintf(only, sizeof(only), "%.1f (%d)", median(fi->only_us, fi->reps),
			 fi->only_found);
		fprintf(out,
			md ? "| %d | %d | %s | %.1f | %.1f | %.0f | %.0f | %.2f |\n"
			   : "%6d %6d %18s %12.1f %12.1f %14.0f %16.0f %14.2f\n",
			fi->n_open, fi->table, only, median(fi->poll_us, fi->reps),
			median(fi->proc_us, fi->reps), finding_median(fi, dentry_ns),
			median(fi->close_ns, fi->reps), finding_median(fi, dentry_in_calls));
	}
}

/* ---- the limit sweep: close_range blocked, no /proc, the limit moved ----
 *
 * With neither close_range nor /proc, closefds used to poll below max(soft,
 * hard): 3.9 ns per slot of the limit.  It now asks select() for the table
 * size, which does not follow the limit.  Each cell opens its descriptors
 * (none, 10 at 3..12, or 10000 at 3..10002) under the 20000 limit, then
 * sets soft = hard = L for L from 1024 to the hard limit (for 10000 open
 * only L above 10003: with every slot below the limit taken, ld.so cannot
 * open libc and no dynamically linked program starts), and times auto against
 * a poll scan told the table size (read from FDSize before /proc is
 * hidden) and the poll scan to max(soft, hard).  A least-squares fit of the
 * per-round extra time over the floor against L gives the cost per slot of
 * the limit and the whole run at 2^20 and 2^30. */

#define SWEEP_POINTS 8
static const int sweep_limit_list[SWEEP_POINTS] = { 1024,  2048,  4096,  8192,
						     10240, 12288, 16384, LIMIT_MAX };
enum { SW_0, SW_10LOW, SW_10000, N_SWEEP_FDS };
static const enum fds_id sweep_fds[N_SWEEP_FDS] = { F_0, F_10LOW, F_10000 };

struct sweep {
	int n; /* points measured */
	int limit[SWEEP_POINTS];
	struct cell *c[N_SWEEP_FDS][SWEEP_POINTS];
};

/* The lowest limit row k was measured at. */
static int sweep_first(const struct sweep *sw, int k)
{
	for (int i = 0; i < sw->n; i++)
		if (!sw->c[k][i]->skipped)
			return sw->limit[i];
	return 0;
}

/* The median of the floor's medians over the points of row k. */
static double sweep_floor(const struct sweep *sw, int k)
{
	double v[SWEEP_POINTS];
	int n = 0;

	for (int i = 0; i < sw->n; i++)
		if (!isnan(med_us(sw->c[k][i], S_FLOOR)))
			v[n++] = med_us(sw->c[k][i], S_FLOOR);
	return median(v, n);
}

static struct sweep *sweep_measure(int reps, int hard, bool *ok)
{
	static struct sweep sw;

	for (int i = 0; i < SWEEP_POINTS; i++) {
		int l = sweep_limit_list[i] < hard ? sweep_limit_list[i] : hard;
		if (sw.n > 0 && sw.limit[sw.n - 1] >= l)
			continue;
		sw.limit[sw.n++] = l;
	}
	for (int k = 0; k < N_SWEEP_FDS; k++)
		for (int i = 0; i < sw.n; i++) {
			if (sweep_fds[k] == F_10000 && sw.limit[i] < 10000 + 4) {
				sw.c[k][i] = cell_unstartable();
				continue;
			}
			struct cell *c = cell_measure(E_BOTH, sweep_fds[k], reps, hard, sw.limit[i]);
			if (!c) {
				fprintf(stderr, "bench: mmap/fork: %s\n", strerror(errno));
				*ok = false;
				return NULL;
			}
			sw.c[k][i] = c;
			*ok &= c->ok;
			fprintf(stderr, "bench: sweep, %s open, limit %d: %s\n",
				fds_label[sweep_fds[k]], sw.limit[i], c->ok ? "done" : c->err);
		}
	return &sw;
}

/* In process, where a nanosecond per slot can be resolved (a whole run
 * jitters by far more than 0.4 ns x 20000 slots): what auto does to find
 * the descriptors, fd_bound_get() of libclosefds (the select probe here)
 * and a poll scan below its bound, against a poll scan below max(soft,
 * hard), both only counting.  Same environment and same descriptors as the
 * row's cells, the limit set after opening them, so the 10000 row runs at
 * every limit here (the scan to the limit then misses those above it). */
struct sweep_slots {
	bool done;
	double auto_us[N_SWEEP_FDS][SWEEP_POINTS], rlimit_us[N_SWEEP_FDS][SWEEP_POINTS];
	int bound[N_SWEEP_FDS][SWEEP_POINTS], found_rlimit[N_SWEEP_FDS][SWEEP_POINTS];
	char err[256];
};

static void sweep_slots_child(int reps, int hard, const struct sweep *sw, struct sweep_slots *ss)
{
	double a[MAX_REPS], r[MAX_REPS];
	struct rlimit rl = { (rlim_t)hard, (rlim_t)hard };
	struct cell dummy;

	for (int k = 0; k < N_SWEEP_FDS; k++)
		for (int i = 0; i < sw->n; i++) {
			pid_t pid = fork();
			if (pid < 0)
				return;
			if (pid > 0) {
				int status;
				if (waitpid(pid, &status, 0) < 0 || status != 0)
					return;
				continue;
			}
			struct rlimit lowered = { (rlim_t)sw->limit[i], (rlim_t)sw->limit[i] };
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0 ||
			    place_fds(sweep_fds[k], hard, &dummy) < 0 ||
			    setrlimit(RLIMIT_NOFILE, &lowered) < 0 || tl_env_apply(env_tl[E_BOTH]) < 0)
				_exit(1);
			/* A fork's table covers only what is open, as a subject's does
			 * (place_fds grew this one to the hard limit). */
			pid_t g = fork();
			if (g < 0)
				_exit(1);
			if (g > 0) {
				int st;
				_exit(waitpid(g, &st, 0) == g && st == 0 ? 0 : 1);
			}
			for (int j = 0; j < reps; j++) {
				struct fd_bound b;
				int found = 0;
				long long t0 = cpu_ns();
				fd_bound_get(&b);
				a[j] = (double)(cpu_ns() - t0) / 1000.0 + time_poll_scan(b.limit, true, &found);
				if (b.source != BOUND_SELECT || found != dummy.n_open)
					_exit(1);
				found = 0;
				r[j] = time_poll_scan(sw->limit[i], true, &found);
				ss->bound[k][i] = b.limit;
				ss->found_rlimit[k][i] = found;
			}
			ss->auto_us[k][i] = median(a, reps);
			ss->rlimit_us[k][i] = median(r, reps);
			_exit(0);
		}
	ss->done = true;
}

static struct sweep_slots *sweep_slots_measure(int reps, int hard, const struct sweep *sw)
{
	struct sweep_slots *ss = mmap(NULL, sizeof(*ss), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (ss == MAP_FAILED)
		return NULL;
	memset(ss, 0, sizeof(*ss));
	pid_t pid = fork();
	if (pid == 0) {
		sweep_slots_child(reps, hard, sw, ss);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return ss;
}

/* Fit row k of the in-process sweep: t = a + b * limit (us). */
static void sweep_slots_fit(const struct sweep *sw, const struct sweep_slots *ss, int k,
			    bool rlimit, double *a, double *b)
{
	fit(sw->limit, rlimit ? ss->rlimit_us[k] : ss->auto_us[k], sw->n, a, b);
}

/* ---- targets ---- */

struct target {
	const char *what;
	double value, limit;
	bool at_least; /* value must be >= limit (else <=) */
};

#define MAX_TARGETS 128
static struct target targets[MAX_TARGETS];
static int n_targets;

static void target(const char *what, double value, double limit, bool at_least)
{
	if (n_targets < MAX_TARGETS)
		targets[n_targets++] = (struct target){ what, value, limit, at_least };
}

static bool target_met(const struct target *t)
{
	return !isnan(t->value) && (t->at_least ? t->value >= t->limit : t->value <= t->limit);
}

static char *fmtd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmtd(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The subjects auto is held to in a cell: every correct way to close that
 * ran there, closefds' forced methods and the references; not the floor,
 * env, auto itself (either build) or the incorrect poll-only scan. */
static bool is_reference(int s)
{
	return subj[s].closes && !subj[s].incorrect && s != S_AUTO && s != S_STATIC;
}

/* The correct subject with the lowest median in c, or -1. */
static int fastest_correct(const struct cell *c)
{
	int best = -1;

	if (!c->ok)
		return -1;
	for (int s = 0; s < N_SUBJ; s++)
		if (is_reference(s) && c->runs[s] && (best < 0 || med_us(c, s) < med_us(c, best)))
			best = s;
	return best;
}

static void evaluate(struct cell *cells[N_ENVS][N_FDS], const struct sweep *sw,
		     const struct sweep_slots *ss)
{
	struct cell *c;

	c = cells[E_PLAIN][F_10];
	target("plain, 10 spread: auto / env /bin/true", ratio(c, S_AUTO, S_ENV), 1.00, false);
	target("plain, 10 spread: auto / floor", ratio(c, S_AUTO, S_FLOOR), 1.03, false);
	if (c->runs[S_STATIC]) {
		target("plain, 10 spread: static auto / env /bin/true", ratio(c, S_STATIC, S_ENV),
		       1.00, false);
		target("plain, 10 spread: static auto / dynamic auto", ratio(c, S_STATIC, S_AUTO),
		       1.00, false);
	}
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++) {
			c = cells[e][f];
			int b = fastest_correct(c);
			if (b >= 0)
				target(fmtd("%s, %s: auto / fastest correct (%s)", env_label[e],
					    fds_label[f], subj[b].id),
				       ratio(c, S_AUTO, b), 1.03, false);
		}
	if (sw) {
		for (int k = 0; k < N_SWEEP_FDS; k++)
			for (int i = 0; i < sw->n; i++) {
				c = sw->c[k][i];
				int b = fastest_correct(c);
				if (!c->skipped && b >= 0)
					target(fmtd("sweep, EPERM+no /proc, %s, limit %d: auto / "
						    "fastest correct (%s)",
						    fds_label[sweep_fds[k]], sw->limit[i], subj[b].id),
					       ratio(c, S_AUTO, b), 1.03, false);
			}
		/* O(table), not O(limit): auto's cost per slot of the limit is
		 * at most a tenth of that of a correct scan to the limit. */
		for (int k = 0; k < N_SWEEP_FDS && ss && ss->done; k++) {
			double a, b, ra, rb;
			sweep_slots_fit(sw, ss, k, false, &a, &b);
			sweep_slots_fit(sw, ss, k, true, &ra, &rb);
			target(fmtd("sweep, EPERM+no /proc, %s: |auto's ns per slot of the limit| "
				    "(in process; a tenth of the correct scan to the limit's)",
				    fds_label[sweep_fds[k]]),
			       fabs(b * 1000), rb * 100, false);
		}
	}
	for (int e = 0; e < N_ENVS; e++) {
		long worst = -1, env_rss = -1;
		for (int f = 0; f < N_FDS; f++) {
			c = cells[e][f];
			for (int s = S_AUTO; s <= S_CF_LOOP; s++)
				if (med_rss(c, s) > worst)
					worst = med_rss(c, s);
			if (env_rss < 0 || (med_rss(c, S_ENV) >= 0 && med_rss(c, S_ENV) < env_rss))
				env_rss = med_rss(c, S_ENV);
		}
		target(fmtd("%s: peak RSS, largest closefds run / smallest env run (KiB %ld / %ld)",
			    env_label[e], worst, env_rss),
		       worst < 0 || env_rss < 0 ? NAN : (double)worst / (double)env_rss, 1.00, false);
	}
}

/* What correctness costs: in each cell, the correct poll scan (told the
 * table size) and auto against the poll-only scan that misses O_PATH. */
static void print_correctness(FILE *out, struct cell *cells[N_ENVS][N_FDS], bool md)
{
	fprintf(out,
		md ? "\nWhat correctness costs: median us of the poll-only scan (incorrect), "
		     "the poll + fcntl scan (both told the table size) and auto; in brackets "
		     "the median per-round ratio to poll-only.\n\n| environment | open | "
		     "poll only | poll + fcntl | auto |\n|---|---:|---:|---:|---:|\n"
		   : "\n== what correctness costs: us (x poll-only, per-round median) ==\n"
		     "%-28s %10s %10s %20s %20s\n",
		"environment", "open", "poll only", "poll+fcntl", "auto");
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++) {
			const struct cell *c = cells[e][f];
			if (c->skipped || !c->ok || !c->runs[S_POLL_ONLY])
				continue;
			char p[40], a[40];
			snprintf(p, sizeof(p), "%.0f (%.2f)", med_us(c, S_POLL_SIZE),
				 ratio(c, S_POLL_SIZE, S_POLL_ONLY));
			snprintf(a, sizeof(a), "%.0f (%.2f)", med_us(c, S_AUTO),
				 ratio(c, S_AUTO, S_POLL_ONLY));
			fprintf(out, md ? "| %s | %s | %.0f | %s | %s |\n"
					: "%-28s %10s %10.0f %20s %20s\n",
				env_label[e], fds_label[f], med_us(c, S_POLL_ONLY), p, a);
		}
}

/* ---- output ---- */

static void print_machine(FILE *out, bool md)
{
	struct utsname u;
	char model[256] = "?";
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (f) {
		char line[512];
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p) {
					snprintf(model, sizeof(model), "%s", p + 2);
					model[strcspn(model, "\n")] = '\0';
				}
				break;
			}
		fclose(f);
	}
	uname(&u);
	fprintf(out, "%sMachine: %s %s %s, %s, %ld CPUs\n", md ? "" : "# ", u.sysname, u.release,
		u.machine, model, sysconf(_SC_NPROCESSORS_ONLN));
}

static void print_cells(FILE *out, struct cell *cells[N_ENVS][N_FDS])
{
	for (int e = 0; e < N_ENVS; e++) {
		bool any = false;
		for (int f = 0; f < N_FDS; f++)
			any = any || !cells[e][f]->skipped;
		if (!any)
			continue;
		fprintf(out, "\n== %s (limit %d) ==\n", env_label[e], g_limit);
		fprintf(out, "%-38s", "median us (x floor, per-round median)");
		for (int f = 0; f < N_FDS; f++)
			fprintf(out, " %20s", fds_label[f]);
		fprintf(out, " %9s\n", "RSS KiB");
		for (int s = 0; s < N_SUBJ; s++) {
			bool shown = false;
			for (int f = 0; f < N_FDS; f++)
				shown = shown || cells[e][f]->runs[s];
			if (!shown)
				continue;
			fprintf(out, "%-38s", subj[s].label);
			long rss = -1;
			for (int f = 0; f < N_FDS; f++) {
				struct cell *c = cells[e][f];
				char buf[64];
				if (c->skipped)
					snprintf(buf, sizeof(buf), ".");
				else if (!c->ok)
					snprintf(buf, sizeof(buf), "error");
				else if (!c->runs[s])
					snprintf(buf, sizeof(buf), "-");
				else
					snprintf(buf, sizeof(buf), "%.0f (%.3f)", med_us(c, s),
						 ratio(c, s, S_FLOOR));
				if (med_rss(c, s) > rss)
					rss = med_rss(c, s);
				fprintf(out, " %20s", buf);
			}
			fprintf(out, " %9ld\n", rss);
		}
		for (int f = 0; f < N_FDS; f++) {
			if (!cells[e][f]->ok && !cells[e][f]->skipped)
				fprintf(out, "  %s: ERROR: %s\n", fds_label[f], cells[e][f]->err);
			if (cells[e][f]->note[0] && f == F_10)
				fprintf(out, "  note: %s\n", cells[e][f]->note);
		}
	}
}

/* Per-slot costs, and the fit extrapolated to limits of 2^20 and 2^30. */
static void print_slots(FILE *out, const struct slots *sl, bool md)
{
	if (!sl || !sl->done || sl->n < 2)
		return;
	if (md)
		fprintf(out, "\nPer slot, empty table, in process (median us, ns per slot):\n\n"
			     "| limit | %s | ns/slot | %s | ns/slot | %s | ns/slot |\n"
			     "|---:|---:|---:|---:|---:|---:|---:|\n",
			sl_label[0], sl_label[1], sl_label[2]);
	else
		fprintf(out, "\n== per-slot cost, empty table, in process (us, ns/slot) ==\n"
			     "%10s %28s %20s %20s\n",
			"limit", sl_label[0], sl_label[1], sl_label[2]);
	for (int k = 0; k < sl->n + 2; k++) {
		bool fitted = k >= sl->n;
		double n = fitted ? (double)(1LL << (k == sl->n ? 20 : 30)) : sl->limit[k];
		char lim[32];
		if (fitted)
			snprintf(lim, sizeof(lim), "2^%d (fit)", k == sl->n ? 20 : 30);
		else
			snprintf(lim, sizeof(lim), "%d", sl->limit[k]);
		fprintf(out, md ? "| %s |" : "%10s", lim);
		for (int m = 0; m < N_SL; m++) {
			double us = fitted ? sl->a[m] + sl->b[m] * n : sl->us[m][k];
			fprintf(out, md ? " %.1f | %.1f |" : " %19.1f %8.1f", us, us * 1000 / n);
		}
		fputc('\n', out);
	}
}

static void print_sweep(FILE *out, const struct sweep *sw, const struct sweep_slots *ss,
			bool md)
{
	if (!sw)
		return;
	if (md)
		fprintf(out, "\n**Limit sweep: close_range blocked and no /proc, soft = hard limit "
			     "set after opening** (median us; in brackets auto / the fastest "
			     "correct reference of the cell; \"-\": the scan to the limit would "
			     "miss descriptors above it)\n");
	else
		fprintf(out, "\n== limit sweep: %s, soft = hard limit set after opening ==\n",
			env_label[E_BOTH]);
	for (int k = 0; k < N_SWEEP_FDS; k++) {
		const struct cell *c0 = sw->c[k][sw->n - 1];
		if (md)
			fprintf(out, "\n%s open, table size %d\n\n| limit | floor | auto (/ fastest) "
				     "| close() loop below table size | poll+fcntl below table size "
				     "| poll+fcntl to max(soft, hard) |\n|---:|---:|---:|---:|---:|---:|\n",
				fds_label[sweep_fds[k]], c0->table_size);
		else
			fprintf(out, "%s open (table size %d)\n%8s %9s %20s %12s %12s %12s\n",
				fds_label[sweep_fds[k]], c0->table_size, "limit", "floor us",
				"auto us (/fastest)", "loop size", "poll size", "poll rlimit");
		for (int i = 0; i < sw->n; i++) {
			const struct cell *c = sw->c[k][i];
			if (c->skipped)
				continue;
			if (!c->ok) {
				fprintf(out, md ? "| %d | error: %s | | | | |\n" : "%8d ERROR: %s\n",
					sw->limit[i], c->err);
				continue;
			}
			char rl[32];
			int b = fastest_correct(c);
			if (c->runs[S_POLL_RLIMIT])
				snprintf(rl, sizeof(rl), "%.0f", med_us(c, S_POLL_RLIMIT));
			else
				snprintf(rl, sizeof(rl), "-");
			fprintf(out,
				md ? "| %d | %.0f | %.0f (%.3f) | %.0f | %.0f | %s |\n"
				   : "%8d %9.0f %12.0f (%.3f) %12.0f %12.0f %12s\n",
				sw->limit[i], med_us(c, S_FLOOR), med_us(c, S_AUTO),
				b >= 0 ? ratio(c, S_AUTO, b) : NAN, med_us(c, S_LOOP_SIZE),
				med_us(c, S_POLL_SIZE), rl);
		}
		if (sweep_first(sw, k) > sw->limit[0])
			fprintf(out, md ? "\nNot below a limit of %d: %s.\n" : "  not below %d: %s\n",
				sweep_first(sw, k), cell_unstartable()->err);
		double fl = sweep_floor(sw, k);
		if (ss && ss->done) {
			if (md)
				fprintf(out, "\nIn process, finding them only (median us): auto's bound "
					     "(`fd_bound_get`) and a poll + fcntl scan below it, against a "
					     "poll + fcntl scan below max(soft, hard)\n\n| limit | auto: bound | auto us "
					     "| scan to limit us (found) |\n|---:|---:|---:|---:|\n");
			else
				fprintf(out, "  in process, finding only: %8s %6s %9s %14s\n", "limit",
					"bound", "auto us", "rlimit us");
			for (int i = 0; i < sw->n; i++)
				fprintf(out, md ? "| %d | %d | %.1f | %.1f (%d) |\n"
						: "  %26d %6d %9.1f %8.1f (%d)\n",
					sw->limit[i], ss->bound[k][i], ss->auto_us[k][i],
					ss->rlimit_us[k][i], ss->found_rlimit[k][i]);
			for (int j = 0; j < 2; j++) {
				double a, b;
				sweep_slots_fit(sw, ss, k, j == 1, &a, &b);
				double w20 = fl + a + b * (double)(1LL << 20),
				       w30 = fl + a + b * (double)(1LL << 30);
				fprintf(out,
					md ? "\n%s: %.3f ns per slot of the limit (least-squares fit, in "
					     "process); whole run at a 2^20 limit %.0f us, at 2^30 %.0f us "
					     "(floor %.0f us + fit, extrapolated)\n"
					   : "  %s: %.3f ns per slot of the limit (fit, in process); whole "
					     "run at 2^20 %.0f us, at 2^30 %.0f us (floor %.0f + fit)\n",
					j ? "poll + fcntl scan to max(soft, hard)" : "auto", b * 1000, w20, w30,
					fl);
			}
		}
	}
}

static void print_targets(FILE *out, bool md)
{
	int missed = 0, measured = 0;

	if (md)
		fprintf(out, "\n| target | measured | limit | |\n|---|---:|---:|---|\n");
	else
		fprintf(out, "\n== targets (median of per-round ratios) ==\n");
	for (int i = 0; i < n_targets; i++) {
		const struct target *t = &targets[i];
		bool met = target_met(t);
		missed += !met && !isnan(t->value);
		measured += !isnan(t->value);
		fprintf(out, md ? "| %s | %.3f | %s %.2f | %s |\n" : "%-78s %7.3f  %s %.2f  %s\n",
			t->what, t->value, t->at_least ? ">=" : "<=", t->limit, isnan(t->value) ? "not measured" : met ? "met" : "not met");
	}
	if (!md)
		fprintf(out, "%d of %d measured targets met\n", measured - missed, measured);
}

static void write_markdown(const char *path, struct cell *cells[N_ENVS][N_FDS],
			   const struct slots *sl, struct finding *const fi[FIND_POINTS],
			   const struct sweep *sw, const struct sweep_slots *ss, int reps)
{
	FILE *out = fopen(path, "we");

	if (!out) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return;
	}
	print_machine(out, true);
	double load[3] = { NAN, NAN, NAN };
	getloadavg(load, 3);
	fprintf(out, "\nMedian microseconds per fork + exec + wait of `WRAPPER /bin/true` (%s), "
		     "%d rounds, 20000 descriptor limit; in brackets the median per-round ratio "
		     "to the wrapper that closes nothing.  Load average at the end: %.2f %.2f "
		     "%.2f.\n",
		g_cpu ? "the child's CPU time, user + system" : "wall clock", reps, load[0],
		load[1], load[2]);
	for (int e = 0; e < N_ENVS; e++) {
		fprintf(out, "\n**%s**\n\n| wrapper |", env_label[e]);
		for (int f = 0; f < N_FDS; f++)
			fprintf(out, " %s open |", fds_label[f]);
		fprintf(out, "\n|---|");
		for (int f = 0; f < N_FDS; f++)
			fprintf(out, "---:|");
		fprintf(out, "\n");
		for (int s = 0; s < N_SUBJ; s++) {
			bool shown = false;
			for (int f = 0; f < N_FDS; f++)
				shown = shown || cells[e][f]->runs[s];
			if (!shown)
				continue;
			fprintf(out, "| %s |", subj[s].label);
			for (int f = 0; f < N_FDS; f++)
				if (cells[e][f]->runs[s])
					fprintf(out, " %.0f (%.2f) |", med_us(cells[e][f], s),
						ratio(cells[e][f], s, S_FLOOR));
				else
					fprintf(out, " - |");
			fprintf(out, "\n");
		}
	}
	print_correctness(out, cells, true);
	print_slots(out, sl, true);
	print_finding(out, fi, true);
	print_sweep(out, sw, ss, true);
	print_targets(out, true);
	fclose(out);
}

/* A log-scale grouped bar chart: one panel per environment, a group of bars
 * per descriptor count, a bar per wrapper. */
static void write_svg(const char *path, struct cell *cells[N_ENVS][N_FDS])
{
	static const int shown[] = { S_FLOOR, S_ENV, S_AUTO, S_CF_CR, S_CF_PROC, S_CF_POLL,
				     S_CF_LOOP, S_CLOEXEC, S_PROC, S_CLOSEFROM, S_LOOP };
	static const char *const color[] = { "#999999", "#cccccc", "#d62728", "#ff9896",
					     "#e377c2", "#f7b6d2", "#8c564b", "#1f77b4",
					     "#2ca02c", "#17becf", "#ff7f0e" };
	enum { NS = sizeof(shown) / sizeof(shown[0]) };
	const double panel_w = 460, panel_h = 260, left = 60, top = 40, bar = 3.6;
	const double lo = 2, hi = 5.5; /* log10 us: 100 us .. 316 ms */
	FILE *out = fopen(path, "we");

	if (!out) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return;
	}
	double width = left + 2 * (panel_w + 40) + 10, height = top + 2 * (panel_h + 70) + 40 + 14 * 6;
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"sans-serif\" font-size=\"11\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"10\" y=\"20\" font-size=\"14\">closefds: median us per fork + exec + "
		"wait of WRAPPER /bin/true (log scale), limit 20000</text>\n",
		width, height);
	for (int e = 0; e < N_ENVS; e++) {
		double x0 = left + (e % 2) * (panel_w + 40), y0 = top + (e / 2) * (panel_h + 70);
		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">%s</text>\n", x0,
			y0 + 12, env_label[e]);
		y0 += 20;
		for (double d = lo; d <= hi + 1e-9; d += 1) {
			double y = y0 + panel_h - (d - lo) / (hi - lo) * panel_h;
			fprintf(out,
				"<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
				"stroke=\"#ddd\"/>\n<text x=\"%.0f\" y=\"%.1f\" "
				"text-anchor=\"end\">%s</text>\n",
				x0, y, x0 + panel_w, y, x0 - 4, y + 4,
				d == 2 ? "100 us" : d == 3 ? "1 ms" : d == 4 ? "10 ms" : "100 ms");
		}
		double gw = panel_w / N_FDS;
		for (int f = 0; f < N_FDS; f++) {
			struct cell *c = cells[e][f];
			double gx = x0 + f * gw + (gw - NS * bar * 1.2) / 2;
			for (int i = 0; i < NS; i++) {
				double m = med_us(c, shown[i]);
				if (isnan(m))
					continue;
				double v = log10(m);
				v = v < lo ? lo : v > hi ? hi : v;
				double h = (v - lo) / (hi - lo) * panel_h;
				fprintf(out,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					"fill=\"%s\"><title>%s, %s open: %.0f us</title></rect>\n",
					gx + i * bar * 1.2, y0 + panel_h - h, bar, h, color[i],
					subj[shown[i]].label, fds_label[f], m);
			}
			fprintf(out,
				"<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s open</text>\n",
				x0 + f * gw + gw / 2, y0 + panel_h + 14, fds_label[f]);
		}
		fprintf(out,
			"<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
			x0, y0 + panel_h, x0 + panel_w, y0 + panel_h);
	}
	double ly = top + 2 * (panel_h + 70) + 10;
	for (int i = 0; i < NS; i++) {
		double lx = left + (i % 2) * (panel_w + 40);
		double y = ly + (i / 2) * 14;
		fprintf(out,
			"<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
			lx, y, color[i], lx + 14, y + 9, subj[shown[i]].label);
	}
	fprintf(out, "</svg>\n");
	fclose(out);
}

int main(int argc, char *argv[])
{
	const char *md = NULL, *svg = NULL;
	int reps = 101;
	unsigned env_mask = 0, fds_mask = 0;
	bool sweep_only = false, dentry_only = false, check_only = false;
	struct rlimit rl;

	if (argc < 3) {
		fprintf(stderr, "usage: bench CLOSEFDS BENCHREF [--static CLOSEFDS_STATIC] [--reps N] [--markdown FILE] [--svg FILE]\n"
				"             [--env plain|eperm|noproc|both]... [--fds 0|10|1000|10000]...\n"
				"             [--sweep] [--dentry] [--check] [--cpu] [--true PATH]\n");
		return 2;
	}
	g_closefds = argv[1];
	g_benchref = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sweep") == 0)
			sweep_only = true;
		else if (strcmp(argv[i], "--cpu") == 0)
			g_cpu = true;
		else if (strcmp(argv[i], "--check") == 0)
			check_only = true;
		else if (strcmp(argv[i], "--dentry") == 0)
			dentry_only = sweep_only = true;
		else if (strcmp(argv[i], "--static") == 0 && i + 1 < argc)
			g_closefds_static = argv[++i];
		else if (strcmp(argv[i], "--markdown") == 0 && i + 1 < argc)
			md = argv[++i];
		else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc)
			svg = argv[++i];
		else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc && name_index(argv[i + 1], env_opt, N_ENVS) >= 0)
			env_mask |= 1U << name_index(argv[++i], env_opt, N_ENVS);
		else if (strcmp(argv[i], "--true") == 0 && i + 1 < argc)
			g_true = argv[++i];
		else if (strcmp(argv[i], "--fds") == 0 && i + 1 < argc && name_index(argv[i + 1], fds_opt, N_FDS) >= 0)
			fds_mask |= 1U << name_index(argv[++i], fds_opt, N_FDS);
		else {
			fprintf(stderr, "bench: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "bench: --reps must be 1..%d\n", MAX_REPS);
		return 2;
	}
	if (access(g_env, X_OK) < 0)
		g_env = "/bin/env";
	g_env_foreign = !same_abi(g_env, g_closefds);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	int limit = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > LIMIT_MAX ? LIMIT_MAX
									   : (int)rl.rlim_max;
	g_limit = limit;
	if (limit < 10010) {
		fprintf(stderr, "bench: needs a hard RLIMIT_NOFILE of 10010 or more (%d)\n", limit);
		return 77;
	}
	/* The benchmark's own inherited descriptors (meson's, say) would be in
	 * every cell: close them, as a clean parent would. */
	for (int fd = 3; fd < limit; fd++)
		close(fd);

	print_machine(stdout, false);
	double load[3] = { NAN, NAN, NAN };
	getloadavg(load, 3);
	printf("# closefds %s, %d rounds per cell, A/B interleaved, limit %d; whole runs timed by "
	       "%s; load average %.2f %.2f %.2f at the start\n",
	       g_closefds, reps, limit, g_cpu ? "the child's CPU time" : "the wall clock", load[0],
	       load[1], load[2]);
	fflush(stdout);
	struct cell *cells[N_ENVS][N_FDS];
	bool ok = true;
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++) {
			if (sweep_only || (env_mask && !(env_mask & 1U << e)) || (fds_mask && !(fds_mask & 1U << f))) {
				cells[e][f] = cell_skipped();
				continue;
			}
			cells[e][f] = cell_measure((enum env_id)e, (enum fds_id)f, check_only ? 0 : reps, limit, 0);
			if (!cells[e][f]) {
				fprintf(stderr, "bench: mmap/fork: %s\n", strerror(errno));
				return 1;
			}
			ok &= cells[e][f]->ok;
			fprintf(stderr, "bench: %s, %s open: %s\n", env_label[e], fds_label[f],
				cells[e][f]->ok ? "done" : cells[e][f]->err);
		}
	bool all = !env_mask && !fds_mask && !sweep_only;
	int sweep_reps = 2 * reps < MAX_REPS ? 2 * reps : MAX_REPS;
	struct sweep *sw = all || (sweep_only && !dentry_only)
				   ? sweep_measure(check_only ? 0 : sweep_reps, limit, &ok)
				   : NULL;
	if (check_only) {
		int n = 0;
		for (int e = 0; e < N_ENVS; e++)
			for (int f = 0; f < N_FDS; f++)
				n += !cells[e][f]->skipped;
		for (int k = 0; k < N_SWEEP_FDS && sw; k++)
			for (int i = 0; i < sw->n; i++)
				n += !sw->c[k][i]->skipped;
		printf("%d cells checked: %s\n", n,
		       ok ? "every subject left the descriptor set it should"
			  : "FAILED, see above");
		return ok ? 0 : 1;
	}
	struct sweep_slots *ss = sw ? sweep_slots_measure(reps < 51 ? reps : 51, limit, sw) : NULL;
	if (sw && (!ss || !ss->done)) {
		fprintf(stderr, "bench: the in-process limit sweep failed\n");
		ok = false;
	}
	struct slots *sl = all ? slots_measure(reps < 51 ? reps : 51, limit) : NULL;
	struct finding *fi[FIND_POINTS] = { NULL };
	for (int k = 0; k < FIND_POINTS && (all || dentry_only); k++) {
		fi[k] = finding_measure(reps < 51 ? reps : 51, limit, find_counts[k]);
		if (!fi[k] || !fi[k]->done) {
			fprintf(stderr, "bench: the finding measurement failed (%d open)\n",
				find_counts[k]);
			ok = false;
		}
	}
	evaluate(cells, sw, ss);
	print_cells(stdout, cells);
	print_correctness(stdout, cells, false);
	print_slots(stdout, sl, false);
	print_finding(stdout, fi, false);
	print_sweep(stdout, sw, ss, false);
	print_targets(stdout, false);
	if (md)
		write_markdown(md, cells, sl, fi, sw, ss, reps);
	if (svg)
		write_svg(svg, cells);
	return ok ? 0 : 1;
}
