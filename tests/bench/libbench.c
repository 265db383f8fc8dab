/* libbench.c: what closing every descriptor but a keep list costs a program
 * that has just forked, done by libclosefds and by the ways other programs
 * do it, in process (no exec timed).
 *
 *   libbench [--reps N] [--wall] [--markdown FILE]
 *            [--env plain|eperm|noproc|both]... [--fds 0|10|1000|10000]...
 *            [--limit 1024|4096|20000]...
 *
 * Cells: {0, 10 spread (3, 4, then 8 up to 19995), 1000 (3..1002), 10000
 * (3..10002)} open descriptors, every other one O_PATH (poll and select
 * cannot see those), x {plain, close_range refused by seccomp (EPERM),
 * /proc unmounted (a mount namespace of its own), both} x soft
 * RLIMIT_NOFILE {1024, 4096, 20000} (hard 20000; the descriptors are
 * opened first, so some are above a low soft limit, as in a program that
 * lowered its limit, or inherited from one with a higher one).  The keep
 * list is {3, 4}: two low descriptors (a pipe to the parent, say), the case
 * every peer can express (closefrom(5)).
 *
 * Subjects, each in a child forked from the cell's process, timed around
 * the one call (the child's CPU time by default: the machine is shared;
 * --wall for the wall clock):
 *   lib          closefds_close_except(3, {3, 4}, 2, 0)
 *   lib-warm     the same, in a child that called closefds_close_except(INT_MAX,
 *                NULL, 0, 0) first (untimed, closes nothing): the call once
 *                the library's pages have been touched in the process (shown,
 *                not compared: see warm_up)
 *   lib-cloexec  the same with CLOSEFDS_CLOEXEC (for a caller about to exec;
 *                shown, not compared: the others close)
 *   glibc        glibc's closefrom(5) (close_range, else /proc/self/fd, else
 *                it aborts: reported as "aborts")
 *   libbsd       libbsd's closefrom(5), when the benchmark was linked with
 *                libbsd (Debian's libbsd-dev)
 *   cpython      written here in the manner of CPython's _posixsubprocess:
 *                close_range over the gaps of the keep list, else a
 *                getdents64 scan of /proc/self/fd, else close() on every
 *                number below sysconf(_SC_OPEN_MAX)
 *   openssh      written here in the manner of OpenSSH's closefrom fallback
 *                (bsd-closefrom.c without close_range): readdir of
 *                /proc/self/fd, else close() below sysconf(_SC_OPEN_MAX)
 * After each run the child checks its table: every placed descriptor
 * closed but 3 and 4, which must be open (lib-cloexec: closed or
 * close-on-exec), and nothing open from 5 to 260 (a scan's own directory
 * descriptor left behind).  A subject is correct in a cell when every run
 * of it was.
 *
 * Reported per cell: the median of the runs (µs), the library's ratio to
 * the fastest correct peer, and which peers were correct; then the
 * library's cost at the three limits (O(table) means flat).  Figures only,
 * never asserted. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "closefds.h"
#include "testlib.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef HAVE_LIBBSD
#define HAVE_LIBBSD 0
#endif
#ifndef HAVE_CLOSEFROM
#define HAVE_CLOSEFROM 0
#endif
#if HAVE_LIBBSD && !HAVE_CLOSEFROM
void closefrom(int lowfd); /* libbsd's; glibc 2.34+ declares it too */
#endif

#define HARD 20000
#define MAX_REPS 201
#define CHECK_LOW_TOP 260

enum { E_PLAIN, E_EPERM, E_NOPROC, E_BOTH, N_ENVS };
static const enum tl_env env_tl[N_ENVS] = { TL_PLAIN, TL_CR_EPERM, TL_NO_PROC, TL_CR_EPERM_NO_PROC };
static const char *const env_key[N_ENVS] = { "plain", "eperm", "noproc", "both" };
static const char *const env_label[N_ENVS] = { "plain", "close_range EPERM", "no /proc",
					       "EPERM + no /proc" };

enum { F_0, F_10, F_1000, F_10000, N_FDS };
static const char *const fds_key[N_FDS] = { "0", "10", "1000", "10000" };
static const char *const fds_label[N_FDS] = { "0", "10 spread", "1000", "10000" };

enum { L_1024, L_4096, L_20000, N_LIMITS };
static const int limit_value[N_LIMITS] = { 1024, 4096, 20000 };

enum { S_LIB, S_LIB_WARM, S_LIB_CLOEXEC, S_GLIBC, S_BSD, S_CPY, S_SSH, N_SUBJ };
static const char *const subj_key[N_SUBJ] = { "lib", "lib-warm", "lib-cloexec", "glibc", "libbsd",
					      "cpython", "openssh" };
#define FIRST_PEER S_GLIBC

static const int keep[] = { 3, 4 };
#define N_KEEP 2
#define CLOSE_FROM 5

/* ---- the peers, written here ---- */

typedef void (*closefrom_fn)(int);
static closefrom_fn glibc_closefrom; /* NULL: this libc has none */
static const char *glibc_why = "";

static bool in_keep(int fd)
{
	for (int i = 0; i < N_KEEP; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

static long open_max(void)
{
	long m = sysconf(_SC_OPEN_MAX);

	return m < 0 ? 256 : m;
}

/* The number in a /proc/self/fd entry name, or -1. */
static int entry_fd(const char *name)
{
	long v = 0;

	if (!*name)
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > 0x7fffffff / 10)
			return -1;
		v = v * 10 + (*name - '0');
	}
	return (int)v;
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* CPython's way: close_range over every non-empty gap of the (sorted)
 * keep list; if that fails, a getdents64 scan of /proc/self/fd; if /proc
 * cannot be opened, close() below sysconf(_SC_OPEN_MAX). */
static void peer_cpython(int lowfd)
{
	int start = lowfd;
	bool ok = true;

	for (int i = 0; i <= N_KEEP && ok; i++) {
		if (i < N_KEEP && keep[i] < start)
			continue;
		if (i < N_KEEP && keep[i] == start) { /* empty gap: skipped */
			start = keep[i] + 1;
			continue;
		}
		unsigned last = i < N_KEEP ? (unsigned)keep[i] - 1 : ~0U;
		if (syscall(__NR_close_range, (unsigned)start, last, 0U) < 0)
			ok = false;
		else if (i < N_KEEP)
			start = keep[i] + 1;
	}
	if (ok)
		return;
	int d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		_Alignas(8) char buf[8192];
		long n;
		while ((n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				const struct dirent64_raw *e = (const void *)(buf + off);
				int fd = entry_fd(e->d_name);
				if (fd >= lowfd && fd != d && !in_keep(fd))
					close(fd);
				off += e->d_reclen;
			}
		}
		close(d);
		return;
	}
	for (long fd = lowfd, max = open_max(); fd < max; fd++)
		if (!in_keep((int)fd))
			close((int)fd);
}

/* OpenSSH's closefrom fallback: readdir of /proc/self/fd, else close()
 * below sysconf(_SC_OPEN_MAX). */
static void peer_openssh(int lowfd)
{
	DIR *dir = opendir("/proc/self/fd");

	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir))) {
			int fd = entry_fd(e->d_name);
			if (fd >= lowfd && fd != dirfd(dir))
				close(fd);
		}
		closedir(dir);
		return;
	}
	for (long fd = lowfd, max = open_max(); fd < max; fd++)
		close((int)fd);
}

/* ---- a cell ---- */

struct run {
	long long ns;
	int ok;     /* 1 table right, 0 wrong */
	int status; /* wait status */
	int bad_fd; /* the first wrong descriptor */
};

struct cell {
	int env, fds, limit;
	int n_placed;
	struct run r[N_SUBJ][MAX_REPS];
	double median[N_SUBJ]; /* µs; < 0: no figure */
	bool correct[N_SUBJ], aborts[N_SUBJ], ran[N_SUBJ];
	int bad_fd[N_SUBJ];
	char note[N_SUBJ][96];
};

static struct cell *cells; /* MAP_SHARED: filled by the cell processes */
static int reps = 11;
static bool use_wall;

static int placed_fd(int fds, int i)
{
	switch (fds) {
	case F_10:
		return i < 2 ? 3 + i : 3 + (int)((long)(i - 1) * (19995 - 3) / 8);
	case F_1000:
	case F_10000:
		return 3 + i;
	default:
		return -1;
	}
}

static int n_of(int fds)
{
	return fds == F_0 ? 0 : fds == F_10 ? 10 : fds == F_1000 ? 1000 : 10000;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(use_wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Whether fd is one of the cell's placed descriptors. */
static bool is_placed(const struct cell *c, int fd)
{
	if (c->fds == F_10) {
		for (int i = 0; i < c->n_placed; i++)
			if (placed_fd(c->fds, i) == fd)
				return true;
		return false;
	}
	return fd >= 3 && fd < 3 + c->n_placed;
}

/* The child's check after subject s: 0 when right, else the first wrong
 * descriptor (+1, so that 0 is never a descriptor). */
static int check_table(const struct cell *c, int s)
{
	for (int i = 0; i < c->n_placed; i++) {
		int fd = placed_fd(c->fds, i);
		int fl = fcntl(fd, F_GETFD);
		if (in_keep(fd) ? fl < 0 || (fl & FD_CLOEXEC)
				: fl >= 0 && !(s == S_LIB_CLOEXEC && (fl & FD_CLOEXEC)))
			return fd + 1;
	}
	/* Nothing else either: a scan's directory left open, say. */
	for (int fd = 3; fd < CHECK_LOW_TOP; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !is_placed(c, fd) && !(s == S_LIB_CLOEXEC && (fl & FD_CLOEXEC)))
			return fd + 1;
	}
	return 0;
}

__attribute__((noinline)) static void touch_stack(void)
{
	volatile char page[64 * 1024];

	for (size_t i = 0; i < sizeof(page); i += 4096)
		page[i] = 0;
}

/* The executable mappings (read from /proc/self/maps before /proc is
 * hidden): each child maps their pages in before it is timed. */
#define MAX_TEXT 128
static struct {
	uintptr_t lo, hi;
} text[MAX_TEXT];
static int n_text;

static void find_text(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];

	while (maps && fgets(line, sizeof(line), maps) && n_text < MAX_TEXT) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[2] == 'x') {
			text[n_text].lo = lo;
			text[n_text].hi = hi;
			n_text++;
		}
	}
	if (maps)
		fclose(maps);
}

/* What every subject would otherwise pay for being first in a new process,
 * and which is not closing: the pages of code and stack it touches (a
 * fault each: a fork shares no page table entries of file mappings), and
 * the first system calls after the fork (on this VM the first close_range
 * in a new process costs about 20 µs, whatever it closes).  The same for
 * all.  What is left and differs: on this VM (a PVM guest, shadow paging)
 * the first touch of each page in a new process costs 6 to 20 µs that the
 * guest neither sees as a fault nor can populate in advance, so a subject
 * pays for every page of code and data it touches; lib-warm shows the
 * library without that.  (Measured here: 256 pages read once in a fresh
 * child, 6 to 23 µs each, no guest fault; read again, 13 ns each.) */
static void warm_up(void)
{
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
	for (int i = 0; i < n_text; i++)
		madvise((void *)text[i].lo, text[i].hi - text[i].lo, MADV_POPULATE_READ);
	touch_stack();
	for (int i = 0; i < 20; i++) {
		sigset_t set;
		struct timespec ts;
		getppid();
		sigprocmask(SIG_BLOCK, NULL, &set);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		fcntl(0, F_GETFD);
	}
	/* One close_range that closes nothing (refused where it is blocked). */
	syscall(__NR_close_range, 0x7ffffffeU, 0x7ffffffeU, 0U);
}

static void child_run(struct cell *c, int s, int rep)
{
	struct run *r = &c->r[s][rep];
	long long t0, t1;

	/* glibc says why it aborts on stderr, once a run: not here. */
	if (s == S_GLIBC) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 2);
			close(null);
		}
	}
	warm_up();
	if (s == S_LIB_WARM) /* the library's code run once, untimed; closes nothing */
		closefds_close_except(INT_MAX, NULL, 0, 0);
	t0 = now_ns();
	switch (s) {
	case S_LIB:
		closefds_close_except(3, keep, N_KEEP, 0);
		break;
	case S_LIB_WARM:
		closefds_close_except(3, keep, N_KEEP, 0);
		break;
	case S_LIB_CLOEXEC:
		closefds_close_except(3, keep, N_KEEP, CLOSEFDS_CLOEXEC);
		break;
	case S_GLIBC:
		glibc_closefrom(CLOSE_FROM);
		break;
	case S_BSD:
#if HAVE_LIBBSD
		closefrom(CLOSE_FROM);
#endif
		break;
	case S_CPY:
		peer_cpython(3);
		break;
	default:
		peer_openssh(CLOSE_FROM);
		break;
	}
	t1 = now_ns();
	r->ns = t1 - t0;
	r->bad_fd = check_table(c, s);
	r->ok = r->bad_fd == 0;
}

static bool subject_available(int s)
{
	if (s == S_GLIBC)
		return glibc_closefrom != NULL;
	if (s == S_BSD)
		return HAVE_LIBBSD;
	return true;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* In the cell's process: place the table, lower the soft limit, enter the
 * environment (/proc is already as env wants: tl_env_group), then run
 * every subject reps times, in a rotated order. */
static void cell_process(struct cell *c)
{
	struct rlimit rl = { HARD, HARD };

	/* Nothing but 0-2 inherited, then the two templates just above the
	 * highest descriptor placed (so that the table is what the placed
	 * ones make it), dup2'ed (inheritable) to every number. */
	if (syscall(__NR_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < HARD; fd++)
			close(fd);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(3);
	if (c->n_placed) {
		int above = placed_fd(c->fds, c->n_placed - 1) + 1;
		int t0 = open("/dev/null", O_RDONLY | O_CLOEXEC), t1 = open("/", O_PATH | O_CLOEXEC);
		int null = t0 < 0 ? -1 : fcntl(t0, F_DUPFD_CLOEXEC, above);
		int path = t1 < 0 ? -1 : fcntl(t1, F_DUPFD_CLOEXEC, above);
		if (null < 0 || path < 0)
			_exit(3);
		close(t0);
		close(t1);
		for (int i = 0; i < c->n_placed; i++)
			if (dup2(i % 2 ? path : null, placed_fd(c->fds, i)) < 0)
				_exit(4);
		close(null);
		close(path);
	}
	rl.rlim_cur = (rlim_t)limit_value[c->limit];
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(5);
	if ((c->env == E_EPERM || c->env == E_BOTH) && tl_block_close_range(EPERM) < 0)
		_exit(6);
	for (int rep = 0; rep < reps; rep++) {
		for (int k = 0; k < N_SUBJ; k++) {
			int s = (k + rep) % N_SUBJ;
			if (!subject_available(s))
				continue;
			c->r[s][rep].status = -1;
			pid_t pid = fork();
			if (pid == 0) {
				child_run(c, s, rep);
				_exit(0);
			}
			int st = -1;
			if (pid > 0)
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
			c->r[s][rep].status = st;
		}
	}
	_exit(0);
}

static void summarize(struct cell *c)
{
	for (int s = 0; s < N_SUBJ; s++) {
		long long t[MAX_REPS];
		int n = 0;
		c->median[s] = -1;
		c->ran[s] = subject_available(s);
		if (!c->ran[s])
			continue;
		c->correct[s] = true;
		for (int rep = 0; rep < reps; rep++) {
			const struct run *r = &c->r[s][rep];
			if (r->status != 0) {
				c->correct[s] = false;
				if (WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGABRT)
					c->aborts[s] = true;
				else if (!c->note[s][0])
					snprintf(c->note[s], sizeof(c->note[s]), "wait status %#x", (unsigned)r->status);
				continue;
			}
			if (!r->ok) {
				c->correct[s] = false;
				c->bad_fd[s] = r->bad_fd - 1;
			}
			t[n++] = r->ns;
		}
		if (n) {
			qsort(t, (size_t)n, sizeof(t[0]), cmp_ll);
			c->median[s] = (double)t[n / 2] / 1000.0;
		}
	}
}

struct group_arg {
	bool env_on, fds_on[N_FDS], limit_on[N_LIMITS];
	int env;
};

static struct cell *cell_at(int env, int fds, int limit)
{
	return &cells[(env * N_FDS + fds) * N_LIMITS + limit];
}

static void run_env_group(void *p)
{
	const struct group_arg *g = p;

	for (int f = 0; f < N_FDS; f++)
		for (int l = 0; l < N_LIMITS; l++) {
			if (!g->fds_on[f] || !g->limit_on[l])
				continue;
			struct cell *c = cell_at(g->env, f, l);
			fflush(stdout);
			pid_t pid = fork();
			if (pid == 0)
				cell_process(c);
			int st;
			if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				printf("# cell %s/%s/%d: its process failed (%#x)\n", env_key[g->env],
				       fds_key[f], limit_value[l], pid < 0 ? 0 : (unsigned)st);
		}
}

/* ---- output ---- */

static double fastest_peer(const struct cell *c, int *who)
{
	double best = -1;

	*who = -1;
	for (int s = FIRST_PEER; s < N_SUBJ; s++)
		if (c->ran[s] && c->correct[s] && c->median[s] >= 0 && (best < 0 || c->median[s] < best)) {
			best = c->median[s];
			*who = s;
		}
	return best;
}

static void figure(char *buf, size_t len, const struct cell *c, int s)
{
	if (!c->ran[s])
		snprintf(buf, len, "n/a");
	else if (c->aborts[s])
		snprintf(buf, len, "aborts");
	else if (c->median[s] < 0)
		snprintf(buf, len, "failed");
	else
		snprintf(buf, len, "%.1f%s", c->median[s], c->correct[s] ? "" : "!");
}

static void correct_list(char *buf, size_t len, const struct cell *c)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int s = FIRST_PEER; s < N_SUBJ; s++)
		if (c->ran[s] && c->correct[s])
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", subj_key[s]);
	if (!o)
		snprintf(buf, len, "none");
}

static void print_tables(FILE *out, bool md, const struct group_arg *g)
{
	const char *sep = md ? " | " : "  ";

	if (md)
		fprintf(out, "| env | soft limit | open | lib | lib / fastest | lib-warm | lib-warm / fastest | lib-cloexec | glibc | libbsd | cpython | openssh | correct peers |\n"
			     "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	else
		fprintf(out, "%-18s %6s %9s %9s %6s %9s %6s %9s %9s %9s %9s %9s  %s\n", "env", "limit",
			"open", "lib", "ratio", "warm", "ratio", "cloexec", "glibc", "libbsd", "cpython", "openssh",
			"correct peers (fastest first)");
	for (int e = 0; e < N_ENVS; e++) {
		if (!g[e].env_on)
			continue;
		for (int l = 0; l < N_LIMITS; l++)
			for (int f = 0; f < N_FDS; f++) {
				if (!g[e].fds_on[f] || !g[e].limit_on[l])
					continue;
				const struct cell *c = cell_at(e, f, l);
				char fig[N_SUBJ][32], ratio[32], wratio[32], ok[96];
				int who;
				double best = fastest_peer(c, &who);
				for (int s = 0; s < N_SUBJ; s++)
					figure(fig[s], sizeof(fig[s]), c, s);
				if (best > 0 && c->median[S_LIB] >= 0)
					snprintf(ratio, sizeof(ratio), "%.2f", c->median[S_LIB] / best);
				else
					snprintf(ratio, sizeof(ratio), "-");
				if (best > 0 && c->median[S_LIB_WARM] >= 0)
					snprintf(wratio, sizeof(wratio), "%.2f", c->median[S_LIB_WARM] / best);
				else
					snprintf(wratio, sizeof(wratio), "-");
				correct_list(ok, sizeof(ok), c);
				if (md)
					fprintf(out, "| %s%s%d%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s |\n",
						env_label[e], sep, limit_value[l], sep, fds_label[f], sep,
						fig[S_LIB], sep, ratio, sep, fig[S_LIB_WARM], sep, wratio, sep,
						fig[S_LIB_CLOEXEC], sep,
						fig[S_GLIBC], sep, fig[S_BSD], sep, fig[S_CPY], sep,
						fig[S_SSH], sep, ok);
				else
					fprintf(out, "%-18s %6d %9s %9s %6s %9s %6s %9s %9s %9s %9s %9s  %s%s%s\n",
						env_label[e], limit_value[l], fds_label[f], fig[S_LIB], ratio,
						fig[S_LIB_WARM], wratio,
						fig[S_LIB_CLOEXEC], fig[S_GLIBC], fig[S_BSD], fig[S_CPY],
						fig[S_SSH], ok, who >= 0 ? "; fastest " : "",
						who >= 0 ? subj_key[who] : "");
			}
	}
}

static bool pick(const char *v, const char *const *keys, int n, bool *on)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, keys[i]) == 0) {
			on[i] = true;
			return true;
		}
	return false;
}

static void find_closefroms(void)
{
#if HAVE_CLOSEFROM && defined(__GLIBC__)
	/* By version: with libbsd linked, the plain name is libbsd's. */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (libc)
		glibc_closefrom = (closefrom_fn)(uintptr_t)dlvsym(libc, "closefrom", "GLIBC_2.34");
	if (!glibc_closefrom)
		glibc_why = "glibc has no closefrom@GLIBC_2.34";
#else
	glibc_why = "this libc has no closefrom (glibc 2.34+)";
#endif
}

static const char *origin(void (*fn)(int))
{
	Dl_info info;

	if (fn && dladdr((void *)(uintptr_t)fn, &info) && info.dli_fname)
		return info.dli_fname;
	return "?";
}

int main(int argc, char *argv[])
{
	struct group_arg g[N_ENVS];
	bool env_on[N_ENVS] = { false }, fds_on[N_FDS] = { false }, limit_on[N_LIMITS] = { false };
	bool any_env = false, any_fds = false, any_limit = false;
	const char *markdown = NULL;
	char lim[16];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(argv[i], "--reps") == 0 && (reps = atoi(v)) >= 1 && reps <= MAX_REPS)
			i++;
		else if (strcmp(argv[i], "--wall") == 0)
			use_wall = true;
		else if (strcmp(argv[i], "--markdown") == 0 && *v)
			markdown = argv[++i];
		else if (strcmp(argv[i], "--env") == 0 && pick(v, env_key, N_ENVS, env_on)) {
			any_env = true;
			i++;
		} else if (strcmp(argv[i], "--fds") == 0 && pick(v, fds_key, N_FDS, fds_on)) {
			any_fds = true;
			i++;
		}
		else if (strcmp(argv[i], "--limit") == 0) {
			bool found = false;
			for (int l = 0; l < N_LIMITS; l++) {
				snprintf(lim, sizeof(lim), "%d", limit_value[l]);
				if (strcmp(v, lim) == 0)
					found = limit_on[l] = true;
			}
			if (!found)
				goto usage;
			any_limit = true;
			i++;
		} else
			goto usage;
	}
	for (int e = 0; e < N_ENVS; e++) {
		g[e].env = e;
		g[e].env_on = !any_env || env_on[e];
		for (int f = 0; f < N_FDS; f++)
			g[e].fds_on[f] = !any_fds || fds_on[f];
		for (int l = 0; l < N_LIMITS; l++)
			g[e].limit_on[l] = !any_limit || limit_on[l];
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max < HARD) {
		printf("libbench: needs a hard RLIMIT_NOFILE of %d (have %llu): nothing measured\n", HARD,
		       (unsigned long long)rl.rlim_max);
		return 0;
	}
	if (tl_emulator()) {
		printf("libbench: under %s: figures would be the emulator's; nothing measured\n", tl_emulator());
		return 0;
	}
	cells = mmap(NULL, sizeof(*cells) * N_ENVS * N_FDS * N_LIMITS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cells == MAP_FAILED) {
		perror("libbench: mmap");
		return 1;
	}
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++)
			for (int l = 0; l < N_LIMITS; l++) {
				struct cell *c = cell_at(e, f, l);
				c->env = e;
				c->fds = f;
				c->limit = l;
				c->n_placed = n_of(f);
			}
	find_closefroms();
	find_text();
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct utsname u;
	uname(&u);
	FILE *la = fopen("/proc/loadavg", "r");
	char load[64] = "?";
	if (la) {
		if (!fgets(load, sizeof(load), la))
			snprintf(load, sizeof(load), "?");
		char *p = load;
		for (int fields = 0; *p && fields < 3; p++)
			fields += *p == ' ';
		if (p > load && p[-1] == ' ')
			p[-1] = '\0';
		load[strcspn(load, "\n")] = '\0';
		fclose(la);
	}
	printf("libbench: libclosefds %s, %s %s %s, %ld CPUs online, load %s\n", closefds_version(),
	       u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), load);
	printf("libbench: %d runs a subject a cell, medians in µs of the child's %s; keep {3, 4}\n",
	       reps, use_wall ? "wall clock" : "CPU time (user + system of the thread)");
	printf("libbench: glibc closefrom: %s\n",
	       glibc_closefrom ? origin(glibc_closefrom) : glibc_why);
#if HAVE_LIBBSD
	printf("libbench: libbsd closefrom: %s\n", origin(closefrom));
#else
	printf("libbench: libbsd closefrom: not measured: the benchmark was built without libbsd (Debian: apt-get install libbsd-dev, then reconfigure)\n");
#endif
	if (!tl_seccomp_works() && (g[E_EPERM].env_on || g[E_BOTH].env_on)) {
		printf("libbench: no seccomp filter can be installed here: the EPERM cells are left out\n");
		g[E_EPERM].env_on = g[E_BOTH].env_on = false;
	}

	for (int e = 0; e < N_ENVS; e++)
		if (g[e].env_on)
			tl_env_group(env_tl[e], run_env_group, &g[e]);
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++)
			for (int l = 0; l < N_LIMITS; l++)
				if (g[e].env_on && g[e].fds_on[f] && g[e].limit_on[l])
					summarize(cell_at(e, f, l));

	printf("\nMedian µs per call; '!' a subject that left a wrong table in some run; "
	       "ratio = lib / the fastest correct peer (glibc, libbsd, cpython, openssh)\n\n");
	print_tables(stdout, false, g);

	/* The targets, reported: lib within 3% of the fastest correct peer;
	 * lib flat across the limits (O(table)). */
	int cells_n = 0, met = 0;
	printf("\nTarget 1: lib within 3%% of the fastest correct peer\n");
	for (int e = 0; e < N_ENVS; e++)
		for (int l = 0; l < N_LIMITS; l++)
			for (int f = 0; f < N_FDS; f++) {
				if (!g[e].env_on || !g[e].fds_on[f] || !g[e].limit_on[l])
					continue;
				const struct cell *c = cell_at(e, f, l);
				int who;
				double best = fastest_peer(c, &who);
				cells_n++;
				if (!c->correct[S_LIB]) {
					printf("  MISS %s, limit %d, %s: lib left descriptor %d open (or failed: %s)\n",
					       env_label[e], limit_value[l], fds_label[f], c->bad_fd[S_LIB],
					       c->note[S_LIB]);
					continue;
				}
				if (best < 0 || c->median[S_LIB] <= best * 1.03) {
					met++;
					continue;
				}
				printf("  miss %s, limit %d, %s: lib %.1f µs, %s %.1f µs (%.2fx)\n", env_label[e],
				       limit_value[l], fds_label[f], c->median[S_LIB], subj_key[who], best,
				       c->median[S_LIB] / best);
			}
	printf("  met in %d of %d cells\n", met, cells_n);
	printf("\nTarget 2: O(table), not O(limit): lib at soft limit 20000 / at 1024 (same table)\n");
	for (int e = 0; e < N_ENVS; e++)
		for (int f = 0; f < N_FDS; f++) {
			if (!g[e].env_on || !g[e].fds_on[f] || !g[e].limit_on[L_1024] || !g[e].limit_on[L_20000])
				continue;
			const struct cell *lo = cell_at(e, f, L_1024), *hi = cell_at(e, f, L_20000);
			printf("  %-18s %9s: lib %.1f -> %.1f µs (%.2fx); openssh %.1f -> %.1f µs\n",
			       env_label[e], fds_label[f], lo->median[S_LIB], hi->median[S_LIB],
			       lo->median[S_LIB] > 0 ? hi->median[S_LIB] / lo->median[S_LIB] : 0,
			       lo->median[S_SSH], hi->median[S_SSH]);
		}
	if (markdown) {
		FILE *md = fopen(markdown, "w");
		if (!md) {
			perror(markdown);
			return 1;
		}
		fprintf(md, "libclosefds %s, %s %s, %ld CPUs, load %s; %d runs a cell, median µs of the child's %s.\n"
			    "Keep list {3, 4}. '!': wrong table in some run. Ratio: lib / fastest correct peer.\n\n",
			closefds_version(), u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), load, reps,
			use_wall ? "wall clock" : "CPU time");
		print_tables(md, true, g);
		fclose(md);
	}
	tl_cleanup();
	return 0;
usage:
	fprintf(stderr, "usage: libbench [--reps N] [--wall] [--markdown FILE] [--env plain|eperm|noproc|both]...\n"
			"                [--fds 0|10|1000|10000]... [--limit 1024|4096|20000]...\n");
	return 2;
}
