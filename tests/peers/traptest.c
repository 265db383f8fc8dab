/* traptest.c: closefds under a seccomp filter that answers close_range with
 * SIGSYS (SECCOMP_RET_TRAP, as Android's app filter does).  The trap must
 * become a failed call: closefds falls back, --verbose says so, and the
 * caller's SIGSYS disposition and mask reach COMMAND as they were, also
 * when the caller blocked or ignored SIGSYS (the kernel unblocks and resets
 * it to kill for a trap, so closefds must have its handler in place and
 * SIGSYS unblocked while it runs).  TAP output.
 *
 * Usage: traptest CLOSEFDS FDPROBE */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/* text as TAP diagnostics: every line behind "#". */
static void diag_lines(const char *what, const char *text)
{
	char copy[8192];

	snprintf(copy, sizeof(copy), "%s", text);
	printf("# %s:\n", what);
	for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n"))
		printf("#   %s\n", l);
}

enum caller_sigsys { SIGSYS_DEFAULT, SIGSYS_BLOCKED, SIGSYS_IGNORED, SIGSYS_BOTH };

static const char *const caller_name[] = { "default", "blocked", "ignored",
					   "blocked and ignored" };

struct setup_arg {
	enum caller_sigsys caller;
};

/* 5 to keep, 7 and 300 to close; SIGSYS as the caller has it; the filter. */
static int setup(void *p)
{
	const struct setup_arg *sa = p;

	if (tl_place(TL_FILE, 5) < 0 || tl_place(TL_PIPE_R, 7) < 0 ||
	    tl_place(TL_SOCKPAIR, 300) < 0)
		return -1;
	if (sa->caller == SIGSYS_BLOCKED || sa->caller == SIGSYS_BOTH) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSYS);
		if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
			return tl_fail("sigprocmask SIG_BLOCK SIGSYS");
	}
	if ((sa->caller == SIGSYS_IGNORED || sa->caller == SIGSYS_BOTH) &&
	    signal(SIGSYS, SIG_IGN) == SIG_ERR)
		return tl_fail("signal(SIGSYS, SIG_IGN)");
	return tl_env_apply(TL_CR_TRAP);
}

static bool has_bit(const char *hex, int sig)
{
	return strtoull(hex, NULL, 16) & (1ULL << (sig - 1));
}

/* Exactly 0, 1, 2 and 5, each as it was. */
static bool exact_table(const struct tl_run *run, char *why, size_t len)
{
	static const int want[] = { 0, 1, 2, 5 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *b = tl_report_identity(&run->before, want[i]);
		const char *a = tl_report_identity(&run->after, want[i]);
		if (!b || !a || strcmp(a, b) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected %s", want[i], a ? a : "closed",
				 b ? b : "?");
			return false;
		}
	}
	if (run->after.n != 4) {
		snprintf(why, len, "expected 4 descriptors, got %d", run->after.n);
		return false;
	}
	return true;
}

/* A SIGSYS sent by someone (kill), not by seccomp, while closefds runs:
 * it must have the effect it would have had without closefds' handler:
 * kill closefds when the caller left SIGSYS at its default, nothing when
 * the caller ignored it, stay pending for COMMAND when the caller blocked
 * it.  closefds --audit is held while it writes its report to a full pipe
 * (stderr); the signal comes then, the pipe is drained, and COMMAND prints
 * its pending, blocked and ignored signal masks.  Returns the wait status,
 * or -1; COMMAND's output in out. */
static int kill_while_blocked(const char *closefds, enum caller_sigsys c, char *out, size_t len)
{
	char path[256];
	int p[2], st;

	snprintf(path, sizeof(path), "%s/masks", tl_workdir());
	if (pipe(p) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	static char fill[4096];
	memset(fill, 'x', sizeof(fill));
	/* Fill it, the last bytes one at a time. */
	while (write(p[1], fill, sizeof(fill)) > 0)
		;
	while (write(p[1], fill, 1) == 1)
		;
	if (fcntl(p[1], F_SETFL, 0) < 0)
		return -1;
	pid_t pid = tl_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || dup2(o, 1) < 0 || dup2(p[1], 2) < 0) {
			dprintf(o >= 0 ? o : 1, "traptest: %s: %s\n", o < 0 ? "open" : "dup2",
				strerror(errno));
			_exit(90);
		}
		close(p[0]);
		if (c == SIGSYS_BLOCKED || c == SIGSYS_BOTH) {
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGSYS);
			sigprocmask(SIG_BLOCK, &s, NULL);
		}
		if (c == SIGSYS_IGNORED || c == SIGSYS_BOTH)
			signal(SIGSYS, SIG_IGN);
		execl(closefds, closefds, "--audit", "--", "grep", "-E", "^(SigPnd|ShdPnd|SigBlk|SigIgn)",
		      "/proc/self/status", (char *)NULL);
		printf("traptest: execl %s: %s\n", closefds, strerror(errno));
		fflush(stdout);
		_exit(91);
	}
	close(p[1]);
	/* Until closefds sleeps in write(2) on the pipe: up to 60 s, for a
	 * loaded machine (a wait, not a timed assertion). */
	for (int i = 0; i < 6000; i++) {
		char sp[64], state[512] = "";
		snprintf(sp, sizeof(sp), "/proc/%d/stat", (int)pid);
		int f = open(sp, O_RDONLY);
		ssize_t n = f < 0 ? -1 : read(f, state, sizeof(state) - 1);
		if (f >= 0)
			close(f);
		const char *rp = n > 0 ? strrchr(state, ')') : NULL;
		if (rp && rp[1] == ' ' && rp[2] == 'S')
			break;
		usleep(10000);
	}
	usleep(50000);
	kill(pid, SIGSYS);
	while (read(p[0], fill, sizeof(fill)) > 0)
		;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	out[0] = '\0';
	int f = open(path, O_RDONLY);
	ssize_t n = f < 0 ? 0 : read(f, out, len - 1);
	if (f >= 0)
		close(f);
	out[n > 0 ? n : 0] = '\0';
	return st;
}

/* The hex mask after "name:\t" in a /proc status excerpt. */
static unsigned long long status_mask(const char *text, const char *name)
{
	const char *l = strstr(text, name);

	return l ? strtoull(l + strlen(name) + 2, NULL, 16) : 0;
}

static void test_kill(const char *closefds)
{
	for (int c = SIGSYS_DEFAULT; c <= SIGSYS_BOTH; c++) {
		char out[1024];
		int st = kill_while_blocked(closefds, (enum caller_sigsys)c, out, sizeof(out));
		bool blocked = c == SIGSYS_BLOCKED || c == SIGSYS_BOTH;
		bool ignored = c == SIGSYS_IGNORED || c == SIGSYS_BOTH;
		unsigned long long bit = 1ULL << (SIGSYS - 1);
		unsigned long long pending = status_mask(out, "SigPnd") | status_mask(out, "ShdPnd");
		bool ok;
		const char *want;
		if (c == SIGSYS_DEFAULT) {
			ok = st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
			want = "closefds dies of it";
		} else if (!blocked) {
			ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !(pending & bit) &&
			     (status_mask(out, "SigIgn") & bit) && !(status_mask(out, "SigBlk") & bit);
			want = "discarded; COMMAND runs with SIGSYS ignored";
		} else {
			/* Blocked, it stays pending even when ignored (the kernel
			 * discards an ignored signal only when it is not blocked). */
			ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && (pending & bit) &&
			     (status_mask(out, "SigBlk") & bit) &&
			     !!(status_mask(out, "SigIgn") & bit) == ignored;
			want = "pending for COMMAND, which has it blocked";
		}
		tl_result(ok, "kill -SYS during closefds --audit, SIGSYS %s: %s", caller_name[c], want);
		if (!ok) {
			for (char *nl = strchr(out, '\n'); nl && nl[1]; nl = strchr(nl, '\n'))
				*nl = ' ';
			printf("# wait status %#x (%s %d); COMMAND: %s\n", (unsigned)st,
			       st >= 0 && WIFSIGNALED(st) ? "signal" : "exit",
			       st < 0 ? -1 : WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), out);
		}
	}
}

/* fcntl trapped, and stdout closed at start: the repair of 0-2 is the
 * first place closefds asks fcntl, before anything else it does; the
 * handler must already be in place there (an earlier closefds installed it
 * later and died of SIGSYS, exit 159). */
/* After the "before" report (which asks fcntl itself), just before the exec. */
static int fcntl_trap_setup(void *p)
{
	struct tl_rule rule = { SYS_fcntl, TL_TRAP, 0 };

	(void)p;
#ifdef SYS_fcntl64
	rule.nr = SYS_fcntl64;
#endif
	close(1);
	return tl_seccomp_rules(&rule, 1);
}

static void test_fcntl_trapped_at_start(const char *closefds, const char *probe)
{
	static struct tl_run run;
	const char *args[] = { NULL };
	const char *want = "closefds: cannot check or reopen the standard streams on /dev/null: "
			   "Function not implemented\n";
	bool ok = tl_run_closefds(closefds, probe, args, NULL, NULL, fcntl_trap_setup, NULL, &run) == 0 &&
		  run.status == 125 && !run.probe_ran && strcmp(run.err, want) == 0;

	tl_result(ok, "fcntl trapped, stdout closed: 125 and the reason from the repair of 0-2, not SIGSYS");
	if (!ok)
		printf("# status %d, probe %s, stderr: %s\n", run.status,
		       run.probe_ran ? "ran" : "did not run", run.err);
}

int main(int argc, char *argv[])
{
	static struct tl_run run;
	const char *trap_line = "closefds: method close_range(CLOSE_RANGE_CLOEXEC) failed: "
				"Function not implemented (a seccomp filter trapped it: SIGSYS)\n";

	if (argc != 3) {
		fprintf(stderr, "usage: traptest CLOSEFDS FDPROBE\n");
		return 2;
	}
	const char *closefds = argv[1], *probe = argv[2];
	/* No filter can be installed (tried in a child): nothing to test. */
	pid_t pid = fork();
	int st = 0;
	if (pid == 0) {
		static const enum tl_action allow[TL_CALL_COUNT] = { TL_ALLOW };
		_exit(tl_seccomp(allow) < 0 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("1..0 # SKIP no seccomp filter can be installed here (%s)\n",
		       tl_emulator() ? "qemu-user refuses them" : "no filter for this ABI in testlib");
		return 0;
	}
	printf("1..%d\n", 4 * 2 + 1 + 4 + 1);
	for (int c = SIGSYS_DEFAULT; c <= SIGSYS_BOTH; c++) {
		struct setup_arg sa = { (enum caller_sigsys)c };
		const char *args[] = { "-v", "-k", "5", NULL };
		char why[4096] = "";
		bool ran = tl_run_closefds(closefds, probe, args, NULL, setup, NULL, &sa, &run) == 0;
		bool ok = ran && run.status == 0 && run.probe_ran && exact_table(&run, why, sizeof(why)) &&
			  strstr(run.err, trap_line) != NULL;
		tl_result(ok, "close_range trapped, SIGSYS %s: falls back, exact table, --verbose names the trap",
		       caller_name[c]);
		if (!ok)
		{
			printf("# %sstatus %d, probe %s; %s\n", ran ? "" : "could not run: ", run.status,
			       run.probe_ran ? "ran" : "did not run", why);
			diag_lines("stderr", run.err);
		}
		bool blocked = c == SIGSYS_BLOCKED || c == SIGSYS_BOTH;
		bool ignored = c == SIGSYS_IGNORED || c == SIGSYS_BOTH;
		ok = ran && run.probe_ran && strcmp(run.after.sigblk, run.before.sigblk) == 0 &&
		     strcmp(run.after.sigign, run.before.sigign) == 0 &&
		     has_bit(run.after.sigblk, SIGSYS) == blocked &&
		     has_bit(run.after.sigign, SIGSYS) == ignored;
		tl_result(ok, "close_range trapped, SIGSYS %s: COMMAND gets the caller's mask and ignored set",
		       caller_name[c]);
		if (!ok)
			printf("# SigBlk %s -> %s, SigIgn %s -> %s\n", run.before.sigblk, run.after.sigblk,
			       run.before.sigign, run.after.sigign);
	}
	/* A forced close_range that is trapped is a method that cannot run. */
	{
		struct setup_arg sa = { SIGSYS_DEFAULT };
		const char *args[] = { "-m", "close_range", "-k", "5", NULL };
		bool ran = tl_run_closefds(closefds, probe, args, NULL, setup, NULL, &sa, &run) == 0;
		const char *want = "closefds: method 'close_range' cannot run here: "
				   "Function not implemented (a seccomp filter trapped it: SIGSYS)\n";
		bool ok = ran && run.status == 125 && !run.probe_ran && strcmp(run.err, want) == 0;
		tl_result(ok, "-m close_range trapped: 125, 'cannot run here' naming the trap, nothing run");
		if (!ok) {
			printf("# status %d, probe %s\n", run.status, run.probe_ran ? "ran" : "did not run");
			diag_lines("stderr", run.err);
		}
	}
	test_kill(closefds);
	test_fcntl_trapped_at_start(closefds, probe);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
