/* libsystest.c: libclosefds called directly (not through closefds) in
 * every environment the system tests know (tl_env: seccomp filters on
 * close_range, select and poll, /proc unmounted or a tmpfs, gVisor's
 * close_range), with every kind of descriptor this machine can open, each
 * at a low (3...), a middle (500...) and a high (19950...) number.
 *
 * Per environment (one tl_env_group: one mount namespace), each case in a
 * forked child that first closes everything from 3 up, places the
 * descriptors, notes their identities (tl_identity: device, inode, access
 * mode), then enters the environment (tl_env_apply) and calls the library:
 *   - closefds_close_except(3, KEEP, n, 0): the table is then exactly 0-2
 *     and KEEP, each kept descriptor the same file, inheritable;
 *   - the same with CLOSEFDS_CLOEXEC: every other descriptor closed or
 *     close-on-exec, and fdprobe exec'd next inherits exactly 0-2 and KEEP
 *     (tl_read_report), by identity;
 *   - closefds_for_each_open(3, ...) visits exactly the placed descriptors,
 *     in increasing order, every kind (O_PATH too); from the middle number
 *     up only those from there; a non-zero return stops the walk;
 *   - closefds_check() after a clean close finds nothing; one descriptor
 *     left on purpose (an O_PATH one, which poll cannot see, at 777) and a
 *     socket at 12000 are two leaks, the first 777; a close-on-exec one is
 *     none;
 *   - closefds_table_size() covers the highest descriptor.
 * KEEP: the low one of every other kind, the middle one of the rest, the
 * high one of every third, plus a duplicate, -1 and 2.
 *
 *   libsystest FDPROBE
 *
 * Output: TAP. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closefds.h"
#include "testlib.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#define KIND_LO 3
#define KIND_MID 500
#define KIND_HI 19950
#define LEFT_FD 777     /* the descriptor left open on purpose (O_PATH) */
#define LEFT_FD2 12000  /* and a second one (a socketpair end) */
#define SCAN_TOP 20480  /* every descriptor placed is below */
#define MAX_PLACED (3 * TL_KIND_COUNT)
#define MAX_KEEP (MAX_PLACED + 3)

static const char *probe;

/* The placements, the same in every environment. */
static struct {
	int fd;
	enum tl_kind kind;
	bool keep;
} placed[MAX_PLACED];
static int n_placed, keep[MAX_KEEP];
static size_t n_keep;
static int top_fd;

static void make_placements(void)
{
	int slot = 0;

	for (int k = 0; k < TL_KIND_COUNT; k++) {
		const char *why = tl_kind_unavailable((enum tl_kind)k);
		if (why) {
			printf("ok %d - kind %s # SKIP cannot be opened here: %s\n", ++tl_tap_number,
			       tl_kind_name((enum tl_kind)k), why);
			continue;
		}
		int at[3] = { KIND_LO + slot, KIND_MID + slot, KIND_HI + slot };
		bool kept[3] = { slot % 2 == 0, slot % 2 == 1, slot % 3 == 0 };
		for (int r = 0; r < 3; r++) {
			placed[n_placed].fd = at[r];
			placed[n_placed].kind = (enum tl_kind)k;
			placed[n_placed].keep = kept[r];
			if (kept[r])
				keep[n_keep++] = at[r];
			n_placed++;
		}
		top_fd = at[2];
		slot++;
	}
	/* Unsorted: the high ones first.  A duplicate, a negative number and
	 * one below lowfd are allowed. */
	for (size_t i = 0, j = n_keep - 1; i < j; i++, j--) {
		int t = keep[i];
		keep[i] = keep[j];
		keep[j] = t;
	}
	keep[n_keep++] = keep[0];
	keep[n_keep++] = -1;
	keep[n_keep++] = 2;
}

static bool is_kept(int fd)
{
	for (int i = 0; i < n_placed; i++)
		if (placed[i].fd == fd)
			return placed[i].keep;
	return false;
}

/* ---- running a case in a child ---- */

/* The child's verdict: "" when it passed, else why; MAP_SHARED. */
static char *verdict;
/* The placed descriptors' identities, noted in the child: MAP_SHARED too. */
static char (*ids)[48];

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	if (verdict[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(verdict, 1024, fmt, ap);
	va_end(ap);
	return -1;
}

/* Close everything from 3 up, place the descriptors, note their identities. */
static int prepare(void)
{
	if (syscall(__NR_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < SCAN_TOP; fd++)
			close(fd);
	for (int i = 0; i < n_placed; i++) {
		if (tl_place(placed[i].kind, placed[i].fd) < 0)
			return fail("tl_place(%s, %d): %s", tl_kind_name(placed[i].kind), placed[i].fd,
				    strerror(errno));
		tl_identity(placed[i].fd, ids[i], sizeof(*ids));
	}
	return 0;
}

/* After a close: from 3 up only the kept ones are open (cloexec_ok: or
 * close-on-exec), each the same file and inheritable. */
static int check_table(bool cloexec_ok)
{
	for (int fd = 3; fd < SCAN_TOP; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0)
			continue;
		if (!is_kept(fd)) {
			if (cloexec_ok && (fl & FD_CLOEXEC))
				continue;
			char id[48];
			tl_identity(fd, id, sizeof(id));
			return fail("descriptor %d (%s) is open%s and not kept", fd, id,
				    fl & FD_CLOEXEC ? ", close-on-exec," : "");
		}
		if (fl & FD_CLOEXEC)
			return fail("kept descriptor %d became close-on-exec", fd);
	}
	for (int i = 0; i < n_placed; i++) {
		char id[48];
		if (!placed[i].keep)
			continue;
		tl_identity(placed[i].fd, id, sizeof(id));
		if (strcmp(id, ids[i]) != 0)
			return fail("kept descriptor %d (%s) is %s", placed[i].fd,
				    tl_kind_name(placed[i].kind), id);
	}
	return 0;
}

struct walk {
	int seen[MAX_PLACED + 8];
	int n;
	int stop_after; /* 0: never */
};

static int collect(int fd, void *arg)
{
	struct walk *w = arg;

	if (w->n < MAX_PLACED + 8)
		w->seen[w->n] = fd;
	w->n++;
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

/* The walk from lowfd saw exactly the placed descriptors from lowfd up. */
static int check_walk(const struct walk *w, int lowfd)
{
	int j = 0;

	/* placed[] is in kind order: go through the numbers. */
	for (int fd = lowfd; fd < SCAN_TOP; fd++) {
		bool is_placed = false;
		for (int i = 0; i < n_placed; i++)
			is_placed |= placed[i].fd == fd;
		if (!is_placed)
			continue;
		if (j >= w->n || w->seen[j] != fd) {
			const char *kind = "?";
			for (int i = 0; i < n_placed; i++)
				if (placed[i].fd == fd)
					kind = tl_kind_name(placed[i].kind);
			return fail("walk from %d: expected %d (%s) as visit %d, got %d", lowfd, fd, kind,
				    j + 1, j < w->n ? w->seen[j] : -1);
		}
		j++;
	}
	if (j != w->n)
		return fail("walk from %d: %d visits, %d descriptors placed there (extra: %d)", lowfd,
			    w->n, j, w->seen[j]);
	return 0;
}

enum case_id { C_CLOSE, C_CLOEXEC, C_WALK, C_CHECK, C_SIZE, N_CASES };
static const char *const case_name[N_CASES] = {
	"closefds_close_except(3, keep, n, 0): exactly 0-2 and the kept ones, by identity",
	"closefds_close_except(..., CLOSEFDS_CLOEXEC): the rest closed or close-on-exec; fdprobe inherits exactly 0-2 and the kept ones",
	"closefds_for_each_open: every placed descriptor, every kind, in order; from the middle; stopped by fn",
	"closefds_check: 0 after a clean close; a left O_PATH descriptor and a socket are 2 leaks, the first 777; close-on-exec is none",
	"closefds_table_size covers the highest descriptor",
};

struct case_arg {
	enum case_id c;
	enum tl_env env;
	char report[600];
};

static int case_body(const struct case_arg *a)
{
	struct walk w;
	int first = -1, r;

	if (prepare() < 0)
		return -1;
	if (tl_env_apply(a->env) < 0)
		return fail("tl_env_apply(%s): %s", tl_env_name(a->env), strerror(errno));
	switch (a->c) {
	case C_CLOSE:
		if (closefds_close_except(3, keep, n_keep, 0) != 0)
			return fail("closefds_close_except: %s", strerror(errno));
		return check_table(false);
	case C_CLOEXEC:
		if (closefds_close_except(3, keep, n_keep, CLOSEFDS_CLOEXEC) != 0)
			return fail("closefds_close_except(CLOSEFDS_CLOEXEC): %s", strerror(errno));
		if (check_table(true) < 0)
			return -1;
		execl(probe, probe, a->report, (char *)NULL);
		return fail("execl %s: %s", probe, strerror(errno));
	case C_WALK:
		memset(&w, 0, sizeof(w));
		if ((r = closefds_for_each_open(3, collect, &w)) != 0)
			return fail("closefds_for_each_open(3): returned %d (%s)", r, strerror(errno));
		if (check_walk(&w, 3) < 0)
			return -1;
		memset(&w, 0, sizeof(w));
		if ((r = closefds_for_each_open(KIND_MID, collect, &w)) != 0)
			return fail("closefds_for_each_open(%d): returned %d (%s)", KIND_MID, r,
				    strerror(errno));
		if (check_walk(&w, KIND_MID) < 0)
			return -1;
		memset(&w, 0, sizeof(w));
		w.stop_after = 5;
		if ((r = closefds_for_each_open(3, collect, &w)) != 7 || w.n != 5)
			return fail("closefds_for_each_open with fn returning 7 at the 5th: returned %d after %d visits",
				    r, w.n);
		return 0;
	case C_CHECK:
		if (closefds_close_except(3, keep, n_keep, 0) != 0)
			return fail("closefds_close_except: %s", strerror(errno));
		if ((r = closefds_check(3, keep, n_keep, &first)) != 0)
			return fail("closefds_check after a clean close: %d (first %d, %s)", r, first,
				    r < 0 ? strerror(errno) : "");
		/* Close-on-exec: not a leak. */
		int t = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t < 0 || dup3(t, 15000, O_CLOEXEC) < 0)
			return fail("opening a close-on-exec descriptor at 15000: %s", strerror(errno));
		close(t);
		if ((r = closefds_check(3, keep, n_keep, &first)) != 0)
			return fail("closefds_check with a close-on-exec descriptor at 15000: %d (first %d)", r,
				    first);
		if (tl_place(TL_PATH_FILE, LEFT_FD) < 0 || tl_place(TL_SOCKPAIR, LEFT_FD2) < 0)
			return fail("placing the leaks: %s", strerror(errno));
		first = -1;
		if ((r = closefds_check(3, keep, n_keep, &first)) != 2 || first != LEFT_FD)
			return fail("closefds_check with an O_PATH descriptor left at %d and a socket at %d: %d leaks, the first %d (%s)",
				    LEFT_FD, LEFT_FD2, r, first, r < 0 ? strerror(errno) : "");
		if ((r = closefds_check(3, keep, n_keep, NULL)) != 2)
			return fail("closefds_check(first_leak NULL): %d", r);
		return 0;
	case C_SIZE:
		r = closefds_table_size();
		if (r <= top_fd)
			return fail("closefds_table_size() = %d (%s), the highest descriptor is %d", r,
				    r < 0 ? strerror(errno) : "", top_fd);
		return 0;
	case N_CASES:
		break;
	}
	return fail("no such case");
}

/* The report of fdprobe (C_CLOEXEC): exactly 0-2 and the kept ones. */
static void check_report(const char *path)
{
	static struct tl_report rep;
	int n_want = 3;

	if (tl_read_report(path, &rep) < 0) {
		fail("no report from fdprobe (%s)", path);
		return;
	}
	for (int i = 0; i < n_placed; i++) {
		if (!placed[i].keep)
			continue;
		n_want++;
		const char *got = tl_report_identity(&rep, placed[i].fd);
		if (!got || strcmp(got, ids[i]) != 0) {
			fail("fdprobe: kept descriptor %d (%s) is %s, expected %s", placed[i].fd,
			     tl_kind_name(placed[i].kind), got ? got : "closed", ids[i]);
			return;
		}
	}
	for (int fd = 0; fd <= 2; fd++)
		if (!tl_report_identity(&rep, fd)) {
			fail("fdprobe: descriptor %d is closed", fd);
			return;
		}
	if (rep.n != n_want) {
		size_t o = (size_t)snprintf(verdict, 1024, "fdprobe inherited %d descriptors, expected %d:",
					   rep.n, n_want);
		for (int i = 0; i < rep.n && o < 1000; i++)
			if (rep.fd[i] > 2 && !is_kept(rep.fd[i]))
				o += (size_t)snprintf(verdict + o, 1024 - o, " %d (not kept)", rep.fd[i]);
	}
}

static void run_case(enum case_id c, enum tl_env env)
{
	static struct case_arg a;
	int st;

	a.c = c;
	a.env = env;
	snprintf(a.report, sizeof(a.report), "%s/report-%d-%d", tl_workdir(), (int)env, (int)c);
	unlink(a.report);
	verdict[0] = '\0';
	fflush(stdout);
	pid_t pid = tl_fork();
	if (pid == 0) {
		alarm(60); /* a hang is a failure, not a hang of CI */
		_exit(case_body(&a) < 0 ? 1 : 0);
	}
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	else if (waitpid(pid, &st, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(st))
		fail("the child died of signal %d%s", WTERMSIG(st),
		     WTERMSIG(st) == SIGALRM ? " (no result in 60 s: hung)" : "");
	else if (WEXITSTATUS(st) != 0 && !verdict[0])
		fail("the child exited %d", WEXITSTATUS(st));
	else if (c == C_CLOEXEC && !verdict[0])
		check_report(a.report);
	tl_result(!verdict[0], "%s [%s]", case_name[c], tl_env_name(env));
	if (verdict[0])
		printf("#   %s\n", verdict);
}

static void run_env(void *p)
{
	enum tl_env env = *(enum tl_env *)p;
	const char *emulator = tl_emulator();

	for (int c = 0; c < N_CASES; c++) {
		if (emulator && tl_env_uses_seccomp(env) && !tl_seccomp_works())
			printf("ok %d - %s [%s] # SKIP %s refuses seccomp filters (PR_SET_SECCOMP: EINVAL)\n",
			       ++tl_tap_number, case_name[c], tl_env_name(env), emulator);
		else
			run_case((enum case_id)c, env);
	}
}

int main(int argc, char *argv[])
{
	struct rlimit rl;

	if (argc != 2) {
		fprintf(stderr, "usage: libsystest FDPROBE\n");
		return 2;
	}
	probe = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The high placements need a soft limit above them. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur <= KIND_HI + TL_KIND_COUNT) {
		printf("1..0 # SKIP RLIMIT_NOFILE %llu is too low for descriptors at %d\n",
		       (unsigned long long)rl.rlim_cur, KIND_HI);
		return 0;
	}
	verdict = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (verdict == MAP_FAILED || (ids = mmap(NULL, MAX_PLACED * sizeof(*ids), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	int unavailable = 0;
	for (int k = 0; k < TL_KIND_COUNT; k++)
		unavailable += tl_kind_unavailable((enum tl_kind)k) != NULL;
	printf("1..%d\n", unavailable + TL_ENV_COUNT * N_CASES);
	printf("# libclosefds %s (header %s)\n", closefds_version(), CLOSEFDS_VERSION_STRING);
	make_placements();
	for (int e = 0; e < TL_ENV_COUNT; e++) {
		enum tl_env env = (enum tl_env)e;
		tl_env_group(env, run_env, &env);
	}
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
