/* enginetest.c: the engine's answers where an earlier closefds got them
 * wrong (issue "exactly the set asked for"), each case against the exact
 * table COMMAND must get:
 *  - an O_PATH descriptor, which poll() reports as an empty slot, closed
 *    by every method, kept by -k ranges, in every environment;
 *  - /proc forged by a bind mount of another process's /proc/PID/fd or
 *    /proc/PID/status: not used (-m proc refuses, auto and --verify are not
 *    misled);
 *  - "-p 3:63 -p 63:3" under a soft limit of 64: the temporary below it;
 *  - "-k 3-2000" with select refused, no /proc and a kept descriptor at
 *    1500 above a hard limit lowered to 1000: close_range works, so it is
 *    kept and inheritable;
 *  - the probe with mmap refused (ENOMEM), and with pselect6 refused
 *    (select() asked instead): a descriptor above a lowered hard limit is
 *    still found.
 * TAP output.  Usage: enginetest CLOSEFDS FDPROBE [CLOSEFDS_STATIC FDPROBE_STATIC] */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#define SYS_close_range_nr __NR_close_range

static const char *closefds, *probe, *closefds_static, *probe_static;

static void diag(const char *text)
{
	char copy[4096];

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		printf("#   %s\n", line);
}

/* The probe's table is exactly 0, 1, 2 and want[] (each as it was before,
 * none close-on-exec). */
static bool exact(const struct tl_run *run, const int *want, size_t n, char *why, size_t len)
{
	if (run->status != 0 || !run->probe_ran) {
		snprintf(why, len, "status %d, probe %s, stderr: %s", run->status,
			 run->probe_ran ? "ran" : "did not run", run->err);
		return false;
	}
	for (int fd = 0; fd < 3; fd++) {
		const char *b = tl_report_identity(&run->before, fd);
		const char *a = tl_report_identity(&run->after, fd);
		if (!a || !b || strcmp(a, b) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected %s", fd, a ? a : "closed",
				 b ? b : "?");
			return false;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *b = tl_report_identity(&run->before, want[i]);
		const char *a = tl_report_identity(&run->after, want[i]);
		if (!a || !b || strcmp(a, b) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected %s", want[i], a ? a : "closed",
				 b ? b : "?");
			return false;
		}
	}
	for (int i = 0; i < run->after.n; i++) {
		if (run->after.cloexec[i]) {
			snprintf(why, len, "descriptor %d is close-on-exec", run->after.fd[i]);
			return false;
		}
	}
	if (run->after.n != (int)n + 3) {
		size_t o = (size_t)snprintf(why, len, "expected %zu descriptors, got %d:", n + 3,
					    run->after.n);
		for (int i = 0; i < run->after.n && i < 30 && o < len; i++)
			o += (size_t)snprintf(why + o, len - o, " %d", run->after.fd[i]);
		return false;
	}
	return true;
}

static bool refused(const struct tl_run *run, char *why, size_t len)
{
	if (run->status == 125 && !run->probe_ran && strncmp(run->err, "closefds: ", 10) == 0 &&
	    strchr(run->err, '\n') == run->err + strlen(run->err) - 1)
		return true;
	snprintf(why, len, "expected a one-line refusal; status %d, probe %s, stderr: %s",
		 run->status, run->probe_ran ? "ran" : "did not run", run->err);
	return false;
}

/* Whatever the test itself inherited (a shell's descriptors): gone, so
 * that a kept range holds only what a case put there. */
static void close_strays(void)
{
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

/* An O_PATH descriptor at fd. */
static int place_opath(int fd, bool dir)
{
	int t = open(dir ? "/etc" : "/etc/passwd", O_PATH | O_CLOEXEC);

	if (t < 0 || dup2(t, fd) < 0)
		return -1;
	close(t);
	return 0;
}

/* ---- O_PATH in every environment, every method ---- */

struct opath_arg {
	enum tl_env env;
	bool keep_range;
};

static int opath_setup(void *p)
{
	const struct opath_arg *oa = p;

	close_strays();
	if (place_opath(5, true) < 0 || place_opath(70, false) < 0 || place_opath(1500, true) < 0 ||
	    tl_place(TL_PIPE_R, 9) < 0 || place_opath(600, false) < 0)
		return -1;
	return tl_env_apply(oa->env);
}

/* The cases of one environment: in a child of tl_env_group(), which hides
 * /proc once for all of them. */
static void test_opath_env(void *arg)
{
	static const char *const methods[] = { "auto", "close_range", "proc", "poll", "loop" };
	static struct tl_run run;
	int env = *(const int *)arg;

	for (size_t m = 0; m < 5; m++) {
		for (int k = 0; k < 2; k++) {
			struct opath_arg oa = { (enum tl_env)env, k == 1 };
			const char *args[] = { "-m", methods[m], "-k", "10-1000", NULL };
			static const int kept[] = { 70, 600 };
			char why[4096] = "";
			bool must_refuse = (m == 1 && tl_env_blocks_close_range((enum tl_env)env)) ||
					   (m == 2 && tl_env_hides_proc((enum tl_env)env)) ||
					   (m == 3 && tl_env_blocks_poll((enum tl_env)env));
			if (k == 0)
				args[2] = NULL;
			if (tl_emulator() && tl_env_uses_seccomp((enum tl_env)env) && !tl_seccomp_works()) {
				printf("ok %d - O_PATH [%s, %s] # SKIP %s refuses seccomp filters\n",
				       ++tl_tap_number, tl_env_name((enum tl_env)env), methods[m],
				       tl_emulator());
				continue;
			}
			bool ran = tl_run_closefds(closefds, probe, args, NULL, opath_setup, NULL, &oa,
						   &run) == 0;
			if (!ran)
				snprintf(why, sizeof(why), "could not run the case: %s", run.err);
			bool ok = ran && (must_refuse ? refused(&run, why, sizeof(why))
						      : exact(&run, kept, k ? 2 : 0, why, sizeof(why)));
			tl_result(ok, "O_PATH descriptors at 5, 70, 600, 1500 %s [%s, %s]",
				  k ? "(70 and 600 kept by -k 10-1000)" : "(all closed)",
				  tl_env_name((enum tl_env)env), methods[m]);
			if (!ok)
				diag(why);
		}
	}
}

static void test_opath(void)
{
	for (int env = 0; env < TL_ENV_COUNT; env++)
		tl_env_group((enum tl_env)env, test_opath_env, &env);
}

/* ---- a forged /proc ---- */

static pid_t other = -1;

/* Another process, with a small table and none of our descriptors. */
static void start_other(void)
{
	int p[2];

	if (pipe(p) < 0)
		return;
	other = fork();
	if (other == 0) {
		char c;
		close(p[1]);
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[0])
				close(fd);
		if (read(p[0], &c, 1) < 0) /* until the test ends */
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	/* p[1] stays open in the test, close-on-exec, so the other process
	 * lives as long as it does. */
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
}

struct forge_arg {
	const char *what; /* "fd" or "status" */
	enum tl_env env;
	int high;         /* a descriptor to place high, or 0 */
	bool no_select;   /* close_range and select refused, /proc left: FDSize is the bound */
};

/* A private mount namespace where /proc/self/WHAT is the other process's. */
static int forge_setup(void *p)
{
	const struct forge_arg *fa = p;
	char from[64], to[64];

	if (tl_place(TL_FILE, 4) < 0 || place_opath(6, true) < 0 ||
	    (fa->high && tl_place(TL_SOCKPAIR, fa->high) < 0))
		return -1;
	snprintf(from, sizeof(from), "/proc/%d/%s", (int)other, fa->what);
	snprintf(to, sizeof(to), "/proc/%d/%s", (int)getpid(), fa->what);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(from, to, NULL, MS_BIND, NULL) < 0) {
		return tl_fail("bind mount %s over %s (unshare, mount)", from, to);
	}
	if (fa->no_select) {
		static const enum tl_action act[TL_CALL_COUNT] = { TL_EPERM, TL_EPERM, TL_ALLOW };
		return tl_seccomp(act);
	}
	return tl_env_apply(fa->env);
}

static void test_forged_proc(void)
{
	static struct tl_run run;
	char why[4096] = "";
	static const int none[] = { 0 };

	if (other < 0) {
		printf("ok %d - forged /proc # SKIP cannot start another process\n", ++tl_tap_number);
		return;
	}
	/* -m proc: another process's fd directory is not ours: refuse. */
	struct forge_arg fa = { "fd", TL_PLAIN, 0 };
	const char *proc_args[] = { "-m", "proc", NULL };
	bool ok = tl_run_closefds(closefds, probe, proc_args, NULL, forge_setup, NULL, &fa, &run) == 0 &&
		  refused(&run, why, sizeof(why));
	tl_result(ok, "another process's /proc/PID/fd bound over ours: -m proc refuses");
	if (!ok)
		diag(why);
	/* auto with close_range blocked: the proc step is skipped, the loop
	 * closes everything. */
	fa.env = TL_CR_EPERM;
	const char *auto_args[] = { NULL };
	if (!tl_seccomp_works()) {
		printf("ok %d - forged /proc/PID/fd, close_range blocked # SKIP no seccomp filter here\n",
		       ++tl_tap_number);
	} else {
		ok = tl_run_closefds(closefds, probe, auto_args, NULL, forge_setup, NULL, &fa, &run) == 0 &&
		     exact(&run, none, 0, why, sizeof(why));
		tl_result(ok, "another process's /proc/PID/fd bound over ours, close_range blocked: auto closes everything");
		if (!ok)
			diag(why);
	}
	/* --verify is not misled: a leak (closefds-testhooks puts one back) is
	 * found although the forged list does not show it. */
	char hooks[512];
	snprintf(hooks, sizeof(hooks), "%s", closefds);
	char *slash = strrchr(hooks, '/');
	if (slash)
		snprintf(slash + 1, sizeof(hooks) - (size_t)(slash + 1 - hooks), "closefds-testhooks");
	char *env[] = { (char *)"CLOSEFDS_TEST_LEAK_FD=4", NULL };
	const char *verify_args[] = { "--verify", NULL };
	fa.env = TL_PLAIN;
	if (access(hooks, X_OK) < 0) {
		printf("ok %d - --verify with a forged fd directory # SKIP no %s\n", ++tl_tap_number, hooks);
	} else {
		ok = tl_run_closefds(hooks, probe, verify_args, env, forge_setup, NULL, &fa, &run) == 0 &&
		     run.status == 125 && !run.probe_ran && strstr(run.err, "descriptor 4 would leak");
		tl_result(ok, "another process's /proc/PID/fd bound over ours: --verify still finds a leak at 4");
		if (!ok)
			diag(run.err);
	}
	/* FDSize from another process's status (a table of 64) would hide
	 * 5000 where select and close_range are refused. */
	fa = (struct forge_arg){ "status", TL_PLAIN, 5000, true };
	const char *loop_args[] = { "-m", "loop", "-v", NULL };
	if (!tl_seccomp_works()) {
		printf("ok %d - forged /proc/PID/status # SKIP no seccomp filter here\n", ++tl_tap_number);
		return;
	}
	ok = tl_run_closefds(closefds, probe, loop_args, NULL, forge_setup, NULL, &fa, &run) == 0 &&
	     exact(&run, none, 0, why, sizeof(why));
	tl_result(ok, "another process's /proc/PID/status bound over ours, select and close_range refused: its FDSize is not used (5000 closed)");
	if (!ok)
		diag(why);
}

/* ---- -p 3:63 -p 63:3 under a soft limit of 64 ---- */

static int swap_setup(void *p)
{
	(void)p;
	return tl_place(TL_FILE, 3) < 0 || tl_place(TL_PIPE_R, 63) < 0 ? -1 : 0;
}

static int soft64(void *p)
{
	struct rlimit rl;

	(void)p;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rl.rlim_cur = 64;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_swap_at_limit(void)
{
	static struct tl_run run;
	const char *args[] = { "-p", "3:63", "-p", "63:3", NULL };
	char why[4096] = "";
	bool ok = tl_run_closefds(closefds, probe, args, NULL, swap_setup, soft64, NULL, &run) == 0;

	if (ok) {
		const char *b3 = tl_report_identity(&run.before, 3), *b63 = tl_report_identity(&run.before, 63);
		const char *a3 = tl_report_identity(&run.after, 3), *a63 = tl_report_identity(&run.after, 63);
		ok = run.status == 0 && b3 && b63 && a3 && a63 && strcmp(a3, b63) == 0 &&
		     strcmp(a63, b3) == 0 && run.after.n == 5;
		snprintf(why, sizeof(why), "status %d, %d descriptors, stderr: %s", run.status,
			 run.after.n, run.err);
	}
	tl_result(ok, "-p 3:63 -p 63:3 under a soft limit of 64: swapped through a temporary below it");
	if (!ok)
		diag(why);
}

/* ---- a kept range above a lowered hard limit, select refused, no /proc ---- */

static int high_setup(void *p)
{
	(void)p;
	close_strays();
	if (tl_place(TL_FILE, 1500) < 0 || tl_place(TL_PIPE_R, 40) < 0 || tl_place(TL_FILE, 2500) < 0)
		return -1;
	/* select refused, close_range allowed, /proc unmounted. */
	enum tl_action act[TL_CALL_COUNT] = { TL_ALLOW, TL_EPERM, TL_ALLOW };
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/proc", MNT_DETACH) < 0)
		return -1;
	return tl_seccomp(act);
}

static int hard1000(void *p)
{
	struct rlimit rl = { 1000, 1000 };

	(void)p;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_kept_above_bound(void)
{
	static struct tl_run run;
	const char *args[] = { "-k", "3-2000", NULL };
	static const int kept[] = { 40, 1500 };
	char why[4096] = "";

	if (tl_emulator() && !tl_seccomp_works()) {
		printf("ok %d - -k 3-2000 above a lowered hard limit # SKIP %s refuses seccomp filters\n",
		       ++tl_tap_number, tl_emulator());
		return;
	}
	/* 2500, in no kept range, is closed: close_range needs no bound. */
	bool ok = tl_run_closefds(closefds, probe, args, NULL, high_setup, hard1000, NULL, &run) == 0 &&
		  exact(&run, kept, 2, why, sizeof(why));
	tl_result(ok, "-k 3-2000, select refused, no /proc, 1500 above a hard limit lowered to 1000: kept");
	if (!ok)
		diag(why);
}

/* ---- the probe without mmap, and select() where pselect6 is refused ---- */

struct nommap_arg {
	bool refuse_mmap;    /* mmap (and mmap2) answer ENOMEM */
	bool refuse_pselect; /* pselect6 answers EPERM, select() is allowed */
};

/* No /proc, close_range refused, 5000 open and then the hard limit lowered
 * to 64 (in late): only the table size finds 5000. */
static int nommap_setup(void *p)
{
	const struct nommap_arg *na = p;
	struct tl_rule rules[8];
	size_t n = 0;

	close_strays();
	if (tl_place(TL_PIPE_R, 5000) < 0 || tl_place(TL_FILE, 30) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/proc", MNT_DETACH) < 0)
		return -1;
	rules[n++] = (struct tl_rule){ SYS_close_range_nr, TL_EPERM, EPERM };
#ifdef SYS_mmap
	if (na->refuse_mmap)
		rules[n++] = (struct tl_rule){ SYS_mmap, TL_EPERM, ENOMEM };
#endif
#ifdef SYS_mmap2
	if (na->refuse_mmap)
		rules[n++] = (struct tl_rule){ SYS_mmap2, TL_EPERM, ENOMEM };
#endif
#ifdef SYS_pselect6
	if (na->refuse_pselect)
		rules[n++] = (struct tl_rule){ SYS_pselect6, TL_EPERM, EPERM };
#endif
#ifdef SYS_pselect6_time64
	if (na->refuse_pselect)
		rules[n++] = (struct tl_rule){ SYS_pselect6_time64, TL_EPERM, EPERM };
#endif
	return tl_seccomp_rules(rules, n);
}

static int hard64(void *p)
{
	struct rlimit rl = { 64, 64 };

	(void)p;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_probe_fallbacks(void)
{
	static struct tl_run run;
	const char *args[] = { "-v", NULL };
	static const int none[] = { 0 };
	static const struct {
		struct nommap_arg na;
		const char *name;
		bool needs_select;
	} cases[] = {
		{ { true, false },
		  "mmap refused (ENOMEM): the probe sets bits on the stack, 5000 is closed", false },
		{ { false, true }, "pselect6 refused: select() sizes the table, 5000 is closed", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[4096] = "";
		if (!closefds_static) {
			printf("ok %d - %s # SKIP no static build (the filter refuses what ld.so needs)\n",
			       ++tl_tap_number, cases[i].name);
			continue;
		}
		if (!tl_seccomp_works()) {
			printf("ok %d - %s # SKIP no seccomp filter here%s%s\n", ++tl_tap_number,
			       cases[i].name, tl_emulator() ? ": " : "",
			       tl_emulator() ? tl_emulator() : "");
			continue;
		}
#if !defined(SYS_select) && !defined(SYS__newselect)
		if (cases[i].needs_select) {
			printf("ok %d - %s # SKIP this architecture has only pselect6\n", ++tl_tap_number,
			       cases[i].name);
			continue;
		}
#endif
		bool ok = tl_run_closefds(closefds_static, probe_static, args, NULL, nommap_setup, hard64,
					  (void *)&cases[i].na, &run) == 0 &&
			  exact(&run, none, 0, why, sizeof(why)) &&
			  strstr(run.err, "probed with select") != NULL;
		if (!ok && why[0] == '\0')
			snprintf(why, sizeof(why), "status %d, stderr: %s", run.status, run.err);
		tl_result(ok, "no /proc, close_range refused, 5000 above a hard limit lowered to 64: %s",
			  cases[i].name);
		if (!ok)
			diag(why);
	}
}

int main(int argc, char *argv[])
{
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: enginetest CLOSEFDS FDPROBE [CLOSEFDS_STATIC FDPROBE_STATIC]\n");
		return 2;
	}
	closefds = argv[1];
	probe = argv[2];
	closefds_static = argc == 5 ? argv[3] : NULL;
	probe_static = argc == 5 ? argv[4] : NULL;
	printf("1..%d\n", TL_ENV_COUNT * 5 * 2 + 4 + 1 + 1 + 2);
	start_other();
	test_opath();
	test_forged_proc();
	test_swap_at_limit();
	test_kept_above_bound();
	test_probe_fallbacks();
	if (other > 0) {
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
	}
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
