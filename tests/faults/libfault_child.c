/* libfault_child.c: libfault-child, the test-only static non-PIE program
 * that tests/faults/libfault.c runs (never installed): one call of
 * libclosefds under the seccomp filter of CLOSEFDS_TEST_SECCOMP, which
 * testhook_start (sysfault_hook.c) installs and which acts only on calls
 * from this program's own text (libclosefds and libc included: static), so
 * that the probe exec'd after the call reports the real table.
 *
 *   libfault-child FUNCTION PROBE REPORT OPEN KEEP
 *
 * FUNCTION: close (closefds_close_except(3, KEEP, n, 0)), cloexec (the same
 * with CLOSEFDS_CLOEXEC), each (closefds_for_each_open(3, ...)), check
 * (closefds_check(3, KEEP, ...)), size (closefds_table_size()).  OPEN and
 * KEEP: the descriptors the runner placed and the keep list, as decimal
 * numbers joined by commas ("-" for none).
 *
 * After the call, with nothing but memory work and the calls the runner's
 * rule conditions leave alone (a query of SIGSYS's disposition and of the
 * mask, with no new setting: argument 1 is NULL), the verdict goes to the
 * probe in CLOSEFDS_TEST_VAR, which its report records:
 *   "ok"                 the call returned success, and its answer is right
 *                        (each: exactly OPEN from 3 up, in increasing order;
 *                        check: the leaks are OPEN less KEEP, the first the
 *                        lowest; size: above every descriptor of OPEN)
 *   "failed E"           it returned -1 with errno E (a number, never 0)
 *   "wrong WHAT"         anything else: a wrong answer, errno changed by a
 *                        success, the caller's SIGSYS settings not restored
 * The runner checks the table the probe reports against OPEN and KEEP.
 * Exit 94 if the probe cannot be exec'd, 95 on bad arguments. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "closefds.h"
#include "testhooks.h"

#define MAX_FDS 256

extern char **environ;

/* Decimal numbers joined by commas, or "-". */
static int parse_list(const char *s, int *v, int max)
{
	int n = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	while (*s) {
		long x = 0;
		if (*s < '0' || *s > '9' || n == max)
			return -1;
		while (*s >= '0' && *s <= '9' && x < INT_MAX / 10)
			x = x * 10 + (*s++ - '0');
		v[n++] = (int)x;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

struct seen {
	int fd[MAX_FDS];
	int n;
	bool overflow, unordered;
};

static int collect(int fd, void *arg)
{
	struct seen *s = arg;

	if (s->n > 0 && fd <= s->fd[s->n - 1])
		s->unordered = true;
	if (s->n == MAX_FDS)
		s->overflow = true;
	else
		s->fd[s->n++] = fd;
	return 0;
}

static bool in(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static void on_usr2(int sig)
{
	(void)sig;
}

static char verdict[160];
#define SAY(...) snprintf(verdict, sizeof(verdict), __VA_ARGS__)

int main(int argc, char *argv[])
{
	int open_fds[MAX_FDS], keep[MAX_FDS], n_open, n_keep;

	if (argc != 6 || (n_open = parse_list(argv[4], open_fds, MAX_FDS)) < 0 ||
	    (n_keep = parse_list(argv[5], keep, MAX_FDS)) < 0) {
		fprintf(stderr, "usage: libfault-child close|cloexec|each|check|size PROBE REPORT OPEN KEEP\n");
		return 95;
	}
	const char *fn = argv[1];
	struct seen seen = { .n = 0 };
	int r, err, first = -2, magic = 12345;

	/* musl unblocks its internal signals with rt_sigprocmask inside the
	 * first sigaction() of a process that installs a handler, before the
	 * rt_sigaction: a trap of that call kills before the library's handler
	 * exists (closefds_close_except(3)).  Done here, before the filter, so
	 * that the rows reach the library's own calls. */
	struct sigaction usr2 = { .sa_handler = on_usr2 }, dfl = { .sa_handler = SIG_DFL };
	if (sigaction(SIGUSR2, &usr2, NULL) < 0 || sigaction(SIGUSR2, &dfl, NULL) < 0)
		return 95;
	testhook_start(); /* the filter, from here on */
	errno = magic;
	if (strcmp(fn, "close") == 0 || strcmp(fn, "cloexec") == 0)
		r = closefds_close_except(3, keep, (size_t)n_keep,
					  strcmp(fn, "cloexec") == 0 ? CLOSEFDS_CLOEXEC : 0);
	else if (strcmp(fn, "each") == 0)
		r = closefds_for_each_open(3, collect, &seen);
	else if (strcmp(fn, "check") == 0)
		r = closefds_check(3, keep, (size_t)n_keep, &first);
	else
		r = closefds_table_size();
	err = errno;

	if (r == -1) {
		if (err > 0)
			SAY("failed %d", err);
		else
			SAY("wrong -1 with errno %d", err);
	} else if (err != magic) {
		SAY("wrong errno changed by a success (%d, returned %d)", err, r);
	} else if (strcmp(fn, "each") == 0) {
		int k = 0;
		for (int i = 0; i < n_open; i++)
			if (open_fds[i] >= 3)
				k++;
		if (r != 0 || seen.overflow || seen.unordered || seen.n != k)
			SAY("wrong each: returned %d, visited %d", r, seen.n);
		else
			SAY("ok");
		for (int i = 0; i < seen.n && strcmp(verdict, "ok") == 0; i++)
			if (!in(open_fds, n_open, seen.fd[i]))
				SAY("wrong each: visited %d, not open", seen.fd[i]);
	} else if (strcmp(fn, "check") == 0) {
		int leaks = 0, low = -1;
		for (int i = 0; i < n_open; i++) {
			if (open_fds[i] < 3 || in(keep, n_keep, open_fds[i]))
				continue;
			leaks++;
			if (low < 0 || open_fds[i] < low)
				low = open_fds[i];
		}
		if (r != leaks || first != low)
			SAY("wrong check: %d leaks, first %d", r, first);
		else
			SAY("ok");
	} else if (strcmp(fn, "size") == 0) {
		int top = 2;
		for (int i = 0; i < n_open; i++)
			if (open_fds[i] > top)
				top = open_fds[i];
		if (r <= top)
			SAY("wrong size %d, descriptor %d open", r, top);
		else
			SAY("ok");
	} else {
		if (r == 0)
			SAY("ok");
		else
			SAY("wrong close returned %d", r);
	}

	/* On success the caller's SIGSYS settings are back: the default
	 * disposition, unblocked (the runner's).  Queries only: argument 1
	 * NULL, which the runner's rules for these two calls never match. */
	struct sigaction act;
	sigset_t mask;
	if (r != -1 && strncmp(verdict, "ok", 2) == 0) {
		if (sigaction(SIGSYS, NULL, &act) == 0 && act.sa_handler != SIG_DFL)
			SAY("wrong SIGSYS disposition left changed");
		if (sigprocmask(SIG_BLOCK, NULL, &mask) == 0 && sigismember(&mask, SIGSYS) == 1)
			SAY("wrong SIGSYS left blocked");
	}

	/* The probe's environment: this one, CLOSEFDS_TEST_VAR replaced. */
	static char *envp[512];
	static char var[200];
	size_t n = 0;
	snprintf(var, sizeof(var), "CLOSEFDS_TEST_VAR=%s", verdict);
	for (char **e = environ; *e && n < 510; e++)
		if (strncmp(*e, "CLOSEFDS_TEST_VAR=", 18) != 0)
			envp[n++] = *e;
	envp[n++] = var;
	envp[n] = NULL;
	char *pargv[] = { argv[2], argv[3], NULL };
	execve(argv[2], pargv, envp);
	return 94;
}
