/* libapi.c: libclosefds called directly, in every environment testlib
 * knows (close_range refused or trapped, /proc hidden or forged by a tmpfs,
 * select and poll refused), with descriptors of several kinds, O_PATH ones
 * among them, at chosen numbers:
 *  - closefds_close_except without flags: exactly 0-2 and the kept ones
 *    stay open, each the same file with the same FD_CLOEXEC flag;
 *  - with CLOSEFDS_CLOEXEC: every other one closed or close-on-exec;
 *  - a keep list of several windows (300 distinct numbers, unsorted, with
 *    duplicates) against 500 open descriptors;
 *  - closefds_for_each_open: every open descriptor (O_PATH included), in
 *    increasing order, from lowfd, and a non-zero return stops it;
 *  - closefds_check: counts the leaks and names the lowest (a leak makes it
 *    fail), none after closing, close-on-exec ones are no leak;
 *  - closefds_table_size: above every open descriptor, FDSize where /proc
 *    is there;
 *  - the caller's SIGSYS disposition and mask are the same after each
 *    call (a caller's handler, SIG_IGN and blocked), and a SIGSYS sent
 *    during a call reaches the caller's handler only after it returns.
 * Each case runs in a child of its environment's group.  TAP output.
 * Usage: libapi */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Everything a case places is below this; the checks look up to it. */
#define SCAN_TOP 2048

struct placement {
	int fd;
	enum tl_kind kind;
	bool cloexec;
};

/* The table every case starts from (what the kind allows here). */
static const struct placement table[] = {
	{ 5, TL_PATH_FILE, false },  { 9, TL_PIPE_R, false },   { 12, TL_SOCKPAIR, false },
	{ 40, TL_FILE, true },       { 70, TL_PATH_DIR, false }, { 300, TL_DEVNULL, false },
	{ 600, TL_EVENTFD, false },  { 1500, TL_PATH_FILE, false }, { 1501, TL_TCP, false },
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

/* Unsorted, a duplicate, a negative number and one below lowfd. */
static const int keep[] = { 70, 9, 70, -1, 2, 1500 };
#define N_KEEP (sizeof(keep) / sizeof(keep[0]))

static bool kept(int fd)
{
	for (size_t i = 0; i < N_KEEP; i++)
		if (keep[i] == fd)
			return true;
	return fd < 3;
}

/* Shared with the case children: why a case failed. */
static char *why;
#define WHY_SIZE 4096

__attribute__((format(printf, 1, 2)))
static int failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_SIZE, fmt, ap);
	va_end(ap);
	return 1;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Place the table; *placed[i] says whether table[i] could be placed. */
static int place_table(bool placed[N_TABLE])
{
	for (size_t i = 0; i < N_TABLE; i++) {
		placed[i] = false;
		if (tl_kind_unavailable(table[i].kind))
			continue;
		if (tl_place(table[i].kind, table[i].fd) < 0)
			return failed("tl_place(%s, %d): %s", tl_kind_name(table[i].kind), table[i].fd,
				      strerror(errno));
		if (table[i].cloexec && fcntl(table[i].fd, F_SETFD, FD_CLOEXEC) < 0)
			return failed("F_SETFD %d: %s", table[i].fd, strerror(errno));
		placed[i] = true;
	}
	return 0;
}

struct snapshot {
	char id[SCAN_TOP][48];
	int flags[SCAN_TOP];
};

static void snap(struct snapshot *s)
{
	for (int fd = 0; fd < SCAN_TOP; fd++) {
		tl_identity(fd, s->id[fd], sizeof(s->id[fd]));
		s->flags[fd] = fcntl(fd, F_GETFD);
	}
}

/* After closing: 0-2 and the kept ones as they were (same file, same
 * FD_CLOEXEC); every other one closed, or with cloexec_ok, close-on-exec. */
static int check_closed(const struct snapshot *before, bool cloexec_ok)
{
	static struct snapshot after;

	snap(&after);
	for (int fd = 0; fd < SCAN_TOP; fd++) {
		bool was = strcmp(before->id[fd], "-") != 0;
		bool now = strcmp(after.id[fd], "-") != 0;
		if (kept(fd) || !was) {
			if (strcmp(before->id[fd], after.id[fd]) != 0 || before->flags[fd] != after.flags[fd])
				return failed("descriptor %d (%s): was %s flags %d, now %s flags %d", fd,
					      kept(fd) ? "kept" : "not open", before->id[fd],
					      before->flags[fd], after.id[fd], after.flags[fd]);
		} else if (now && !(cloexec_ok && (after.flags[fd] & FD_CLOEXEC))) {
			return failed("descriptor %d (%s) is still open%s", fd, before->id[fd],
				      cloexec_ok ? " and inheritable" : "");
		}
	}
	return 0;
}

struct case_arg {
	enum tl_env env;
};

typedef int (*case_fn)(const struct case_arg *ca);

static int case_close(const struct case_arg *ca, unsigned flags)
{
	static struct snapshot before;
	bool placed[N_TABLE];

	(void)ca;
	if (place_table(placed))
		return 1;
	snap(&before);
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	errno = 12345;
	if (closefds_close_except(3, keep, N_KEEP, flags) != 0)
		return failed("closefds_close_except: -1, %s", strerror(errno));
	if (errno != 12345)
		return failed("errno changed on success: %d", errno);
	if (check_closed(&before, flags & CLOSEFDS_CLOEXEC))
		return 1;
	int first = -2, leaks = closefds_check(3, keep, N_KEEP, &first);
	if (leaks != 0 || first != -1)
		return failed("closefds_check after closing: %d (first %d): %s", leaks, first,
			      leaks < 0 ? strerror(errno) : "");
	return 0;
}

static int case_close_plain(const struct case_arg *ca)
{
	return case_close(ca, 0);
}

static int case_close_cloexec(const struct case_arg *ca)
{
	return case_close(ca, CLOSEFDS_CLOEXEC);
}

/* 500 descriptors (every third from 3) and 300 distinct kept numbers,
 * more than a window: the engine runs once per window. */
static int case_long_keep(const struct case_arg *ca)
{
	static struct snapshot before;
	static int many[400];
	int n = 0;

	for (int fd = 3; fd < 3 + 3 * 500; fd += 3)
		if (tl_place(fd % 2 ? TL_DEVNULL : TL_PATH_FILE, fd) < 0)
			return failed("tl_place %d: %s", fd, strerror(errno));
	/* Every fifth number from 1600 down, each twice, and some below 3. */
	for (int v = 1600; v >= 3 && n < 398; v -= 5) {
		many[n++] = v;
		if (v % 4 == 0)
			many[n++] = v;
	}
	many[n++] = -7;
	many[n++] = 1;
	snap(&before);
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	if (closefds_close_except(3, many, (size_t)n, 0) != 0)
		return failed("closefds_close_except: %s", strerror(errno));
	for (int fd = 3; fd < SCAN_TOP; fd++) {
		bool want = false;
		for (int i = 0; i < n; i++)
			want |= many[i] == fd;
		want &= strcmp(before.id[fd], "-") != 0;
		if (is_open(fd) != want)
			return failed("descriptor %d: %s, expected %s", fd, is_open(fd) ? "open" : "closed",
				      want ? "open" : "closed");
	}
	return 0;
}

struct seen {
	int fd[SCAN_TOP];
	int n;
	int stop_at; /* return 7 at this many, or 0 */
};

static int collect(int fd, void *arg)
{
	struct seen *s = arg;

	if (s->n < SCAN_TOP)
		s->fd[s->n] = fd;
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static int case_for_each(const struct case_arg *ca)
{
	static struct seen s;
	bool placed[N_TABLE];

	if (place_table(placed))
		return 1;
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	for (int lowfd = 0; lowfd <= 10; lowfd += 10) {
		s.n = 0;
		s.stop_at = 0;
		if (closefds_for_each_open(lowfd, collect, &s) != 0)
			return failed("closefds_for_each_open(%d): %s", lowfd, strerror(errno));
		int i = 0;
		for (int fd = lowfd; fd < SCAN_TOP; fd++) {
			if (!is_open(fd))
				continue;
			if (i >= s.n || s.fd[i] != fd)
				return failed("from %d: open descriptor %d not seen in order (got %d at %d of %d)",
					      lowfd, fd, i < s.n ? s.fd[i] : -1, i, s.n);
			i++;
		}
		if (i != s.n)
			return failed("from %d: %d seen, %d open", lowfd, s.n, i);
	}
	/* O_PATH ones among them (poll calls them empty). */
	for (size_t t = 0; t < N_TABLE; t++)
		if (placed[t] && (table[t].kind == TL_PATH_FILE || table[t].kind == TL_PATH_DIR) &&
		    !is_open(table[t].fd))
			return failed("O_PATH descriptor %d not open", table[t].fd);
	s.n = 0;
	s.stop_at = 3;
	int r = closefds_for_each_open(0, collect, &s);
	if (r != 7 || s.n != 3)
		return failed("a callback returning 7 at the third: returned %d after %d calls", r, s.n);
	return 0;
}

static int case_check(const struct case_arg *ca)
{
	bool placed[N_TABLE];
	int want = 0, want_first = -1;

	if (place_table(placed))
		return 1;
	for (size_t i = 0; i < N_TABLE; i++) {
		if (!placed[i] || table[i].cloexec || kept(table[i].fd))
			continue;
		want++;
		if (want_first < 0 || table[i].fd < want_first)
			want_first = table[i].fd;
	}
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	int first = -2, leaks = closefds_check(3, keep, N_KEEP, &first);
	if (leaks != want || first != want_first)
		return failed("closefds_check: %d leaks, first %d; expected %d, first %d%s%s", leaks,
			      first, want, want_first, leaks < 0 ? ": " : "",
			      leaks < 0 ? strerror(errno) : "");
	/* The same leaks from 600 up: 600 and 1501, not 1500 (kept). */
	int from600 = 0;
	for (size_t i = 0; i < N_TABLE; i++)
		from600 += placed[i] && table[i].fd >= 600 && !kept(table[i].fd);
	if ((leaks = closefds_check(600, keep, N_KEEP, NULL)) != from600)
		return failed("closefds_check from 600: %d, expected %d", leaks, from600);
	/* Nothing kept: every open one from 3 that is not close-on-exec. */
	int all = 0;
	for (size_t i = 0; i < N_TABLE; i++)
		all += placed[i] && !table[i].cloexec;
	if ((leaks = closefds_check(3, NULL, 0, NULL)) != all)
		return failed("closefds_check with an empty list: %d, expected %d", leaks, all);
	return 0;
}

static int status_field(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	int v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			v = atoi(line + len + 1);
	fclose(f);
	return v;
}

static int case_table_size(const struct case_arg *ca)
{
	bool placed[N_TABLE];
	struct rlimit rl;

	if (place_table(placed))
		return 1;
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	int size = closefds_table_size();
	if (size <= 1501)
		return failed("closefds_table_size: %d%s%s", size, size < 0 ? ": " : "",
			      size < 0 ? strerror(errno) : "");
	if (tl_env_bound_is_limit(ca->env)) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return failed("getrlimit: %s", strerror(errno));
		rlim_t lim = rl.rlim_cur > rl.rlim_max ? rl.rlim_cur : rl.rlim_max;
		if (lim > INT_MAX)
			lim = INT_MAX;
		if ((rlim_t)size != lim)
			return failed("closefds_table_size %d, max(soft, hard) %llu", size,
				      (unsigned long long)lim);
	} else if (!tl_env_hides_proc(ca->env)) {
		int fdsize = status_field("FDSize");
		if (fdsize != size)
			return failed("closefds_table_size %d, FDSize %d", size, fdsize);
	}
	return 0;
}

/* ---- SIGSYS: the caller's settings survive every call ---- */

static volatile sig_atomic_t caller_handled;

static void caller_handler(int sig)
{
	(void)sig;
	caller_handled = caller_handled + 1;
}

static int same_sigsys(const struct sigaction *a, const sigset_t *mask_a, const char *call)
{
	struct sigaction b;
	sigset_t mask_b;

	if (sigaction(SIGSYS, NULL, &b) < 0 || sigprocmask(SIG_BLOCK, NULL, &mask_b) < 0)
		return failed("sigaction/sigprocmask: %s", strerror(errno));
	if (a->sa_handler != b.sa_handler || (a->sa_flags & SA_SIGINFO) != (b.sa_flags & SA_SIGINFO))
		return failed("after %s the SIGSYS disposition is not the caller's", call);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(mask_a, sig) != sigismember(&mask_b, sig))
			return failed("after %s signal %d is %s", call, sig,
				      sigismember(&mask_b, sig) ? "blocked" : "unblocked");
	return 0;
}

static int each_nop(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	return 0;
}

static int sigsys_calls(const char *setting)
{
	struct sigaction act;
	sigset_t mask;
	int first;

	if (sigaction(SIGSYS, NULL, &act) < 0 || sigprocmask(SIG_BLOCK, NULL, &mask) < 0)
		return failed("sigaction/sigprocmask: %s", strerror(errno));
	if (closefds_table_size() < 0)
		return failed("closefds_table_size (%s): %s", setting, strerror(errno));
	if (same_sigsys(&act, &mask, "closefds_table_size"))
		return 1;
	if (closefds_for_each_open(0, each_nop, NULL) != 0)
		return failed("closefds_for_each_open (%s): %s", setting, strerror(errno));
	if (same_sigsys(&act, &mask, "closefds_for_each_open"))
		return 1;
	if (closefds_check(3, keep, N_KEEP, &first) < 0)
		return failed("closefds_check (%s): %s", setting, strerror(errno));
	if (same_sigsys(&act, &mask, "closefds_check"))
		return 1;
	if (closefds_close_except(3, keep, N_KEEP, CLOSEFDS_CLOEXEC) < 0)
		return failed("closefds_close_except (%s): %s", setting, strerror(errno));
	if (same_sigsys(&act, &mask, "closefds_close_except"))
		return 1;
	if (closefds_close_except(3, keep, N_KEEP, 0) < 0)
		return failed("closefds_close_except (%s): %s", setting, strerror(errno));
	if (same_sigsys(&act, &mask, "closefds_close_except"))
		return 1;
	return 0;
}

static int case_sigsys_kept(const struct case_arg *ca)
{
	bool placed[N_TABLE];
	struct sigaction handler = { .sa_handler = caller_handler };
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t sys;

	sigemptyset(&handler.sa_mask);
	sigemptyset(&ignore.sa_mask);
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	if (place_table(placed))
		return 1;
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	if (sigaction(SIGSYS, &handler, NULL) < 0)
		return failed("sigaction: %s", strerror(errno));
	if (sigsys_calls("a handler of the caller's"))
		return 1;
	/* A trap during the calls went to libclosefds' handler, not this one. */
	if (caller_handled != 0)
		return failed("the caller's SIGSYS handler ran %d times", (int)caller_handled);
	if (sigaction(SIGSYS, &ignore, NULL) < 0 || sigprocmask(SIG_BLOCK, &sys, NULL) < 0)
		return failed("sigaction/sigprocmask: %s", strerror(errno));
	if (sigsys_calls("ignored and blocked"))
		return 1;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGSYS, &dfl, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &sys, NULL) < 0)
		return failed("sigaction/sigprocmask: %s", strerror(errno));
	return sigsys_calls("default");
}

/* A SIGSYS sent while a call runs (here from the callback): held until the
 * call returns, then the caller's handler sees it; where the caller blocks
 * SIGSYS, it is pending after the call. */
static int raise_sigsys(int fd, void *arg)
{
	int *seen_inside = arg;

	(void)fd;
	raise(SIGSYS);
	*seen_inside = caller_handled;
	return 1;
}

static int case_sigsys_sent(const struct case_arg *ca)
{
	struct sigaction handler = { .sa_handler = caller_handler };
	sigset_t sys, pending;
	int inside = -1;

	sigemptyset(&handler.sa_mask);
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	if (tl_env_apply(ca->env) < 0)
		return failed("tl_env_apply: %s", strerror(errno));
	if (sigaction(SIGSYS, &handler, NULL) < 0)
		return failed("sigaction: %s", strerror(errno));
	caller_handled = 0;
	if (closefds_for_each_open(0, raise_sigsys, &inside) != 1)
		return failed("closefds_for_each_open: %s", strerror(errno));
	if (inside != 0 || caller_handled != 1)
		return failed("SIGSYS sent in a call: the caller's handler ran %d times inside, %d in all (expected 0, 1)",
			      inside, (int)caller_handled);
	caller_handled = 0;
	if (sigprocmask(SIG_BLOCK, &sys, NULL) < 0)
		return failed("sigprocmask: %s", strerror(errno));
	if (closefds_for_each_open(0, raise_sigsys, &inside) != 1)
		return failed("closefds_for_each_open: %s", strerror(errno));
	if (sigpending(&pending) < 0 || sigismember(&pending, SIGSYS) != 1 || caller_handled != 0)
		return failed("SIGSYS sent in a call while the caller blocks it: not pending after (handled %d)",
			      (int)caller_handled);
	sigprocmask(SIG_UNBLOCK, &sys, NULL);
	if (caller_handled != 1)
		return failed("the pending SIGSYS was not delivered once unblocked");
	return 0;
}

struct test_case {
	const char *name;
	case_fn fn;
	bool every_env;
};

static const struct test_case cases[] = {
	{ "closefds_close_except closes all but the kept ones, kept ones untouched", case_close_plain, true },
	{ "closefds_close_except CLOSEFDS_CLOEXEC: the others closed or close-on-exec", case_close_cloexec, true },
	{ "closefds_close_except with 300 kept numbers (windows) and 500 open", case_long_keep, true },
	{ "closefds_for_each_open sees every open descriptor, O_PATH too, in order", case_for_each, true },
	{ "closefds_check counts the leaks and names the first", case_check, true },
	{ "closefds_table_size covers every descriptor (FDSize, or the limit)", case_table_size, true },
	{ "the caller's SIGSYS disposition and mask after each function", case_sigsys_kept, true },
	{ "a SIGSYS sent during a call reaches the caller after it", case_sigsys_sent, false },
};

/* Run one case in a child: its status and why. */
static void run_case(const struct test_case *tc, enum tl_env env)
{
	struct case_arg ca = { env };
	int st;

	why[0] = '\0';
	fflush(stdout);
	pid_t pid = tl_fork();
	if (pid == 0)
		_exit(tc->fn(&ca));
	bool ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	tl_result(ok, "%s [%s]", tc->name, tl_env_name(env));
	if (!ok && pid > 0 && WIFSIGNALED(st))
		printf("#   killed by signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (!ok)
		printf("#   %s\n", why[0] ? why : "(no reason given)");
}

/* Whatever the test inherited: gone, so that the table holds only what a
 * case placed. */
static void close_strays(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_max = 65536;
	else if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (syscall(436 /* close_range, every ABI */, 3U, ~0U, 0U) == 0)
		return;
	for (rlim_t fd = 3; fd < rl.rlim_max && fd < 1U << 20; fd++)
		close((int)fd);
}

static void env_cases(void *arg)
{
	enum tl_env env = *(const enum tl_env *)arg;

	close_strays();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].every_env && env != TL_PLAIN)
			continue;
		if (tl_env_uses_seccomp(env) && !tl_seccomp_works()) {
			printf("ok %d - %s [%s] # SKIP no seccomp filter can be installed here%s%s\n",
			       ++tl_tap_number, cases[i].name, tl_env_name(env),
			       tl_emulator() ? ": " : "", tl_emulator() ? tl_emulator() : "");
			continue;
		}
		run_case(&cases[i], env);
	}
}

int main(void)
{
	why = mmap(NULL, WHY_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (why == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int env = 0; env < TL_ENV_COUNT; env++) {
		enum tl_env e = (enum tl_env)env;
		if (tl_env_group(e, env_cases, &e) < 0)
			tl_result(false, "environment %s could not be set up", tl_env_name(e));
	}
	printf("1..%d\n", tl_tap_number);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
