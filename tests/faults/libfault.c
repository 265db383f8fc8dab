/* libfault.c: the seccomp matrix of libclosefds.  Every system call the
 * library makes, failed through a seccomp filter with every action: EPERM,
 * ENOSYS, EINVAL, EIO, EINTR and EBUSY (each for every call, for ever) and
 * a trap (SIGSYS); under each of the five functions (close_except, the
 * same with CLOSEFDS_CLOEXEC, for_each_open, check, table_size), in five
 * environments (plain; close_range refused; /proc unmounted; both; and
 * close_range, select and poll refused without /proc).
 *
 * Each run is a forked child that places a descriptor of every kind this
 * machine can open at a low (3...), a middle (100...) and a high (900...)
 * number, enters the environment and execs libfault-child (a static
 * non-PIE build, libfault_child.c), which installs the filter of the row
 * (sysfault_hook.c: it acts only on calls from that program's text, the
 * library's and libc's included) just before the one call, then execs the
 * probe, which reports the table it inherited and the verdict of the call
 * (CLOSEFDS_TEST_VAR).  The outcome must be one of:
 *   - the call succeeded ("ok"), its answer was right, errno was left as
 *     it was, the caller's SIGSYS disposition and mask are back, and the
 *     table is: for close_except exactly 0-2 and the kept descriptors,
 *     each the same file as before (with CLOSEFDS_CLOEXEC, after the
 *     probe's exec); for the others the table as it was;
 *   - the call failed ("failed E", E not 0) and no kept descriptor (nor
 *     0-2) was closed or replaced; the others do not close anything;
 *   - where the row traps rt_sigaction itself: death by SIGSYS.  The first
 *     call of every function installs the handler that makes a trap fail
 *     like an unknown call; a trap of that very call is delivered before
 *     there is a handler (closefds_close_except(3), DESCRIPTION).  (With
 *     musl, the rt_sigprocmask that musl makes inside the first sigaction()
 *     of a process is such a call too: libfault-child installs a handler
 *     of its own once before the filter, so that the rows reach the
 *     library's calls.)
 * Never a wrong answer, a leak, a lost kept descriptor, another death or a
 * hang: each run gets 0.5 s of CPU time (ITIMER_PROF, kept across exec)
 * and 5 s of wall time.
 *
 * Controls: each function without a filter must succeed (the baseline),
 * and rt_sigaction refused with EPERM must make it fail (the filter reaches
 * the library's calls).  Where strace is installed, every call the library
 * makes in each environment and function (traced from the filter's
 * installation to the probe's exec) must be in the table below.
 *
 *   libfault LIBFAULT-CHILD FDPROBE
 *
 * TAP output, a line per environment, function and call. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

/* The calls libclosefds makes, from strace of libfault-child in every
 * environment and function below (x86_64, glibc 2.36 and musl 1.2.3, Linux
 * 6.18), with the neighbours a libc or an ABI may use instead (select for
 * pselect6, statfs for fstatfs, read and readlinkat of the /proc checks).
 * mmap, mprotect and munmap: the select probe of the table size puts its
 * set before an inaccessible page (fdbound.c).
 * A name this ABI lacks is left out; the strace check keeps the table
 * honest where strace runs. */
struct call {
	const char *name;
	long nr;
};
#define CALL(n) { #n, __NR_##n }
static const struct call calls[] = {
	CALL(close), CALL(fcntl), CALL(getdents64), CALL(mprotect), CALL(munmap),
	CALL(openat), CALL(prlimit64), CALL(read), CALL(rt_sigaction), CALL(rt_sigprocmask),
#ifdef __NR_mmap
	CALL(mmap),
#endif
#ifdef __NR_mmap2
	CALL(mmap2),
#endif
#ifdef __NR_close_range
	CALL(close_range),
#else
	{ "close_range", 436 },
#endif
#ifdef __NR_fcntl64
	CALL(fcntl64),
#endif
#ifdef __NR_fstatfs
	CALL(fstatfs),
#endif
#ifdef __NR_fstatfs64
	CALL(fstatfs64),
#endif
#ifdef __NR_statfs
	CALL(statfs),
#endif
#ifdef __NR_newfstatat
	CALL(newfstatat),
#endif
#ifdef __NR_fstatat64
	CALL(fstatat64),
#endif
#ifdef __NR_fstat
	CALL(fstat),
#endif
#ifdef __NR_statx
	CALL(statx),
#endif
#ifdef __NR_open
	CALL(open),
#endif
#ifdef __NR_readlinkat
	CALL(readlinkat),
#endif
#ifdef __NR_poll
	CALL(poll),
#endif
#ifdef __NR_ppoll
	CALL(ppoll),
#endif
#ifdef __NR_ppoll_time64
	CALL(ppoll_time64),
#endif
#ifdef __NR_select
	CALL(select),
#endif
#ifdef __NR__newselect
	CALL(_newselect),
#endif
#ifdef __NR_pselect6
	CALL(pselect6),
#endif
#ifdef __NR_pselect6_time64
	CALL(pselect6_time64),
#endif
#ifdef __NR_getrlimit
	CALL(getrlimit),
#endif
#ifdef __NR_ugetrlimit
	CALL(ugetrlimit),
#endif
#ifdef __NR_getpid
	CALL(getpid),
#endif
};
#define N_CALLS (sizeof(calls) / sizeof(calls[0]))

/* A row: a call, and which of its calls the rule reaches.  The library's
 * rt_sigaction and rt_sigprocmask always pass a new setting (argument 1 not
 * NULL); libfault-child's checks after the call are queries (NULL), which
 * the rules leave alone.  Two rows reach the calls that ask for no old
 * setting (argument 2 NULL), which a rule on every call never gets to
 * alone: the restoring rt_sigaction at the end, and any rt_sigprocmask
 * made after it (none, unless a SIGSYS sent with kill was held: a trap
 * there would kill, the caller's disposition being back). */
struct row {
	const char *label;
	const char *call;
	const char *cond;
};
static const struct row site_rows[] = {
	{ "rt_sigaction (restoring, at the end)", "rt_sigaction", "@1!0@2=0" },
	{ "rt_sigprocmask (at the end)", "rt_sigprocmask", "@1!0@2=0" },
};

struct action {
	const char *name;
	int err; /* 0: a trap */
};
static const struct action actions[] = {
	{ "EPERM", EPERM }, { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL }, { "EIO", EIO },
	{ "EINTR", EINTR }, { "EBUSY", EBUSY },   { "trap", 0 },
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

static const char *const functions[] = { "close", "cloexec", "each", "check", "size" };
#define N_FUNCTIONS (sizeof(functions) / sizeof(functions[0]))

static const enum tl_env envs[] = { TL_PLAIN, TL_CR_EPERM, TL_NO_PROC, TL_CR_EPERM_NO_PROC,
				    TL_ALL_EPERM_NO_PROC };
#define N_ENVS (sizeof(envs) / sizeof(envs[0]))

#define CPU_BUDGET_USEC 500000
#define WALL_SECONDS 5

static const char *child_path, *probe_path;
static char path_before[512], path_after[512], path_err[512], path_trace[512];
static char open_list[1024], keep_list[1024];
static bool strace_ok;

/* The placements: every kind at 3.., 100.. and 900..; kept: the low one of
 * every other kind, the middle one of the rest, the high one of every
 * third. */
#define MAX_PLACED (3 * TL_KIND_COUNT)
static struct {
	int fd;
	enum tl_kind kind;
	bool keep;
} placed[MAX_PLACED];
static int n_placed;

static void make_placements(void)
{
	size_t o = 0, k = 0;
	int slot = 0;

	o += (size_t)snprintf(open_list, sizeof(open_list), "0,1,2");
	for (int kind = 0; kind < TL_KIND_COUNT; kind++) {
		if (tl_kind_unavailable((enum tl_kind)kind))
			continue;
		int at[3] = { 3 + slot, 100 + slot, 900 + slot };
		bool kept[3] = { slot % 2 == 0, slot % 2 == 1, slot % 3 == 0 };
		for (int r = 0; r < 3; r++) {
			placed[n_placed].fd = at[r];
			placed[n_placed].kind = (enum tl_kind)kind;
			placed[n_placed].keep = kept[r];
			n_placed++;
			o += (size_t)snprintf(open_list + o, sizeof(open_list) - o, ",%d", at[r]);
			if (kept[r])
				k += (size_t)snprintf(keep_list + k, sizeof(keep_list) - k, "%s%d",
						      k ? "," : "", at[r]);
		}
		slot++;
	}
	if (k == 0)
		snprintf(keep_list, sizeof(keep_list), "-");
}

static bool is_kept(int fd)
{
	for (int i = 0; i < n_placed; i++)
		if (placed[i].fd == fd)
			return placed[i].keep;
	return false;
}

struct outcome {
	int status, sig;
	bool hang;
	char err[1024];
	struct tl_report before, after;
	bool have_before, have_after;
};

static void slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;

	buf[n > 0 ? n : 0] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = c[1] ? '|' : '\0';
	if (fd >= 0)
		close(fd);
}

/* One run: the child places the table, enters env, writes the "before"
 * report and execs libfault-child with spec (NULL: no filter), under
 * strace when traced. */
static int run(enum tl_env env, const char *fn, const char *spec, bool traced, struct outcome *o)
{
	sigset_t chld;
	int st;

	unlink(path_before);
	unlink(path_after);
	unlink(path_trace);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	fflush(stdout);
	pid_t pid = tl_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		int e = open(path_err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int n = open("/dev/null", O_RDWR);
		if (e < 0 || n < 0 || dup2(n, 0) < 0 || dup2(n, 1) < 0 || dup2(e, 2) < 0)
			_exit(90);
		if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
			for (int fd = 3; fd < 4096; fd++)
				close(fd);
		for (int i = 0; i < n_placed; i++)
			if (tl_place(placed[i].kind, placed[i].fd) < 0)
				_exit(91);
		if (tl_env_apply(env) < 0 || tl_write_report(path_before) < 0)
			_exit(92);
		if (spec && setenv("CLOSEFDS_TEST_SECCOMP", spec, 1) < 0)
			_exit(93);
		struct itimerval cpu = { { 0, 0 }, { 0, CPU_BUDGET_USEC } };
		if (!traced && setitimer(ITIMER_PROF, &cpu, NULL) < 0)
			_exit(93);
		if (traced) {
			const char *argv[] = { "strace", "-f", "-qq", "-o", path_trace, child_path, fn,
					       probe_path, path_after, open_list, keep_list, NULL };
			execvp(argv[0], (char *const *)argv);
		} else {
			const char *argv[] = { child_path, fn, probe_path, path_after, open_list,
					       keep_list, NULL };
			execv(argv[0], (char *const *)argv);
		}
		_exit(94);
	}
	if (tl_wait_bounded(pid, WALL_SECONDS * (traced ? 6 : 1), &st, &o->hang) < 0)
		return -1;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	if (o->sig == SIGPROF)
		o->hang = true;
	slurp(path_err, o->err, sizeof(o->err));
	o->have_before = tl_read_report(path_before, &o->before) == 0;
	o->have_after = tl_read_report(path_after, &o->after) == 0;
	return 0;
}

/* Why the outcome is wrong ("" if right).  trap_kills: a death by SIGSYS is
 * the expected end. */
static void judge(const char *fn, const struct outcome *o, bool trap_kills, char *why, size_t len)
{
	why[0] = '\0';
	if (o->hang) {
		snprintf(why, len, "hang (killed after %s)", o->sig == SIGPROF ? "0.5 s of CPU" : "5 s");
		return;
	}
	if (o->sig) {
		if (!(trap_kills && o->sig == SIGSYS))
			snprintf(why, len, "died of signal %d", o->sig);
		return;
	}
	if (!o->have_before || o->status != 0 || !o->have_after) {
		snprintf(why, len, "no report from the probe (exit %d)%s%s", o->status,
			 o->err[0] ? ": " : "", o->err);
		return;
	}
	const char *v = o->after.env;
	bool ok = strcmp(v, "ok") == 0, failed = strncmp(v, "failed ", 7) == 0;
	if (!ok && !failed) {
		snprintf(why, len, "%s", v);
		return;
	}
	bool closes = strcmp(fn, "close") == 0 || strcmp(fn, "cloexec") == 0;
	/* What must be there, the same file as before. */
	for (int i = 0; i < o->before.n; i++) {
		int fd = o->before.fd[i];
		bool must = fd < 3 || !closes || is_kept(fd);
		const char *id = tl_report_identity(&o->after, fd);
		if (must && (!id || strcmp(id, o->before.id[i]) != 0)) {
			snprintf(why, len, "%s, and descriptor %d %s", v, fd,
				 id ? "is another file" : "was closed");
			return;
		}
	}
	/* Nothing else, where the call succeeded or does not close. */
	for (int i = 0; i < o->after.n; i++) {
		int fd = o->after.fd[i];
		if (!tl_report_identity(&o->before, fd)) {
			snprintf(why, len, "%s, and descriptor %d appeared", v, fd);
			return;
		}
		if (closes && ok && fd >= 3 && !is_kept(fd)) {
			snprintf(why, len, "%s, and descriptor %d is still open (a leak)", v, fd);
			return;
		}
	}
}

static void spec_for(char *spec, size_t len, const char *call, const char *cond, const struct action *a)
{
	long nr = -1;

	for (size_t i = 0; i < N_CALLS; i++)
		if (strcmp(calls[i].name, call) == 0)
			nr = calls[i].nr;
	if (!cond)
		cond = strncmp(call, "rt_sig", 6) == 0 ? "@1!0" : "";
	if (a->err)
		snprintf(spec, len, "%ld%s:%d", nr, cond, a->err);
	else
		snprintf(spec, len, "%ld%s:trap", nr, cond);
}

/* One row under fn in env: every action; one TAP line. */
static void row(enum tl_env env, const char *fn, const char *label, const char *call, const char *cond)
{
	static struct outcome o;
	char spec[128], why[512], bad[2048] = "";
	size_t b = 0;

	for (size_t a = 0; a < N_ACTIONS; a++) {
		spec_for(spec, sizeof(spec), call, cond, &actions[a]);
		if (run(env, fn, spec, false, &o) < 0) {
			snprintf(why, sizeof(why), "the harness failed: %s", strerror(errno));
		} else {
			bool trap_kills = !actions[a].err && !cond && strcmp(call, "rt_sigaction") == 0;
			judge(fn, &o, trap_kills, why, sizeof(why));
		}
		if (why[0] && b < sizeof(bad) - 1)
			b += (size_t)snprintf(bad + b, sizeof(bad) - b, "%s%s: %s", b ? "; " : "",
					      actions[a].name, why);
	}
	tl_result(!bad[0], "%s [%s] %s failed every way", fn, tl_env_name(env), label);
	if (bad[0])
		printf("#   %s\n", bad);
}

/* The names of the calls made between the filter's installation and the
 * probe's exec, from the trace, that the table lacks. */
static void unlisted(char *out, size_t len)
{
	FILE *f = fopen(path_trace, "re");
	char line[4096];
	bool on = false;
	size_t o = 0;

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p >= '0' && *p <= '9')
			p++;
		while (*p == ' ')
			p++;
		if (!on) {
			on = strstr(p, "SECCOMP") != NULL || strncmp(p, "seccomp(", 8) == 0;
			continue;
		}
		if (strncmp(p, "execve(", 7) == 0)
			break;
		char name[64];
		size_t n = strcspn(p, "( ");
		if (n == 0 || n >= sizeof(name) || p[n] != '(')
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		bool known = false;
		for (size_t i = 0; i < N_CALLS && !known; i++)
			known = strcmp(calls[i].name, name) == 0;
		/* Calls of libfault-child itself, after the library returned:
		 * the queries of SIGSYS's state and the probe's exec. */
		if (!known && !strstr(out, name) && o < len - 1)
			o += (size_t)snprintf(out + o, len - o, " %s", name);
	}
	if (f)
		fclose(f);
	if (!on && o < len - 1)
		snprintf(out + o, len - o, " (the trace shows no filter installed)");
}

static void run_env(void *p)
{
	enum tl_env env = *(enum tl_env *)p;
	static struct outcome o;
	char why[512], spec[128];

	for (size_t f = 0; f < N_FUNCTIONS; f++) {
		const char *fn = functions[f];
		/* Controls: the baseline succeeds; rt_sigaction refused fails. */
		if (run(env, fn, NULL, false, &o) < 0)
			snprintf(why, sizeof(why), "the harness failed: %s", strerror(errno));
		else
			judge(fn, &o, false, why, sizeof(why));
		if (!why[0] && strcmp(o.after.env, "ok") != 0)
			snprintf(why, sizeof(why), "%s", o.after.env);
		tl_result(!why[0], "%s [%s] without a filter succeeds, the table right", fn,
			  tl_env_name(env));
		if (why[0])
			printf("#   %s\n", why);
		spec_for(spec, sizeof(spec), "rt_sigaction", NULL, &actions[0]);
		if (run(env, fn, spec, false, &o) < 0)
			snprintf(why, sizeof(why), "the harness failed: %s", strerror(errno));
		else if (!o.have_after || strcmp(o.after.env, "failed 1") != 0)
			snprintf(why, sizeof(why), "verdict '%s' (exit %d, signal %d): the filter did not reach the library",
				 o.have_after ? o.after.env : "", o.status, o.sig);
		else
			why[0] = '\0';
		tl_result(!why[0], "%s [%s] with rt_sigaction refused (EPERM) fails", fn, tl_env_name(env));
		if (why[0])
			printf("#   %s\n", why);
		if (strace_ok) {
			char missing[512];
			/* A filter that changes nothing (an allow rule) marks where
			 * the library's call begins. */
			snprintf(spec, sizeof(spec), "%ld:allow", (long)__NR_getppid);
			if (run(env, fn, spec, true, &o) < 0 || o.sig || o.status != 0)
				snprintf(missing, sizeof(missing), " (the traced run failed: exit %d, signal %d)",
					 o.status, o.sig);
			else
				unlisted(missing, sizeof(missing));
			tl_result(!missing[0], "%s [%s] strace: every call the library made is in the table%s%s",
				  fn, tl_env_name(env), missing[0] ? "; not:" : "", missing);
		} else {
			printf("ok %d - %s [%s] strace check # SKIP strace is not installed\n",
			       ++tl_tap_number, fn, tl_env_name(env));
		}
		for (size_t c = 0; c < N_CALLS; c++)
			row(env, fn, calls[c].name, calls[c].name, NULL);
		for (size_t s = 0; s < sizeof(site_rows) / sizeof(site_rows[0]); s++)
			row(env, fn, site_rows[s].label, site_rows[s].call, site_rows[s].cond);
	}
}

int main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: libfault LIBFAULT-CHILD FDPROBE\n");
		return 2;
	}
	child_path = argv[1];
	probe_path = argv[2];
	if (!tl_seccomp_works()) {
		printf("1..0 # SKIP seccomp filters cannot be installed here%s%s%s\n",
		       tl_emulator() ? " (" : "", tl_emulator() ? tl_emulator() : "",
		       tl_emulator() ? " refuses them)" : "");
		return 0;
	}
	strace_ok = system("strace -V >/dev/null 2>&1") == 0;
	/* Blocked, for tl_wait_bounded. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	snprintf(path_before, sizeof(path_before), "%s/before", tl_workdir());
	snprintf(path_after, sizeof(path_after), "%s/after", tl_workdir());
	snprintf(path_err, sizeof(path_err), "%s/err", tl_workdir());
	snprintf(path_trace, sizeof(path_trace), "%s/trace", tl_workdir());
	make_placements();
	size_t rows = N_CALLS + sizeof(site_rows) / sizeof(site_rows[0]);
	printf("1..%zu\n", N_ENVS * N_FUNCTIONS * (3 + rows));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t e = 0; e < N_ENVS; e++) {
		enum tl_env env = envs[e];
		tl_env_group(env, run_env, &env);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %zu environments x %zu functions x (%zu rows x %zu actions + 3 checks) in %.1f s\n",
	       N_ENVS, N_FUNCTIONS, rows, N_ACTIONS,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
