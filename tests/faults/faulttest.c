/* faulttest.c: fault injection.  Every library call closefds makes that can
 * fail is made to fail, one call at a time (faultshim.so, LD_PRELOAD), and
 * the outcome must be one of:
 *   - exit 125, closefds' own message, and COMMAND not run; or
 *   - COMMAND runs with exactly the descriptor set asked for (numbers and
 *     identities), as a correct fallback gives;
 *   - for execvp only: 126 or 127 and COMMAND not run.
 * Never an exec with the wrong set.
 *
 * For each function, errno, scenario and environment (plain; close_range and
 * select blocked by seccomp, so FDSize is read) the Nth call is made to fail for N = 1, 2, ... until
 * the shim reports that the fault was not reached.  One TAP line per
 * function x errno x scenario x environment, plus per scenario a baseline
 * and one for the moves' temporaries (a malloc failure there must say
 * exactly "cannot apply the moves"; any malloc failure must blame no
 * descriptor); at the end one per function: the shim must have failed it at
 * least once, or it was not tested (a large-file name it does not wrap).
 * A failed baseline skips the rest of its scenario, each line printed.
 * Under an emulator (CLOSEFDS_TEST_EMULATOR) the close_range-blocked half
 * is skipped: qemu-user refuses seccomp filters.
 *
 * Usage: faulttest CLOSEFDS FAULTSHIM_SO FDPROBE */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define MAX_N 100000

/* The table every scenario starts from: 5 is kept, 6 is moved (to 9, or to
 * 3 with --listen-fd), 10 and 11 are swapped, 7, 40 and 300 are closed. */
static const struct {
	int fd;
	const char *path;
} start_table[] = {
	{ 5, "/etc/passwd" }, { 6, "/etc/hostname" }, { 7, "/etc/group" },
	{ 10, "/etc/hosts" }, { 11, "/etc/services" }, { 40, "/dev/null" },
	{ 300, "/etc/shells" },
};

struct scenario {
	const char *name;
	int hostname_at; /* where 6 must end up */
	const char *args[12];
	bool audit; /* --audit: nothing closed, the sources of moves stay */
};

#define MOVES "-k", "5", "-p", "10:11", "-p", "11:10"
static const struct scenario scenarios[] = {
	{ "auto", 9, { MOVES, "-p", "6:9", NULL } },
	{ "close_range", 9, { "-m", "close_range", MOVES, "-p", "6:9", NULL } },
	{ "proc", 9, { "-m", "proc", MOVES, "-p", "6:9", NULL } },
	{ "poll", 9, { "-m", "poll", MOVES, "-p", "6:9", NULL } },
	{ "loop", 9, { "-m", "loop", MOVES, "-p", "6:9", NULL } },
	{ "verify", 9, { "--verify", MOVES, "-p", "6:9", NULL } },
	{ "listen-fd", 3, { "--listen-fd", "6:x", MOVES, NULL } },
	{ "audit", 9, { "--audit", MOVES, "-p", "6:9", NULL }, true },
	{ "nofile-blocking", 9, { "--nofile=safe", "--blocking=0,5", MOVES, "-p", "6:9", NULL } },
};

static const struct {
	const char *func;
	int errnos[4]; /* 0 ends the list */
	const char *unreached; /* why no scenario reaches it, if none does */
	bool blocked_only; /* reached only in the environment with close_range and select blocked */
} faults[] = {
	{ "open", { EMFILE, ENOENT, EACCES, 0 } },
	/* Not EBADF: the only way F_GETFD fails on Linux, and a truthful "not
	 * open", which closefds believes by design. */
	{ "fcntl", { EPERM, EMFILE, EINVAL, 0 } },
	{ "poll", { EINVAL, ENOMEM, EINTR, 0 } },
	{ "close", { EINTR, EIO, 0 } },
	{ "dup2", { EBADF, EBUSY, EINTR, EMFILE } },
	{ "read", { EIO, EINTR, 0 }, NULL, true }, /* FDSize: only where select is blocked */
	{ "readlinkat", { EACCES, 0 } },
	{ "fstat", { EIO, 0 },
	  "closefds calls it only with a standard stream closed at start, or for --audit without /proc (no scenario here)" },
	{ "fstatfs", { ENOSYS, 0 } },
	{ "getrlimit", { EPERM, 0 } },
	{ "setrlimit", { EPERM, EINVAL, 0 } },
	{ "getresuid", { EPERM, 0 } },
	{ "getresgid", { EPERM, 0 } },
	{ "setenv", { ENOMEM, 0 } },
	{ "close_range", { EPERM, ENOSYS, EINVAL, 0 } },
	{ "getdents64", { EIO, EINVAL, 0 } },
	/* The select probe of the table size (fdbound.c): seccomp may refuse
	 * it (EPERM, ENOSYS, a trap turned into ENOSYS); EINTR is retried. */
	{ "pselect6", { EPERM, ENOSYS, ENOMEM, EINTR } },
	/* Its bitmap above 32768 slots (the shim grows the table for this). */
	{ "mmap", { ENOMEM, 0 } },
	/* SIGPIPE ignored and the SIGSYS handler installed, then both put back
	 * before the exec (signals.c). */
	{ "sigaction", { EINVAL, EFAULT, 0 } },
	{ "sigprocmask", { EINVAL, EFAULT, 0 } },
	{ "malloc", { ENOMEM, 0 } },
	{ "execvp", { EACCES, ENOENT, 0 } },
};

struct setup_arg {
	bool blocked;
};

static int setup(void *p)
{
	const struct setup_arg *sa = p;

	for (size_t i = 0; i < sizeof(start_table) / sizeof(start_table[0]); i++) {
		int t = open(start_table[i].path, O_RDONLY);
		if (t < 0)
			return tl_fail("open %s", start_table[i].path);
		if (dup2(t, start_table[i].fd) < 0 || close(t) < 0)
			return tl_fail("dup2(%d, %d)", t, start_table[i].fd);
	}
	/* close_range and select blocked: the fallbacks, FDSize read from
	 * /proc/self/status for the bound, the poll scan. */
	static const enum tl_action block[TL_CALL_COUNT] = { TL_EPERM, TL_EPERM, TL_ALLOW };
	if (sa->blocked && tl_seccomp(block) < 0)
		return tl_fail("seccomp filter (close_range and select EPERM)");
	return 0;
}

/* Exactly 0, 1, 2 (as they were), 5, the moved 6, and 10/11 swapped; with
 * --audit also the rest of the table before. */
static bool table_ok(const struct scenario *sc, const struct tl_run *run, char *why, size_t len)
{
	const struct tl_report *b = &run->before, *a = &run->after;
	const int want_fd[] = { 0, 1, 2, 5, sc->hostname_at, 10, 11 };
	const int from_fd[] = { 0, 1, 2, 5, 6, 11, 10 };
	size_t n = sizeof(want_fd) / sizeof(want_fd[0]);

	if (sc->audit) {
		/* --audit closes nothing: the table before, 6 copied to 9 and
		 * 10/11 swapped (whatever else the test inherited stays too). */
		for (int i = 0; i < b->n; i++) {
			int fd = b->fd[i], from = fd == 10 ? 11 : fd == 11 ? 10 : fd == 9 ? 6 : fd;
			const char *want = tl_report_identity(b, from);
			const char *got = tl_report_identity(a, fd);
			if (!want || !got || strcmp(want, got) != 0) {
				snprintf(why, len, "descriptor %d is %s, expected %s", fd,
					 got ? got : "closed", want ? want : "?");
				return false;
			}
		}
		n = (size_t)b->n + (tl_report_identity(b, 9) == NULL);
	}
	for (size_t i = 0; i < sizeof(want_fd) / sizeof(want_fd[0]); i++) {
		const char *want = tl_report_identity(b, from_fd[i]);
		const char *got = tl_report_identity(a, want_fd[i]);
		if (!want || !got || strcmp(want, got) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected %s", want_fd[i],
				 got ? got : "closed", want ? want : "?");
			return false;
		}
	}
	if ((size_t)a->n != n) {
		snprintf(why, len, "expected %zu descriptors, got %d", n, a->n);
		return false;
	}
	return true;
}

/* closefds' own words only: one "closefds: " line, or for --verify one per
 * problem and the verdict. */
static bool own_message(const char *s)
{
	if (!*s)
		return false;
	for (const char *line = s; *line; line = strchr(line, '\n') + 1)
		if (strncmp(line, "closefds: ", 10) != 0 || !strchr(line, '\n'))
			return false;
	return true;
}

enum verdict { REFUSED, FELL_BACK, WRONG };

/* What closefds says when malloc fails where the moves need their
 * temporaries (pass_apply): this exact line, and exit 125.  It used to
 * index the failed move with an index never set and blame a descriptor
 * ("cannot move a descriptor to 9", x86_64) or crash (SIGSEGV, aarch64 and
 * s390x): issue #11. */
#define MOVES_OOM "closefds: cannot apply the moves: Cannot allocate memory\n"

/* An allocation failure is no descriptor's fault: closefds prints one line
 * that says memory ran out and names no descriptor (no digit in it). */
static bool oom_message(const char *s, char *why, size_t len)
{
	static const char tail[] = ": Cannot allocate memory\n";
	size_t n = strlen(s), t = sizeof(tail) - 1;
	bool one_line = n > 0 && strchr(s, '\n') == s + n - 1;
	bool says_oom = strcmp(s, "closefds: out of memory\n") == 0 ||
			(n > t && strcmp(s + n - t, tail) == 0);

	if (one_line && says_oom && !strpbrk(s, "0123456789"))
		return true;
	snprintf(why, len, "an allocation failed; the message must say so and name no descriptor: %s",
		 s);
	return false;
}

static enum verdict judge(const struct scenario *sc, const struct tl_run *run, bool is_exec,
			  char *why, size_t len)
{
	if (!run->probe_ran && own_message(run->err) &&
	    (run->status == 125 || (is_exec && (run->status == 126 || run->status == 127))))
		return REFUSED;
	if (run->status == 0 && run->probe_ran && table_ok(sc, run, why, len))
		return FELL_BACK;
	size_t o = strlen(why);
	snprintf(why + o, len - o, "\nstatus %d, probe %s, stderr: %s", run->status,
		 run->probe_ran ? "ran" : "did not run", run->err);
	return WRONG;
}

static struct tl_run run;

/* Run closefds with the Nth call of func failing with err.  Returns 1 if
 * the fault was injected, 0 if not, -1 if the run failed. */
/* FAULT_COUNT of the last run: calls of the function made, -1 unknown. */
static long last_count = -1;

static int run_with_fault(const char *closefds, const char *shim, const char *probe,
			  const struct scenario *sc, bool blocked, const char *func, int err, int nth)
{
	char mark[256], e_func[64], e_nth[32], e_errno[32], e_mark[300], e_preload[600];
	struct setup_arg sa = { blocked };

	snprintf(mark, sizeof(mark), "%s/mark", tl_workdir());
	unlink(mark);
	snprintf(e_func, sizeof(e_func), "FAULT_FUNC=%s", func);
	snprintf(e_nth, sizeof(e_nth), "FAULT_NTH=%d", nth);
	snprintf(e_errno, sizeof(e_errno), "FAULT_ERRNO=%d", err);
	snprintf(e_mark, sizeof(e_mark), "FAULT_MARK=%s", mark);
	snprintf(e_preload, sizeof(e_preload), "LD_PRELOAD=%s", shim);
	char count[256], e_count[300];
	snprintf(count, sizeof(count), "%s/count", tl_workdir());
	snprintf(e_count, sizeof(e_count), "FAULT_COUNT=%s", count);
	unlink(count);
	char *envp[] = { e_func, e_nth, e_errno, e_mark, e_preload, (char *)"PATH=/usr/bin:/bin",
			 e_count, NULL };
	if (tl_run_closefds(closefds, probe, sc->args, envp, setup, NULL, &sa, &run) < 0)
		return -1;
	FILE *c = fopen(count, "re");
	last_count = -1;
	if (!c || fscanf(c, "%ld", &last_count) != 1)
		last_count = -1;
	if (c)
		fclose(c);
	return access(mark, F_OK) == 0;
}

/* The call to fail after nth, of count calls in all (-1: not known): every
 * one, for a function called up to 64 times; beyond, every one of the
 * first 8 and the last 4, and in between every power of two (a call site
 * reached hundreds of times, such as the fcntl of a scan, is the same site
 * at every repetition). */
static int next_nth(int nth, long count)
{
	if (count <= 64 || nth < 8 || nth >= count - 4)
		return nth + 1;
	long next = 2L * nth;
	return (int)(next < count - 4 ? next : count - 4);
}

/* Print the lines of a scenario that cannot run, as skipped. */
static void skip_scenario(int *test, const struct scenario *sc, const char *where,
			  bool with_baseline, const char *reason)
{
	size_t nf = sizeof(faults) / sizeof(faults[0]);

	if (with_baseline)
		printf("ok %d - baseline, %s%s # SKIP %s\n", ++*test, sc->name, where, reason);
	for (size_t f = 0; f < nf; f++)
		for (size_t e = 0; e < 4 && faults[f].errnos[e]; e++)
			printf("ok %d - %s -> %s, %s%s # SKIP %s\n", ++*test, faults[f].func,
			       strerrorname_np(faults[f].errnos[e]), sc->name, where, reason);
	printf("ok %d - no memory for the moves' temporaries, %s%s # SKIP %s\n", ++*test, sc->name,
	       where, reason);
}

int main(int argc, char *argv[])
{
	char why[4096];
	int test = 0, failed = 0;
	long runs = 0, injected = 0, refused = 0, fell_back = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: faulttest CLOSEFDS FAULTSHIM_SO FDPROBE\n");
		return 2;
	}
	const char *closefds = argv[1], *shim = argv[2], *probe = argv[3];
	/* Under qemu-user (tests/meson.build sets this from the cross file's
	 * exe_wrapper), prctl(PR_SET_SECCOMP) fails with EINVAL: no
	 * close_range-blocked half. */
	const char *emulator = tl_emulator() && !tl_seccomp_works() ? tl_emulator() : NULL;
	size_t nsc = sizeof(scenarios) / sizeof(scenarios[0]);
	size_t nf = sizeof(faults) / sizeof(faults[0]);
	size_t per_scenario = 2; /* the baseline, the moves' temporaries */
	long reached[sizeof(faults) / sizeof(faults[0])] = { 0 };
	for (size_t f = 0; f < nf; f++)
		for (size_t e = 0; e < 4 && faults[f].errnos[e]; e++)
			per_scenario++;
	printf("1..%zu\n", 2 * nsc * per_scenario + 2 + nf);

	for (int blocked = 0; blocked <= 1; blocked++) {
		for (size_t s = 0; s < nsc; s++) {
			const struct scenario *sc = &scenarios[s];
			const char *where = blocked ? ", close_range and select blocked" : "";
			if (blocked && emulator) {
				char reason[128];
				snprintf(reason, sizeof(reason),
					 "%s refuses seccomp filters (PR_SET_SECCOMP: EINVAL)", emulator);
				skip_scenario(&test, sc, where, true, reason);
				continue;
			}
			/* Nothing injected: the exact table, or a refusal for a
			 * forced close_range where close_range is blocked. */
			bool want_refusal = blocked && strcmp(sc->name, "close_range") == 0;
			why[0] = '\0';
			int inj = run_with_fault(closefds, shim, probe, sc, blocked, "none", 0, 1);
			enum verdict base = inj == 0 ? judge(sc, &run, false, why, sizeof(why)) : WRONG;
			if (inj < 0)
				snprintf(why, sizeof(why), "could not run: %s", run.err);
			else if (inj > 0)
				snprintf(why, sizeof(why), "the shim injected a fault with FAULT_FUNC=none");
			bool base_ok = base == (want_refusal ? REFUSED : FELL_BACK);
			int base_status = run.status;
			if (!base_ok) {
				/* The rest of the scenario compares with the baseline:
				 * it cannot run, and the suite fails on this line. */
				printf("not ok %d - baseline, %s%s: %s\n", test + 1, sc->name, where,
				       want_refusal ? "refused" : "exact table");
				failed++;
				for (char *l = strtok(why, "\n"); l; l = strtok(NULL, "\n"))
					printf("# %s\n", l);
				test++;
				skip_scenario(&test, sc, where, false, "the baseline failed");
				continue;
			}
			printf("ok %d - baseline, %s%s: %s\n", ++test, sc->name, where,
			       want_refusal ? "refused" : "exact table");
			bool saw_moves_oom = false;
			for (size_t f = 0; f < nf; f++) {
				for (size_t e = 0; e < 4 && faults[f].errnos[e]; e++) {
					const char *func = faults[f].func;
					int err = faults[f].errnos[e], nth;
					bool bad = false, is_malloc = strcmp(func, "malloc") == 0;
					why[0] = '\0';
					/* How many calls an uninjected run makes. */
					run_with_fault(closefds, shim, probe, sc, blocked, func, err, 0);
					long count = last_count;
					for (nth = 1; nth <= MAX_N; nth = next_nth(nth, count)) {
						inj = run_with_fault(closefds, shim, probe, sc, blocked, func,
								     err, nth);
						runs++;
						if (inj < 0) {
							snprintf(why, sizeof(why), "could not run: %s", run.err);
							bad = true;
							break;
						}
						if (!inj) {
							/* Past the last call: as the baseline. */
							bad = run.status != base_status;
							if (bad)
								snprintf(why, sizeof(why), "uninjected run: status %d, not %d",
									 run.status, base_status);
							break;
						}
						injected++;
						reached[f]++;
						enum verdict v = judge(sc, &run, strcmp(func, "execvp") == 0, why,
								       sizeof(why));
						if (v == REFUSED && is_malloc &&
						    !oom_message(run.err, why, sizeof(why)))
							v = WRONG;
						if (v == WRONG) {
							char at[64];
							snprintf(at, sizeof(at), " (call %d)", nth);
							strncat(why, at, sizeof(why) - strlen(why) - 1);
							bad = true;
							break;
						}
						saw_moves_oom |= is_malloc && v == REFUSED && run.status == 125 &&
								 strcmp(run.err, MOVES_OOM) == 0;
						refused += v == REFUSED;
						fell_back += v == FELL_BACK;
					}
					if (nth > MAX_N) {
						snprintf(why, sizeof(why), "more than %d calls", MAX_N);
						bad = true;
					}
					printf("%s %d - %s -> %s, %s%s (%d calls)\n", bad ? "not ok" : "ok",
					       ++test, func, strerrorname_np(err), sc->name, where, nth - 1);
					if (bad) {
						failed++;
						for (char *l = strtok(why, "\n"); l; l = strtok(NULL, "\n"))
							printf("# %s\n", l);
					}
				}
			}
			/* Every scenario swaps 10 and 11, which takes a temporary:
			 * one of the malloc failures above is the one for it. */
			printf("%s %d - no memory for the moves' temporaries, %s%s: exit 125, \"%.*s\"\n",
			       saw_moves_oom ? "ok" : "not ok", ++test, sc->name, where,
			       (int)strlen(MOVES_OOM) - 1, MOVES_OOM);
			if (!saw_moves_oom) {
				failed++;
				printf("# no malloc failure gave that message and exit 125\n");
			}
		}
	}
	/* Without options closefds allocates nothing (fixed buffers only, the
	 * sets inline): failing the first allocation must not be reached. */
	static const struct scenario bare = { "no options", 0, { NULL } };
	for (int blocked = 0; blocked <= 1; blocked++) {
		if (blocked && emulator) {
			printf("ok %d - no options, close_range blocked # SKIP %s refuses seccomp filters (PR_SET_SECCOMP: EINVAL)\n",
			       ++test, emulator);
			continue;
		}
		int inj = run_with_fault(closefds, shim, probe, &bare, blocked, "malloc", ENOMEM, 1);
		bool ok = inj == 0 && run.status == 0 && run.probe_ran;
		printf("%s %d - no options%s: no allocation\n", ok ? "ok" : "not ok", ++test,
		       blocked ? ", close_range and select blocked" : "");
		if (!ok) {
			failed++;
			printf("# fault %s, status %d, probe %s, stderr: %s\n",
			       inj == 1 ? "reached" : inj == 0 ? "not reached" : "could not run", run.status,
			       run.probe_ran ? "ran" : "did not run", run.err);
		}
	}
	/* A function the shim never failed was not tested: on i386, say,
	 * closefds calls getrlimit64 and fstat64 where x86_64 calls getrlimit
	 * and fstat, and a shim without those names would pass by missing them. */
	for (size_t f = 0; f < nf; f++) {
		if (!reached[f] && faults[f].unreached) {
			printf("ok %d - %s: failed 0 times across the scenarios # SKIP %s\n", ++test,
			       faults[f].func, faults[f].unreached);
			continue;
		}
		if (!reached[f] && faults[f].blocked_only && emulator) {
			printf("ok %d - %s: failed 0 times across the scenarios # SKIP reached only with close_range and select blocked, a seccomp filter %s refuses\n",
			       ++test, faults[f].func, emulator);
			continue;
		}
		printf("%s %d - %s: failed %ld times across the scenarios\n",
		       reached[f] ? "ok" : "not ok", ++test, faults[f].func, reached[f]);
		if (!reached[f]) {
			failed++;
			printf("# the shim never reached %s: closefds calls it under another name?\n",
			       faults[f].func);
		}
	}
	printf("# %ld runs, %ld faults injected: %ld refused with a message, %ld fell back to the exact table\n",
	       runs, injected, refused, fell_back);
	tl_cleanup();
	return failed ? 1 : 0;
}
