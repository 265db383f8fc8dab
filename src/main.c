/* main.c: closefds [OPTION]... [--] COMMAND [ARG]...
 *
 * The story of the program: catch trapped system calls, make the standard
 * streams safe, parse, drop privileges, plan, sanitize, exec.  Every step
 * that can fail ends with one line on stderr and exit 125 before COMMAND
 * runs: nothing is half-done. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "activation.h"
#include "closeothers.h"
#include "errbuf.h"
#include "execcmd.h"
#include "fdcheck.h"
#include "fdflags.h"
#include "fdlist.h"
#include "moves.h"
#include "options.h"
#include "plan.h"
#include "prepare.h"
#include "privs.h"
#include "signals.h"
#include "testhooks.h"
#include "usage.h"
#include "verify.h"

#define EXIT_CLOSEFDS_FAILED 125

/* One line, "closefds: MESSAGE", whatever the message holds (an argument
 * with a newline is escaped, errbuf_put), and the hint for usage errors. */
__attribute__((format(printf, 2, 3)))
static int fail(bool usage_hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	/* clang 14's valist checker loses the va_start above in this file (not
	 * reproduced in a minimal one): a false positive. */
	vsnprintf(msg, sizeof(msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	fputs("closefds: ", stderr);
	errbuf_put(stderr, msg);
	fputc('\n', stderr);
	if (usage_hint)
		fputs("Try 'closefds --help' for more information.\n", stderr);
	return EXIT_CLOSEFDS_FAILED;
}

/* The variables closefds reads: for --listen-fds, --listen-fd and
 * --keep-jobserver, and to keep LISTEN_* and the jobserver variables true
 * for COMMAND.  Plain getenv, not secure_getenv, which hides them all when
 * closefds runs with raised privileges (AT_SECURE: setuid, setgid, file
 * capabilities): there they are read only to be removed (env->secure; the
 * plan trusts none of them), since COMMAND, back at the caller's
 * privileges, reads them all. */
static void read_environment(struct plan_env *env)
{
	env->secure = getauxval(AT_SECURE) != 0;
	env->listen_pid = getenv("LISTEN_PID");
	env->listen_fds = getenv("LISTEN_FDS");
	env->listen_fdnames = getenv("LISTEN_FDNAMES");
	env->listen_pidfdid = getenv("LISTEN_PIDFDID");
	for (size_t i = 0; i < 3; i++)
		env->jobserver_env[i] = getenv(jobserver_vars[i]);
	env->pid = getpid();
	env->fd_open = fd_open_state;
}

static const char *descriptors(unsigned long n)
{
	return n == 1 ? "descriptor" : "descriptors";
}

/* The numbers are not kept (the count is all the methods return): say where
 * to see them. */
static const char *which_hint(unsigned long n)
{
	return n > 0 ? "; --list shows which" : "";
}

static void report_methods(const struct close_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct method_attempt *a = &rep->tries[i];
		/* close_range cannot count: the count made before it ran. */
		bool known = a->counted || rep->have_open_before;
		unsigned long closed = a->counted ? a->closed : rep->open_before;
		if (a->declined)
			fprintf(stderr, "closefds: method %s skipped: a close() on every slot is cheaper for this table\n",
				a->name);
		else if (a->err < 0 && a->failed_fd >= 0)
			fprintf(stderr, "closefds: method %s failed: cannot close descriptor %d: %s%s\n",
				a->name, a->failed_fd, strerror(-a->err),
				a->trapped ? " (a seccomp filter trapped it: SIGSYS)" : "");
		else if (a->err < 0)
			fprintf(stderr, "closefds: method %s failed: %s%s\n", a->name,
				strerror(-a->err),
				a->trapped ? " (a seccomp filter trapped it: SIGSYS)" : "");
		else if (!known)
			fprintf(stderr, "closefds: method %s closed every descriptor not kept in %lld us\n",
				a->name, a->usec);
		else if (a->deferred)
			fprintf(stderr,
				"closefds: method %s closed %lu %s in %lld us (marked close-on-exec: execve closes them)%s\n",
				a->name, closed, descriptors(closed), a->usec, which_hint(closed));
		else if (!a->bounded)
			fprintf(stderr, "closefds: method %s closed %lu %s in %lld us%s\n", a->name, closed,
				descriptors(closed), a->usec, which_hint(closed));
		else
			fprintf(stderr,
				"closefds: method %s closed %lu %s in %lld us (scanned below %d, from %s)%s\n",
				a->name, closed, descriptors(closed), a->usec, rep->bound.limit,
				fd_bound_source_name(rep->bound.source), which_hint(closed));
	}
}

static int apply_moves(const struct plan *plan)
{
	size_t failed;
	int r = pass_apply(plan->ops, plan->n_ops, plan->n_temps, plan->max_target, &failed);

	if (r == 0)
		return 0;
	if (failed >= plan->n_ops)
		return fail(false, "cannot apply the moves: %s", strerror(-r));
	const struct pass_op *op = &plan->ops[failed];
	if (op->to < 0)
		return fail(false, "cannot duplicate descriptor %d for a move: %s", op->from,
			    strerror(-r));
	return fail(false, "cannot move a descriptor to %d: %s", op->to, strerror(-r));
}

/* Why closing failed, from the last method tried. */
static int closing_failed(const struct options *o, const struct close_report *rep, int r)
{
	const struct method_attempt *last = rep->n > 0 ? &rep->tries[rep->n - 1] : NULL;
	const char *trap = last && last->trapped ? " (a seccomp filter trapped it: SIGSYS)" : "";

	if (rep->inherit_err < 0)
		return fail(false, "cannot make descriptor %d inheritable: %s", rep->inherit_fd,
			    strerror(-r));
	if (last && last->failed_fd >= 0)
		return fail(false, "cannot close descriptor %d (method %s): %s%s", last->failed_fd,
			    last->name, strerror(-r), trap);
	if (rep->bound_err < 0 && r == rep->bound_err)
		return fail(false, "cannot find the size of the descriptor table: %s", strerror(-r));
	if (o->method == METHOD_AUTO)
		return fail(false, "no closing method works here (the last failed with: %s)",
			    strerror(-r));
	return fail(false, "method '%s' cannot run here: %s%s", method_name(o->method),
		    strerror(-r), trap);
}

/* Close everything not kept (or, with --audit, report it), and make the kept
 * descriptors inheritable.  0 or the exit status of a failure. */
static int close_or_audit(const struct options *o, const struct plan *plan)
{
	struct close_report rep;
	int r, bad_fd = -1;

	if (o->audit) {
		if ((r = fdlist_audit(stderr, plan)) < 0)
			return fail(false, "--audit: %s", strerror(-r));
		if ((r = keep_inheritable(&plan->keep, &bad_fd)) < 0)
			return fail(false, "--audit: cannot make descriptor %d inheritable: %s", bad_fd,
				    strerror(-r));
		return 0;
	}
	/* closefds-testhooks only: a descriptor to put back after closing. */
	int leak_fd = testhook_leak_prepare ? testhook_leak_prepare() : -1;
	r = close_others(&plan->keep, o->method, o->verbose, &rep);
	if (testhook_leak && leak_fd >= 0)
		testhook_leak(leak_fd);
	if (o->verbose)
		report_methods(&rep);
	return r < 0 ? closing_failed(o, &rep, r) : 0;
}

/* Moves, closing, --verify, and the environment that matches the result.
 * 0 or the exit status of a failure. */
static int sanitize_table(const struct options *o, const struct plan *plan)
{
	int r;

	if ((r = apply_moves(plan)) != 0 || (r = close_or_audit(o, plan)) != 0)
		return r;
	if (o->verify && (r = verify_table(plan, stderr)) != 0)
		return r < 0 ? fail(false, "--verify cannot run: %s", strerror(-r))
			     : fail(false, "--verify found %d problem(s); not running '%s'", r,
				    o->command[0]);
	/* --audit closed nothing: the variables are still true. */
	if (!o->audit && (r = env_change_apply(&plan->env)) < 0)
		return fail(false, "cannot update the environment: %s", strerror(-r));
	return 0;
}

/* --help or --version on stdout; a failed write (a full device) is an
 * error with its reason. */
static int print_info(const struct options *o)
{
	(o->help ? usage_print : version_print)(stdout);
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_SUCCESS;
	return fail(false, "cannot write %s: %s", o->help ? "--help" : "--version",
		    strerror(errno ? errno : EIO));
}

/* The last step: the caller's signal settings back, then execvp.  Returns
 * only when COMMAND could not be run: 126 or 127, with its reason. */
static int exec_step(const struct options *o, struct prepare *prep)
{
	unsigned long traps = signals_trapped();
	int r = signals_restore();

	if (r == SIGNALS_EXECVE_TRAPPED) {
		prepare_undo(prep);
		return fail(false, "'%s': execve is trapped by a seccomp filter (SIGSYS)",
			    o->command[0]) + 1;
	}
	if (r < 0) {
		prepare_undo(prep);
		return fail(false, "cannot restore the signal settings: %s", strerror(-r));
	}
	r = exec_command(o->command);
	int exec_errno = errno;
	signals_exec_failed();
	prepare_undo(prep);
	fail(false, "'%s': %s%s", o->command[0], strerror(exec_errno),
	     signals_trapped() != traps ? " (a seccomp filter trapped execve: SIGSYS)" : "");
	return r;
}

static int run(int argc, char *argv[], struct options *o, struct plan *plan, struct prepare *prep)
{
	struct plan_env env;
	char err[ERRBUF_SIZE];
	const char *bad_option;
	int bad_fd, r;

	fd_own_remember();
	/* First, so that a call a seccomp filter traps fails instead of
	 * killing closefds, from here to the execve. */
	if ((r = signals_prepare()) < 0)
		return fail(false, "cannot set up SIGPIPE and SIGSYS handling: %s", strerror(-r));
	/* Before anything else is opened: a closed stdout must never become
	 * some other file. */
	if ((r = stdio_repair()) < 0)
		return fail(false, "cannot check or reopen the standard streams on /dev/null: %s",
			    strerror(-r));
	/* A setuid program started with argc == 0 would take its environment
	 * for arguments (CVE-2021-4034). */
	if (argc < 1 || !argv[0])
		return fail(false, "refusing to run with an empty argument list (argc == 0)");

	if ((r = options_parse(o, argc, argv, err, sizeof(err))) < 0)
		return fail(r != -ENOMEM, "%s", err);
	if (o->help || o->version)
		return print_info(o);
	if ((r = privs_drop()) < 0)
		return fail(false, "cannot drop setuid/setgid privileges: %s", strerror(-r));

	read_environment(&env);
	if (env.pid <= 0)
		return fail(false, "cannot read the process id: %s", strerror(errno));
	if ((r = plan_build(plan, o, &env, err, sizeof(err))) < 0)
		return fail(r != -ENOMEM, "%s", err);
	if ((r = plan_check_open(plan, &bad_fd, &bad_option)) == -EBADF)
		return fail(false, "descriptor %d (%s) is not open", bad_fd, bad_option);
	if (r < 0)
		return fail(false, "cannot tell whether descriptor %d (%s) is open: %s", bad_fd,
			    bad_option, strerror(-r));
	if (prepare_check(o, plan, false, prep, err, sizeof(err)) < 0)
		return fail(false, "%s", err);
	if (o->list) {
		if ((r = fdlist_print(stdout, plan)) < 0 || (r = prepare_list(stdout, o, plan, prep)) < 0)
			return fail(false, "--list: %s", strerror(-r));
		return EXIT_SUCCESS;
	}

	if ((r = sanitize_table(o, plan)) != 0)
		return r;
	if (prepare_apply(o, plan, prep, err, sizeof(err)) < 0) {
		prepare_undo(prep);
		return fail(false, "%s", err);
	}
	return exec_step(o, prep);
}

int main(int argc, char *argv[])
{
	struct options opts;
	struct plan plan;
	struct prepare prep;

	if (testhook_start)
		testhook_start();
	options_init(&opts);
	plan_init(&plan);
	prepare_init(&prep);
	int status = run(argc, argv, &opts, &plan, &prep);
	prepare_free(&prep);
	plan_free(&plan);
	options_free(&opts);
	return status;
}
