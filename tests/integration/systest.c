/* systest.c: closefds against real descriptor tables, in every hostile
 * environment, with every method.
 *
 * Each case opens descriptors of every kind at chosen numbers (in a forked
 * child), runs closefds with fdprobe as COMMAND, and compares what the
 * probe inherited with the exact expected table: the same numbers, each
 * with the device:inode of the descriptor it must be (itself, or the
 * source of a move), none close-on-exec.  Where closefds must refuse, the
 * status must be 125 with one "closefds: " line and the probe must not
 * have run.  Output: TAP.
 *
 * Usage: systest [--valgrind] [--quick] [--part=K/N] CLOSEFDS FDPROBE [CLOSEFDS_STATIC FDPROBE_STATIC]
 * (SYSTEST_TIMES set in the environment: a "# time" comment per run, to see
 * where the time goes)
 * (--valgrind: closefds under memcheck, tl_valgrind in testlib.h) */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define NOBODY 65534
#define DEVNULL_FROM (-2) /* expect: /dev/null */

struct placement {
	int fd; /* 0 ends the list: nothing is ever placed at 0 */
	enum tl_kind kind;
};

struct expect {
	int fd;   /* 0 ends the list */
	int from; /* the descriptor of the "before" table whose identity fd has */
};

#define MAX_PLACE 72
#define MAX_WANT 72

struct tcase {
	const char *name;
	struct placement place[MAX_PLACE];
	const char *args[16];
	struct expect want[MAX_WANT]; /* besides 0, 1 and 2 */
	bool refuse;            /* closefds must exit 125 */
	int soft_limit;         /* lower the soft RLIMIT_NOFILE to this first */
	int hard_limit;         /* lower soft and hard RLIMIT_NOFILE to this, after placing */
	bool caller_sigsys;     /* the caller ignores and blocks SIGSYS: both must reach COMMAND */
	int bulk_lo, bulk_hi;   /* also open /dev/null at every number in range */
	bool fill_table;        /* open until EMFILE just before the exec */
	bool static_build;      /* run closefds-static and fdprobe-static (skipped when not built) */
	int close_stdio;        /* bit n: close descriptor n first */
	bool plain_only;        /* one environment and method is enough */
	bool needs_proc;        /* in sanitizer builds, skip the environments without /proc */
	bool nofile;            /* --nofile: COMMAND's soft limit changes */
	bool kinds;             /* one of the kind cases: every environment and method, also --quick */
};

/* Every kind, at spread numbers: 3, adjacent pairs, 1023/1024 (a table
 * size boundary) and near the 20000 limit. */
#define SPREAD                                                                              \
	{ 3, TL_FILE }, { 4, TL_PIPE_R }, { 5, TL_SOCKPAIR }, { 100, TL_TCP }, { 101, TL_DIR }, \
		{ 1023, TL_DEVNULL }, { 1024, TL_SOCKPAIR }, { 19990, TL_FILE },             \
		{ 19999, TL_PIPE_R }

static const struct tcase cases[] = {
	{ .name = "spread, nothing kept", .place = { SPREAD }, .args = { NULL } },
	{ .name = "-k 3", .place = { SPREAD }, .args = { "-k", "3", NULL }, .want = { { 3, 3 } } },
	{ .name = "-k adjacent and ranges with holes",
	  .place = { SPREAD },
	  .args = { "-k", "4,5", "--keep-fd=1000-1030,19990-19999", NULL },
	  .want = { { 4, 4 }, { 5, 5 }, { 1023, 1023 }, { 1024, 1024 }, { 19990, 19990 },
		    { 19999, 19999 } } },
	{ .name = "-k near the limit",
	  .place = { SPREAD },
	  .args = { "-k19999", NULL },
	  .want = { { 19999, 19999 } } },
	{ .name = "-p move", .place = { SPREAD }, .args = { "-p", "100:7", NULL }, .want = { { 7, 100 } } },
	{ .name = "-p swap",
	  .place = { SPREAD },
	  .args = { "-p", "3:4", "-p", "4:3", NULL },
	  .want = { { 3, 4 }, { 4, 3 } } },
	{ .name = "-p chain",
	  .place = { SPREAD },
	  .args = { "-p", "3:4", "-p", "4:5", NULL },
	  .want = { { 4, 3 }, { 5, 4 } } },
	{ .name = "-p fan-out and a cycle",
	  .place = { SPREAD },
	  .args = { "-p", "3:10", "-p", "3:11", "-p", "4:3", "-p", "5:4", NULL },
	  .want = { { 3, 4 }, { 4, 5 }, { 10, 3 }, { 11, 3 } } },
	{ .name = "-p onto stdout",
	  .place = { SPREAD },
	  .args = { "-p", "1024:1", NULL },
	  .want = { { 1, 1024 } } },
	/* Where /proc is hidden, a sanitizer-built probe writes an ASan warning to
	 * its stderr (this socket) before main() and dies of SIGPIPE itself; the
	 * refusals this case is about happen with /proc too (forced close_range
	 * under seccomp). */
	{ .name = "-p a listening socket onto stderr (refusals must not die of SIGPIPE)",
	  .place = { SPREAD },
	  .args = { "-p", "100:2", NULL },
	  .want = { { 2, 100 } },
	  .needs_proc = true },
	{ .name = "-k of a closed descriptor", .place = { SPREAD }, .args = { "-k", "50", NULL }, .refuse = true },
	{ .name = "-p from a closed descriptor", .place = { SPREAD }, .args = { "-p", "50:6", NULL }, .refuse = true },
	{ .name = "malformed list", .place = { SPREAD }, .args = { "-k", "3,,4", NULL }, .refuse = true, .plain_only = true },
	{ .name = "two sources, one target",
	  .place = { SPREAD },
	  .args = { "-p", "3:7", "-p", "4:7", NULL },
	  .refuse = true,
	  .plain_only = true },
	{ .name = "target inside a kept range",
	  .place = { SPREAD },
	  .args = { "-k", "3-10", "-p", "100:6", NULL },
	  .refuse = true,
	  .plain_only = true },
	{ .name = "descriptor above a lowered soft limit",
	  .place = { { 15000, TL_FILE }, { 3, TL_PIPE_R } },
	  .args = { NULL },
	  .soft_limit = 1000 },
	{ .name = "-k above a lowered soft limit",
	  .place = { { 15000, TL_FILE }, { 3, TL_PIPE_R } },
	  .args = { "-k", "15000", NULL },
	  .want = { { 15000, 15000 } },
	  .soft_limit = 1000 },
	{ .name = "table full but for the slot ld.so needs",
	  .place = { { 3, TL_FILE }, { 40, TL_SOCKPAIR } },
	  .args = { "-k", "40", NULL },
	  .want = { { 40, 40 } },
	  .soft_limit = 64,
	  .fill_table = true },
	{ .name = "full table at start (static build: no loader needs a slot)",
	  .place = { { 3, TL_FILE }, { 40, TL_SOCKPAIR } },
	  .args = { "-k", "40", NULL },
	  .want = { { 40, 40 } },
	  .soft_limit = 64,
	  .fill_table = true,
	  .static_build = true },
	{ .name = "soft limit 3: only 0, 1 and 2 fit (static build and probe)",
	  .place = { { 100, TL_FILE }, { 19999, TL_PIPE_R } },
	  .args = { "-k", "100", NULL },
	  .want = { { 100, 100 } },
	  .soft_limit = 3,
	  .static_build = true },
	{ .name = "soft limit 4, descriptors far above it",
	  .place = { { 100, TL_FILE }, { 19999, TL_PIPE_R } },
	  .args = { NULL },
	  .soft_limit = 4 },
	{ .name = "soft limit 4: -k above it, and stdout and stderr swapped through a temporary",
	  .place = { { 100, TL_SOCKPAIR }, { 19999, TL_FILE } },
	  .args = { "-k", "100", "-p", "1:2", "-p", "2:1", NULL },
	  .want = { { 1, 2 }, { 2, 1 }, { 100, 100 } },
	  .soft_limit = 4 },
	{ .name = "10000 open descriptors",
	  .place = { { 19999, TL_TCP } },
	  .args = { "-k", "5000-5002", NULL },
	  .want = { { 5000, 5000 }, { 5001, 5001 }, { 5002, 5002 } },
	  .bulk_lo = 3,
	  .bulk_hi = 10002 },
	/* Only the table size finds these without /proc (FDSize, or the select
	 * probe); where select is blocked too, max(soft, hard) is all there is:
	 * the documented leak, checked as documented (documented_leak()). */
	{ .name = "descriptors above a hard limit lowered after they were opened",
	  .place = { { 3, TL_FILE }, { 200, TL_PIPE_R }, { 15000, TL_SOCKPAIR } },
	  .args = { NULL },
	  .hard_limit = 64 },
	{ .name = "-k above a lowered hard limit, the rest closed",
	  .place = { { 3, TL_FILE }, { 200, TL_PIPE_R }, { 15000, TL_SOCKPAIR } },
	  .args = { "-k", "200", NULL },
	  .want = { { 200, 200 } },
	  .hard_limit = 64 },
	{ .name = "the caller ignores and blocks SIGSYS",
	  .place = { SPREAD },
	  .args = { "-k", "4", NULL },
	  .want = { { 4, 4 } },
	  .caller_sigsys = true },
	{ .name = "--verify with a full table at start (static build)",
	  .place = { { 3, TL_FILE }, { 40, TL_SOCKPAIR } },
	  .args = { "--verify", "-k", "40", NULL },
	  .want = { { 40, 40 } },
	  .soft_limit = 64,
	  .fill_table = true,
	  .static_build = true },
	{ .name = "stdin closed", .place = { SPREAD }, .close_stdio = 1 },
	{ .name = "stdout closed", .place = { SPREAD }, .close_stdio = 2 },
	{ .name = "stderr closed", .place = { SPREAD }, .close_stdio = 4 },
	{ .name = "0, 1 and 2 closed", .place = { SPREAD }, .args = { "-k", "3", NULL }, .want = { { 3, 3 } }, .close_stdio = 7 },
};

/* The kinds matrix: every kind of descriptor this machine can open, each
 * at a low (3...), a middle (500...) and a high (19950...) number: below
 * VG_TOP, so that valgrind runs move none of them. */
#define KIND_LO 3
#define KIND_MID 500
#define KIND_HI 19950
#define N_KIND_CASES 6
static struct tcase kind_cases[N_KIND_CASES];
static char kind_lists[4][512], kind_moves[4][32];

static void add_want(struct tcase *c, int fd, int from)
{
	size_t n = 0;
	while (n < MAX_WANT && c->want[n].fd)
		n++;
	if (n < MAX_WANT)
		c->want[n] = (struct expect){ fd, from };
}

/* The slot of kind in the matrix's rows, or -1 where it cannot be opened
 * here (said once, at the start). */
static int kind_slot[TL_KIND_COUNT];

static void make_kind_cases(void)
{
	int n = 0;
	struct placement place[MAX_PLACE] = { { 0, TL_FILE } };
	size_t np = 0, o[2] = { 0, 0 };

	for (int k = 0; k < TL_KIND_COUNT; k++) {
		const char *why = tl_kind_unavailable((enum tl_kind)k);
		kind_slot[k] = why ? -1 : n++;
		if (why) {
			printf("# kind %s is not placed here: %s\n", tl_kind_name((enum tl_kind)k), why);
			continue;
		}
		int at[3] = { KIND_LO + kind_slot[k], KIND_MID + kind_slot[k], KIND_HI + kind_slot[k] };
		for (int r = 0; r < 3; r++)
			place[np++] = (struct placement){ at[r], (enum tl_kind)k };
		o[0] += (size_t)snprintf(kind_lists[0] + o[0], sizeof(kind_lists[0]) - o[0], "%s%d",
					 o[0] ? "," : "", at[0]);
		o[1] += (size_t)snprintf(kind_lists[1] + o[1], sizeof(kind_lists[1]) - o[1], "%s%d",
					 o[1] ? "," : "", at[2]);
	}
	/* The O_PATH kinds are always there (Linux 2.6.39). */
	int pf_lo = KIND_LO + kind_slot[TL_PATH_FILE], pf_mid = KIND_MID + kind_slot[TL_PATH_FILE];
	int pd_mid = KIND_MID + kind_slot[TL_PATH_DIR], pd_hi = KIND_HI + kind_slot[TL_PATH_DIR];
	struct tcase *c = kind_cases;

	for (int i = 0; i < N_KIND_CASES; i++)
		memcpy(kind_cases[i].place, place, sizeof(place));
	c[0].name = "every kind at low, middle and high numbers, nothing kept";
	c[0].args[0] = NULL;

	c[1].name = "every kind, the low and high ones kept by -k singles";
	c[1].args[0] = "-k";
	c[1].args[1] = kind_lists[0];
	c[1].args[2] = "--keep-fd";
	c[1].args[3] = kind_lists[1];
	/* A range of 64 or more: close_range(CLOSE_RANGE_CLOEXEC) over it, then
	 * FD_CLOEXEC cleared on the open ones, which must all be found. */
	c[2].name = "every kind, the middle and high ones kept by -k ranges of 64 or more";
	c[2].args[0] = "-k";
	c[2].args[1] = "480-560";
	c[2].args[2] = "-k";
	c[2].args[3] = "19900-19979";
	for (int k = 0; k < TL_KIND_COUNT; k++) {
		if (kind_slot[k] < 0)
			continue;
		int lo = KIND_LO + kind_slot[k], mid = KIND_MID + kind_slot[k], hi = KIND_HI + kind_slot[k];
		add_want(&c[1], lo, lo);
		add_want(&c[1], hi, hi);
		add_want(&c[2], mid, mid);
		add_want(&c[2], hi, hi);
	}
	/* O_PATH files and directories have inodes of their own: a move is
	 * checked by identity. */
	c[3].name = "O_PATH descriptors moved, and two swapped through a temporary";
	snprintf(kind_moves[0], sizeof(kind_moves[0]), "%d:30", pf_lo);
	snprintf(kind_moves[1], sizeof(kind_moves[1]), "%d:1000", pd_hi);
	snprintf(kind_moves[2], sizeof(kind_moves[2]), "%d:%d", pf_mid, pd_mid);
	snprintf(kind_moves[3], sizeof(kind_moves[3]), "%d:%d", pd_mid, pf_mid);
	for (int i = 0; i < 4; i++) {
		c[3].args[2 * i] = "-p";
		c[3].args[2 * i + 1] = kind_moves[i];
	}
	add_want(&c[3], 30, pf_lo);
	add_want(&c[3], 1000, pd_hi);
	add_want(&c[3], pd_mid, pf_mid);
	add_want(&c[3], pf_mid, pd_mid);
	/* --nofile: a kept descriptor at or above the new soft limit is an
	 * error (COMMAND could not use it); one not kept is closed anyway. */
	snprintf(kind_lists[3], sizeof(kind_lists[3]), "%d", pf_mid);
	c[4].name = "--nofile=100 with a kept O_PATH descriptor above it";
	c[4].args[0] = "--nofile=100";
	c[4].args[1] = "-k";
	c[4].args[2] = kind_lists[3];
	c[4].refuse = true;
	c[4].nofile = true;
	c[5].name = "--nofile=100, every kind above it closed (O_PATH too)";
	c[5].args[0] = "--nofile=100";
	c[5].args[1] = "-k";
	c[5].args[2] = kind_lists[0];
	c[5].nofile = true;
	for (int k = 0; k < TL_KIND_COUNT; k++)
		if (kind_slot[k] >= 0)
			add_want(&c[5], KIND_LO + kind_slot[k], KIND_LO + kind_slot[k]);
}

static const char *const methods[] = { "auto", "close_range", "proc", "poll", "loop" };

/* --valgrind: closefds runs under valgrind memcheck; a memory error or a
 * leak makes it exit 99, or, once COMMAND is exec'd, leaves a report on
 * stderr: either fails the case.  valgrind cannot start
 * without /proc or with stderr closed, keeps the 12 descriptors below the
 * soft limit for itself and does not start under a soft limit of a few
 * descriptors: those cases are skipped, and every descriptor number from
 * VG_TOP up (placements, expectations and arguments) is moved VG_SHIFT
 * lower. */
static bool valgrind;
/* --quick (the README's test command): the kind cases in every environment
 * with every method, as always; the other cases with every method in two
 * environments (plain, and close_range refused without /proc) and with auto
 * in the rest.  Without it (the matrix suite, tests/matrix): every case in
 * every environment with every method. */
static bool quick;
/* --part=K/N: only the environments whose number is K-1 modulo N (and the
 * tests outside the environments in part 1), so that N processes share the
 * matrix between the machine's cores. */
static int part = 1, parts = 1;

static bool in_part(int env)
{
	return env % parts == part - 1;
}
#define VG_TOP 19980
#define VG_SHIFT 100

static int vg_fd(int fd)
{
	return valgrind && fd >= VG_TOP ? fd - VG_SHIFT : fd;
}

/* arg with every number from VG_TOP up moved down, into out. */
static const char *vg_arg(const char *arg, char *out, size_t len)
{
	size_t o = 0;

	if (!valgrind)
		return arg;
	for (const char *p = arg; *p && o + 12 < len;) {
		if (*p >= '0' && *p <= '9') {
			char *end;
			long v = strtol(p, &end, 10);
			o += (size_t)snprintf(out + o, len - o, "%ld", v >= VG_TOP ? v - VG_SHIFT : v);
			p = end;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static void diag(const char *text)
{
	char copy[8192];

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		printf("#   %s\n", line);
}

struct setup_arg {
	const struct tcase *c;
	enum tl_env env;
};

static int case_setup(void *p)
{
	const struct setup_arg *sa = p;
	const struct tcase *c = sa->c;

	for (int i = c->bulk_lo; c->bulk_hi && i <= c->bulk_hi; i++)
		if (tl_place(TL_DEVNULL, i) < 0)
			return -1;
	for (size_t i = 0; i < MAX_PLACE && c->place[i].fd; i++)
		if (tl_place(c->place[i].kind, vg_fd(c->place[i].fd)) < 0)
			return -1;
	for (int fd = 0; fd <= 2; fd++)
		if (c->close_stdio & (1 << fd))
			close(fd);
	if (c->caller_sigsys) {
		sigset_t sys;
		sigemptyset(&sys);
		sigaddset(&sys, SIGSYS);
		if (signal(SIGSYS, SIG_IGN) == SIG_ERR || sigprocmask(SIG_BLOCK, &sys, NULL) < 0)
			return tl_fail("ignoring and blocking SIGSYS");
	}
	return tl_env_apply(sa->env);
}

/* After the "before" report (which needs a slot of its own), just before
 * the exec: lower the soft limit, fill the table. */
static int case_late(void *p)
{
	const struct setup_arg *sa = p;

	if (sa->c->soft_limit) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return tl_fail("getrlimit(RLIMIT_NOFILE)");
		rl.rlim_cur = (rlim_t)sa->c->soft_limit;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return tl_fail("setrlimit(RLIMIT_NOFILE, %d:%llu)", sa->c->soft_limit,
				       (unsigned long long)rl.rlim_max);
	}
	if (sa->c->hard_limit) {
		struct rlimit rl = { (rlim_t)sa->c->hard_limit, (rlim_t)sa->c->hard_limit };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return tl_fail("setrlimit(RLIMIT_NOFILE, %d:%d)", sa->c->hard_limit,
				       sa->c->hard_limit);
	}
	/* Fill the table.  For the dynamically linked closefds, free the last
	 * slot again: the dynamic loader needs one descriptor to load libc, or
	 * closefds never starts.  The static build starts with EMFILE for real. */
	if (sa->c->fill_table) {
		int last = -1, fd;
		while ((fd = open("/dev/null", O_RDONLY)) >= 0)
			last = fd;
		if (errno != EMFILE || last < 0)
			return tl_fail("filling the table: open /dev/null (want EMFILE)");
		if (!sa->c->static_build)
			close(last);
	}
	return 0;
}

/* The refusal shape: 125, closefds' own message, nothing run.  The
 * message is not in the captured stderr when 2 was closed at start (it went
 * to /dev/null) or when a move replaced 2 before the failure (it went to
 * the new 2, as the man page says). */
static bool refused(const struct tcase *c, const struct tl_run *run, char *why, size_t len)
{
	bool stderr_closed = c->close_stdio & 4;
	for (size_t i = 0; i < MAX_WANT && c->want[i].fd; i++)
		stderr_closed |= c->want[i].fd == 2 && c->want[i].from != 2;

	if (run->status == 125 && !run->probe_ran &&
	    (stderr_closed ? run->err[0] == '\0' : strncmp(run->err, "closefds: ", 10) == 0))
		return true;
	snprintf(why, len, "expected a refusal; got status %d, probe %s, stderr: %s", run->status,
		 run->probe_ran ? "ran" : "did not run", run->err);
	return false;
}

/* The probe's table must be exactly 0, 1, 2 and c->want, with the right
 * identities, none close-on-exec; and, from leak_from up (when not 0), every
 * descriptor of the "before" table: the documented leak above a lowered
 * hard limit where only RLIMIT_NOFILE bounds the scan.  With
 * c->caller_sigsys, the ignored SIGSYS and its blocking reach COMMAND. */
static bool table_matches(const struct tcase *c, const struct tl_run *run, int leak_from,
			  char *why, size_t len)
{
	const struct tl_report *b = &run->before, *a = &run->after;
	char devnull[48];
	int n_want = 3;
	/* closefds reopens a closed 0, 1 or 2 read-write (fdcheck.c). */
	int fd_null = open("/dev/null", O_RDWR | O_CLOEXEC);

	tl_identity(fd_null, devnull, sizeof(devnull));
	close(fd_null);
	if (run->status != 0 || !run->probe_ran) {
		snprintf(why, len, "status %d, probe %s, stderr: %s", run->status,
			 run->probe_ran ? "ran" : "did not run", run->err);
		return false;
	}
	for (int fd = 0; fd <= 2; fd++) {
		const char *want = (c->close_stdio & (1 << fd)) ? devnull : tl_report_identity(b, fd);
		const char *got = tl_report_identity(a, fd);
		/* A move onto a standard stream is checked with c->want. */
		bool moved = false;
		for (size_t i = 0; i < MAX_WANT && c->want[i].fd; i++)
			moved |= c->want[i].fd == fd;
		if (!moved && (!want || !got || strcmp(want, got) != 0)) {
			snprintf(why, len, "descriptor %d is %s, expected %s", fd, got ? got : "closed",
				 want ? want : "?");
			return false;
		}
	}
	for (size_t i = 0; i < MAX_WANT && c->want[i].fd; i++) {
		const char *want = c->want[i].from == DEVNULL_FROM
					   ? devnull
					   : tl_report_identity(b, vg_fd(c->want[i].from));
		const char *got = tl_report_identity(a, vg_fd(c->want[i].fd));
		if (c->want[i].fd > 2)
			n_want++;
		if (!want || !got || strcmp(want, got) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected that of %d before (%s)",
				 c->want[i].fd, got ? got : "closed", c->want[i].from, want ? want : "?");
			return false;
		}
	}
	for (int i = 0; leak_from && i < b->n; i++) {
		bool wanted = false;
		for (size_t w = 0; w < MAX_WANT && c->want[w].fd; w++)
			wanted |= c->want[w].fd == b->fd[i];
		if (b->fd[i] < leak_from || wanted)
			continue;
		const char *got = tl_report_identity(a, b->fd[i]);
		if (!got || strcmp(got, b->id[i]) != 0) {
			snprintf(why, len, "descriptor %d was expected to leak (documented), got %s",
				 b->fd[i], got ? got : "closed");
			return false;
		}
		n_want++;
	}
	unsigned long long sys_bit = 1ULL << (SIGSYS - 1);
	if (c->caller_sigsys &&
	    (strcmp(a->sigign, b->sigign) != 0 || strcmp(a->sigblk, b->sigblk) != 0 ||
	     !(strtoull(a->sigign, NULL, 16) & sys_bit) || !(strtoull(a->sigblk, NULL, 16) & sys_bit))) {
		snprintf(why, len, "SIGSYS state changed: ignored %s (before %s), blocked %s (before %s)",
			 a->sigign, b->sigign, a->sigblk, b->sigblk);
		return false;
	}
	for (int i = 0; i < a->n; i++) {
		if (a->cloexec[i]) {
			snprintf(why, len, "descriptor %d is close-on-exec", a->fd[i]);
			return false;
		}
	}
	if (a->n != n_want) {
		size_t o = (size_t)snprintf(why, len, "expected %d descriptors, got %d:", n_want, a->n);
		for (int i = 0; i < a->n && i < 40 && o < len; i++)
			o += (size_t)snprintf(why + o, len - o, " %d", a->fd[i]);
		return false;
	}
	return true;
}

static void run_case(const char *closefds, const char *probe, const struct tcase *c,
		     enum tl_env env, const char *method)
{
	static struct tl_run run;
	const char *args[24];
	char moved[16][256];
	size_t n = 0;
	char why[4096] = "";
	struct setup_arg sa = { c, env };

	if (strcmp(method, "auto") != 0) {
		args[n++] = "-m";
		args[n++] = method;
	}
	for (size_t i = 0; c->args[i]; i++)
		args[n++] = vg_arg(c->args[i], moved[i], sizeof(moved[i]));
	args[n] = NULL;

	/* proc needs a free slot to open /proc/self/fd: with a truly full
	 * table it must refuse. */
	bool must_refuse = c->refuse ||
			   (strcmp(method, "close_range") == 0 && tl_env_blocks_close_range(env)) ||
			   (strcmp(method, "proc") == 0 && (tl_env_hides_proc(env) || c->static_build)) ||
			   (strcmp(method, "poll") == 0 && tl_env_blocks_poll(env));
	int leak_from = c->hard_limit && tl_env_bound_is_limit(env) ? c->hard_limit : 0;
	bool ok;
	if (tl_run_closefds(closefds, probe, args, NULL, case_setup, case_late, &sa, &run) < 0) {
		snprintf(why, sizeof(why), "could not run the case: %s", run.err);
		ok = false;
	} else {
		ok = must_refuse ? refused(c, &run, why, sizeof(why))
				 : table_matches(c, &run, leak_from, why, sizeof(why));
		if (ok && valgrind && tl_valgrind_report(&run)) {
			snprintf(why, sizeof(why), "memcheck: %s", run.err);
			ok = false;
		}
	}
	tl_result(ok, "%s [%s, %s]%s", c->name, tl_env_name(env), method,
	       must_refuse ? ": refused" : ": exact table");
	if (!ok)
		diag(why);
}

/* argc == 0: a setuid program given no argv[0] would read its environment
 * as arguments (CVE-2021-4034).  closefds must refuse. */
static void test_argc_zero(const char *closefds)
{
	char errfile[128], err[512] = "";
	int st;

	snprintf(errfile, sizeof(errfile), "%s/argc0", tl_workdir());
	pid_t pid = tl_fork();
	if (pid == 0) {
		int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(e, 2);
		char *argv[] = { NULL };
		char *envp[] = { (char *)"-k", (char *)"3", NULL };
		execve(closefds, argv, envp);
		dprintf(2, "systest: execve %s: %s\n", closefds, strerror(errno));
		_exit(93);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		tl_result(false, "argc == 0 is refused with 125");
		printf("#   %s: %s\n", pid < 0 ? "fork" : "waitpid", strerror(errno));
		return;
	}
	int fd = open(errfile, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	tl_result(WIFEXITED(st) && WEXITSTATUS(st) == 125 && strstr(err, "closefds: ") == err,
	       "argc == 0 is refused with 125");
}

static int state_setup(void *p)
{
	(void)p;
	sigset_t set;

	signal(SIGUSR1, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	umask(027);
	return chdir("/usr") == 0 && setenv("CLOSEFDS_TEST_VAR", "x y=z", 1) == 0 ? 0 : -1;
}

static void test_state_unchanged(const char *closefds, const char *probe)
{
	static struct tl_run run;
	const char *args[] = { NULL };
	bool ran = tl_run_closefds(closefds, probe, args, NULL, state_setup, NULL, NULL, &run) == 0 &&
		   run.probe_ran;
	const struct tl_report *b = &run.before, *a = &run.after;

	if (!ran)
		printf("# the probe did not run: status %d, stderr: %s\n", run.status, run.err);
	tl_result(ran && strcmp(b->env, "x y=z") == 0 && strcmp(a->env, b->env) == 0,
	       "environment reaches COMMAND unchanged (%s)", a->env);
	/* qemu-user installs a handler of its own for every signal, so the
	 * kernel resets them at the exec and the next qemu starts with SIG_DFL:
	 * an ignored signal does not survive an exec there. */
	if (tl_emulator())
		printf("ok %d - ignored signals unchanged # SKIP %s does not carry ignored signals across exec\n",
		       ++tl_tap_number, tl_emulator());
	else
		tl_result(ran && strcmp(a->sigign, b->sigign) == 0 &&
			       strtoull(a->sigign, NULL, 16) & (1ULL << (SIGUSR1 - 1)),
		       "ignored signals unchanged (%s)", a->sigign);
	tl_result(ran && strcmp(a->sigblk, b->sigblk) == 0 && strtoull(a->sigblk, NULL, 16) & (1ULL << (SIGUSR2 - 1)),
	       "signal mask unchanged (%s)", a->sigblk);
	tl_result(ran && strcmp(a->cwd, "/usr") == 0, "working directory unchanged (%s)", a->cwd);
	tl_result(ran && strcmp(a->umask, "027") == 0, "umask unchanged (%s)", a->umask);
}

static int gvisor_setup(void *p)
{
	(void)p;
	return tl_env_apply(TL_CR_GVISOR);
}

/* gVisor rejects a close_range bound above INT_MAX with EINVAL: closefds
 * asks for 3..INT_MAX, so CLOSE_RANGE_CLOEXEC runs there, not a fallback. */
static void test_gvisor_bound(const char *closefds, const char *probe)
{
	static struct tl_run run;
	const char *args[] = { "-v", NULL };
	bool ran = tl_run_closefds(closefds, probe, args, NULL, gvisor_setup, NULL, NULL, &run) == 0;

	tl_result(ran && run.status == 0 && strstr(run.err, "close_range(CLOSE_RANGE_CLOEXEC) closed") &&
		       !strstr(run.err, "failed"),
	       "under a filter that answers close_range above INT_MAX with EINVAL (gVisor), "
	       "CLOSE_RANGE_CLOEXEC runs: status %d", run.status);
	if (!(ran && strstr(run.err, "close_range(CLOSE_RANGE_CLOEXEC) closed") && !strstr(run.err, "failed")))
		diag(run.err);
}

static int become_nobody(void *p)
{
	(void)p;
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0)
		return tl_fail("setgroups/setresgid %d", NOBODY);
	return setresuid(NOBODY, NOBODY, NOBODY) < 0 ? tl_fail("setresuid %d", NOBODY) : 0;
}

/* A copy of path in the work directory, owned by uid, mode 4755. */
static int setuid_copy(const char *path, const char *name, uid_t uid, char *out, size_t len)
{
	char cmd[1024];

	snprintf(out, len, "%s/%s", tl_workdir(), name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, out);
	if (system(cmd) != 0 || chown(out, uid, 0) < 0 || chmod(out, 04755) < 0)
		return -1;
	return 0;
}

/* The three setuid results, all skipped (the plan counts three). */
static void skip_setuid(const char *why)
{
	for (int i = 0; i < 3; i++)
		printf("ok %d - setuid # SKIP %s\n", ++tl_tap_number, why);
}

static void test_setuid(const char *closefds, const char *probe)
{
	static struct tl_run run;
	char suid_probe[256], suid_closefds[256], nobody_closefds[256], ctl[300];
	const char *none[] = { NULL };

	/* The control: a setuid-root copy of the probe itself, run as nobody,
	 * must come up with euid 0, or this machine ignores setuid (nosuid
	 * mount, no_new_privs) and the real test would prove nothing. */
	if (setuid_copy(probe, "suid-probe", 0, suid_probe, sizeof(suid_probe)) < 0) {
		skip_setuid("cannot make a setuid copy");
		return;
	}
	snprintf(ctl, sizeof(ctl), "%s/control", tl_workdir());
	pid_t pid = tl_fork();
	if (pid == 0) {
		if (become_nobody(NULL) < 0)
			_exit(91);
		execl(suid_probe, suid_probe, ctl, (char *)NULL);
		tl_fail("execl %s", suid_probe);
		_exit(93);
	}
	int st;
	if (pid < 0)
		tl_fail("fork");
	else
		waitpid(pid, &st, 0);
	struct tl_report *r = &run.after;
	if (tl_read_report(ctl, r) < 0 || strcmp(r->ids, "65534 0 0 65534 65534 65534") != 0) {
		char why[256];
		/* Under qemu-user the kernel starts qemu for the binary: without
		 * the binfmt_misc C flag (Debian registers none) with the
		 * caller's ids, not the file's. */
		snprintf(why, sizeof(why), "setuid has no effect here (control: '%s')%s%s", r->ids,
			 tl_emulator() ? ": binfmt_misc starts " : "",
			 tl_emulator() ? tl_emulator() : "");
		if (tl_emulator())
			strncat(why, " with the caller's ids (no C flag)", sizeof(why) - strlen(why) - 1);
		skip_setuid(why);
		return;
	}
	tl_result(true, "control: a setuid-root probe run as nobody gets euid 0");

	if (setuid_copy(closefds, "suid-closefds", 0, suid_closefds, sizeof(suid_closefds)) < 0 ||
	    tl_run_closefds(suid_closefds, probe, none, NULL, become_nobody, NULL, NULL, &run) < 0) {
		tl_result(false, "setuid-root closefds run as nobody");
		return;
	}
	tl_result(run.status == 0 && run.probe_ran &&
		       strcmp(run.after.ids, "65534 65534 65534 65534 65534 65534") == 0,
	       "setuid-root closefds run as nobody: COMMAND has only nobody's ids (%s)",
	       run.after.ids);

	/* Root calling a copy that is setuid to nobody keeps root: dropping to
	 * the real ids is right, and root may take any id back by right. */
	if (setuid_copy(closefds, "nobody-closefds", NOBODY, nobody_closefds,
			sizeof(nobody_closefds)) < 0 ||
	    tl_run_closefds(nobody_closefds, probe, none, NULL, NULL, NULL, NULL, &run) < 0) {
		tl_result(false, "closefds setuid to nobody run by root");
		return;
	}
	tl_result(run.status == 0 && run.probe_ran && strcmp(run.after.ids, "0 0 0 0 0 0") == 0,
	       "closefds setuid to nobody run by root: COMMAND runs as root (%s, status %d)",
	       run.after.ids, run.status);
}

/* Every case, plain and kinds, in the order the plan counts them. */
static const struct tcase *all[sizeof(cases) / sizeof(cases[0]) + N_KIND_CASES];
static size_t n_all;

struct env_group {
	const char *closefds, *probe, *static_closefds, *static_probe;
	enum tl_env env;
	bool sanitized;
};

/* One case in one environment with one method, or its SKIP line. */
static void run_or_skip(const struct env_group *g, const struct tcase *c, size_t m)
{
	enum tl_env env = g->env;
	const char *emulator = tl_emulator();

	if (valgrind && tl_env_hides_proc(env))
		printf("ok %d - %s [%s] # SKIP valgrind cannot start without /proc\n", ++tl_tap_number,
		       c->name, tl_env_name(env));
	else if (valgrind && tl_env_traps(env))
		printf("ok %d - %s [%s] # SKIP valgrind itself asserts on a seccomp SIGSYS (m_signals.c, async_signalhandler)\n",
		       ++tl_tap_number, c->name, tl_env_name(env));
	else if (valgrind && c->hard_limit)
		printf("ok %d - %s # SKIP valgrind keeps descriptors of its own below the lowered limit\n",
		       ++tl_tap_number, c->name);
	else if (valgrind && (c->soft_limit || c->fill_table || c->static_build))
		printf("ok %d - %s # SKIP valgrind needs descriptors of its own below the soft limit\n",
		       ++tl_tap_number, c->name);
	else if (valgrind && (c->close_stdio & 4))
		printf("ok %d - %s # SKIP valgrind does not start with stderr closed (exit 127)\n",
		       ++tl_tap_number, c->name);
	else if (c->needs_proc && g->sanitized && tl_env_hides_proc(env))
		printf("ok %d - %s [%s] # SKIP a sanitizer-built probe cannot start with a socket on stderr and no /proc\n",
		       ++tl_tap_number, c->name, tl_env_name(env));
	else if (emulator && tl_env_uses_seccomp(env) && !tl_seccomp_works())
		printf("ok %d - %s [%s, %s] # SKIP %s refuses seccomp filters (PR_SET_SECCOMP: EINVAL)\n",
		       ++tl_tap_number, c->name, tl_env_name(env), methods[m], emulator);
	else if (emulator && c->hard_limit && tl_env_hides_proc(env))
		printf("ok %d - %s [%s, %s] # SKIP under %s the select probe cannot size a table above 512 slots, and without /proc the bound is the limit\n",
		       ++tl_tap_number, c->name, tl_env_name(env), methods[m], emulator);
	else if (emulator && c->caller_sigsys)
		printf("ok %d - %s [%s, %s] # SKIP %s does not carry ignored signals across exec\n",
		       ++tl_tap_number, c->name, tl_env_name(env), methods[m], emulator);
	else if (emulator && c->static_build)
		printf("ok %d - %s [%s, %s] # SKIP %s needs free descriptors of its own to start a program\n",
		       ++tl_tap_number, c->name, tl_env_name(env), methods[m], emulator);
	else if (c->static_build && !g->static_closefds)
		printf("ok %d - %s # SKIP no static build (sanitizers, or no static libc)\n",
		       ++tl_tap_number, c->name);
	else
		run_case(c->static_build ? g->static_closefds : g->closefds,
			 c->static_build ? g->static_probe : g->probe, c, env, methods[m]);
}

/* How many runs case c has in env: its first methods (auto first). */
static size_t runs_of(const struct tcase *c, enum tl_env env)
{
	size_t n_methods = sizeof(methods) / sizeof(methods[0]);

	if (c->plain_only)
		return env == TL_PLAIN ? 1 : 0;
	if (quick && !c->kinds && env != TL_PLAIN && env != TL_CR_EPERM_NO_PROC)
		return 1; /* auto */
	return n_methods;
}

/* The cases of one environment (tl_env_group: in a child with /proc hidden
 * once, when env hides it). */
static void run_group(void *p)
{
	const struct env_group *g = p;

	for (size_t i = 0; i < n_all; i++) {
		const struct tcase *c = all[i];
		for (size_t m = 0; m < runs_of(c, g->env); m++) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			run_or_skip(g, c, m);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (getenv("SYSTEST_TIMES"))
				printf("# time %.1f ms: %s [%s, %s]\n",
				       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
				       c->name, tl_env_name(g->env), methods[m]);
		}
	}
}

int main(int argc, char *argv[])
{
	int vg = tl_valgrind_option(&argc, &argv);
	if (vg < 0)
		return 0;
	valgrind = vg > 0;
	for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
		if (strcmp(argv[1], "--quick") == 0)
			quick = true;
		else if (sscanf(argv[1], "--part=%d/%d", &part, &parts) != 2 || parts < 1 || part < 1 ||
			 part > parts) {
			fprintf(stderr, "systest: unknown option %s\n", argv[1]);
			return 2;
		}
	}
	if (argc != 3 && argc != 5) {
		fprintf(stderr,
			"usage: systest [--valgrind] [--quick] [--part=K/N] CLOSEFDS FDPROBE [CLOSEFDS_STATIC FDPROBE_STATIC]\n");
		return 2;
	}
	const char *closefds = argv[1], *probe = argv[2];
	const char *static_closefds = argc == 5 ? argv[3] : NULL;
	const char *static_probe = argc == 5 ? argv[4] : NULL;
#ifdef __SANITIZE_ADDRESS__
	const bool sanitized = true;
#else
	const bool sanitized = false;
#endif
	size_t planned = 0;

	chmod(tl_workdir(), 01777); /* the probe runs as nobody in the setuid case */
	make_kind_cases();
	n_all = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		all[n_all++] = &cases[i];
	for (size_t i = 0; i < N_KIND_CASES; i++) {
		kind_cases[i].kinds = true;
		all[n_all++] = &kind_cases[i];
	}
	for (int env = 0; env < TL_ENV_COUNT; env++)
		for (size_t i = 0; in_part(env) && i < n_all; i++)
			planned += runs_of(all[i], (enum tl_env)env);
	printf("1..%zu\n", planned + (part == 1 ? 1 + 5 + 1 + 3 : 0));

	/* Grouped by environment: one mount namespace (one unshare) for all
	 * the cases of an environment that hides /proc. */
	struct env_group g = { closefds, probe, static_closefds, static_probe, TL_PLAIN, sanitized };
	for (int env = 0; env < TL_ENV_COUNT; env++) {
		if (!in_part(env))
			continue;
		g.env = (enum tl_env)env;
		tl_env_group(g.env, run_group, &g);
	}
	if (part == 1) {
		test_argc_zero(closefds);
		test_state_unchanged(closefds, probe);
		if (tl_emulator() && !tl_seccomp_works())
			printf("ok %d - gVisor-like close_range filter # SKIP %s refuses seccomp filters\n",
			       ++tl_tap_number, tl_emulator());
		else
			test_gvisor_bound(closefds, probe);
		if (valgrind)
			skip_setuid("valgrind does not run setuid programs");
		else
			test_setuid(closefds, probe);
	}
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
