/* signals.c: SIGPIPE and SIGSYS while closefds runs.
 *
 * A seccomp filter may answer a call with SECCOMP_RET_TRAP instead of an
 * error: the call is not made and the kernel sends SIGSYS with si_code
 * SYS_SECCOMP and si_syscall naming it, whose default action kills the
 * process (Android's app filter does this to close_range: exit 159,
 * nothing printed).  When the handler returns, the thread resumes after the
 * system call instruction with the registers of the signal frame, so
 * writing -ENOSYS into this ABI's return register makes the trapped call
 * fail like an unknown one, and the methods fall back as they do for
 * ENOSYS.  The kernel resets a blocked SIGSYS to the default action before
 * delivering a trap (force_sig_info), so SIGSYS is unblocked while closefds
 * runs; the caller's mask and dispositions are restored before the exec.
 * A SIGSYS sent by someone else (kill) meanwhile has the effect it would
 * have had without the handler: it stays pending for COMMAND if the caller
 * blocked it, is dropped if the caller ignored it, kills otherwise; and the
 * handler restarts the calls it interrupts (SA_RESTART), as an ignored
 * signal would not have interrupted them. */
#include "config.h"
#include "signals.h"
#include "hotpath.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* The register a system call returns its value in, in a signal frame. */
#if defined(__x86_64__) /* x32 too: greg_t is 64 bits there */
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#elif defined(__i386__)
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.gregs[REG_EAX])
#elif defined(__aarch64__)
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.regs[0])
#elif defined(__s390x__)
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.gregs[2])
#elif defined(__arm__)
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.arm_r0)
#elif defined(__riscv)
#define RETURN_REGISTER(uc) ((uc)->uc_mcontext.__gregs[10]) /* a0 */
#elif defined(__powerpc64__)
/* r3, but two conventions: after `sc` an error is a positive errno with
 * the summary-overflow bit of CR0 set; after `scv 0` (Linux 5.9 on POWER9
 * and later, which glibc uses where the kernel offers it) it is -errno, as
 * elsewhere.  The instruction before the resumed address tells which one
 * was trapped (the kernel tells them apart by the trap number,
 * trap_is_scv(), and sets the return value the same two ways in
 * syscall_set_return_value()).  gp_regs indexes: PT_R3 3, PT_NIP 32,
 * PT_CCR 38 (asm/ptrace.h). */
static void set_enosys(ucontext_t *uc)
{
	unsigned long *regs = uc->uc_mcontext.gp_regs;
	unsigned int insn = *(const unsigned int *)(regs[32] - 4);

	if ((insn & 0xfc000003u) == 0x44000001u) { /* scv */
		regs[3] = (unsigned long)-ENOSYS;
	} else { /* sc */
		regs[3] = ENOSYS;
		regs[38] |= 0x10000000ul; /* CR0[SO] */
	}
}
#define HAVE_SET_ENOSYS 1
#endif
#if defined(RETURN_REGISTER)
static void set_enosys(ucontext_t *uc)
{
	RETURN_REGISTER(uc) = -ENOSYS;
}
#define HAVE_SET_ENOSYS 1
#endif

static struct sigaction caller_sigpipe, caller_sigsys;
static sigset_t caller_mask;
static bool sigsys_changed;
static volatile sig_atomic_t trapped, sent_while_blocked;

#ifdef HAVE_SET_ENOSYS
/* A trap (si_code SYS_SECCOMP): the trapped call now fails with ENOSYS.
 * Both handlers start here. */
static bool untrap(const siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	if (si->si_code != SYS_SECCOMP)
		return false;
	set_enosys(uc);
	return true;
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	if (untrap(si, ucv)) {
		trapped = trapped + 1;
		return;
	}
	/* Sent by someone (kill -SYS): what it would have done. */
	if (sigismember(&caller_mask, SIGSYS)) {
		sent_while_blocked = 1; /* raised again by signals_restore() */
	} else if (caller_sigsys.sa_handler != SIG_IGN) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

/* A guard's handler writes nothing but the signal frame: a SIGSYS sent by
 * someone is sent again, to this thread, while SIGSYS is blocked (as it is
 * in a handler), and stays blocked after the handler returns (the frame's
 * mask is the one sigreturn installs), so it waits, pending, for
 * sigsys_guard_leave to put the caller's settings back. */
static void on_sigsys_guarded(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved = errno;

	if (untrap(si, ucv))
		return;
	sigaddset(&uc->uc_sigmask, sig);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	errno = saved;
}

static HOT_PATH void sigsys_action(struct sigaction *act, void (*fn)(int, siginfo_t *, void *))
{
	*act = (struct sigaction){ .sa_sigaction = fn, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&act->sa_mask);
}

/* Unblock SIGSYS in this thread; *old receives the mask before.  The
 * kernel stores the old set before a pending SIGSYS is delivered on the
 * call's return. */
static int unblock_sigsys(sigset_t *old)
{
	sigset_t sys;

	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	return sigprocmask(SIG_UNBLOCK, &sys, old) < 0 ? -errno : 0;
}
#endif

int signals_prepare(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	if (sigaction(SIGPIPE, &ignore, &caller_sigpipe) < 0)
		return -errno;
#ifdef HAVE_SET_ENOSYS
	struct sigaction handler;

	sigsys_action(&handler, on_sigsys);
	/* The caller's disposition is read before the handler can run (the
	 * old action of the installing call is stored only after the call
	 * returns, when a pending SIGSYS may already have been handled).  The
	 * handler is in place before any other call, so that a trap of the
	 * next one is caught: the mask is read and SIGSYS unblocked in one
	 * call, whose old set the kernel stores before a pending SIGSYS is
	 * delivered on its return.  (Where the caller blocked SIGSYS, a trap
	 * of that very call still kills: the kernel resets a blocked SIGSYS
	 * before delivering a trap.) */
	if (sigaction(SIGSYS, NULL, &caller_sigsys) < 0)
		return -errno;
	sigsys_changed = true;
	/* The old action is asked for though known: the restoring call in
	 * signals_restore is then the only one with none, which the seccomp
	 * matrix (tests/faults/sysfault.c) reaches alone. */
	struct sigaction installed_over;
	if (sigaction(SIGSYS, &handler, &installed_over) < 0)
		return -errno;
	return unblock_sigsys(&caller_mask);
#else
	return 0;
#endif
}

/* Whether execve, called now, would be trapped: an empty path fails with
 * ENOENT, unless a filter traps the call (the handler turns that into
 * ENOSYS and counts it).  A filter that looks at the path pointer itself
 * would not be seen; filters match calls by number. */
static bool execve_trapped(void)
{
	unsigned long before = (unsigned long)trapped;
	char empty[] = "";
	char *const none[] = { empty, NULL }; /* argv[0] a string: valgrind checks it */

	syscall(SYS_execve, "", none, none);
	return (unsigned long)trapped != before;
}

int signals_restore(void)
{
	if (sigaction(SIGPIPE, &caller_sigpipe, NULL) < 0)
		return -errno;
	if (!sigsys_changed)
		return 0;
	/* The caller's SIGSYS is SIG_DFL or SIG_IGN (execve reset any handler
	 * of theirs before closefds ran).  SIG_DFL: the handler stays through
	 * execve, which resets a caught signal to SIG_DFL, so COMMAND gets
	 * what the caller had, and a trapped execve fails with ENOSYS instead
	 * of killing closefds (where SIGSYS is unblocked).  Blocked or
	 * ignored, which execve keeps: a trap of execve would kill (the kernel
	 * resets a blocked or ignored SIGSYS to the default before delivering
	 * a trap), so look first.  Then the last call is the one a trap of
	 * which the handler still catches: unblocked, the mask first (SIGSYS
	 * stays unblocked), then SIG_IGN; blocked, the mask last, the handler
	 * kept.  Only ignored and blocked is there no such order (CAVEATS). */
	bool blocked = sigismember(&caller_mask, SIGSYS) == 1;
	bool keep_handler = caller_sigsys.sa_handler == SIG_DFL;
	if ((blocked || !keep_handler) && execve_trapped())
		return SIGNALS_EXECVE_TRAPPED;
	if (blocked && !keep_handler && sigaction(SIGSYS, &caller_sigsys, NULL) < 0)
		return -errno;
	if (sigprocmask(SIG_SETMASK, &caller_mask, NULL) < 0)
		return -errno;
	if (!blocked && !keep_handler && sigaction(SIGSYS, &caller_sigsys, NULL) < 0)
		return -errno;
	if (sent_while_blocked)
		raise(SIGSYS); /* blocked again: pending for COMMAND */
	return 0;
}

void signals_exec_failed(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	/* The message about the failure must not die of SIGPIPE. */
	sigaction(SIGPIPE, &ignore, NULL);
}

unsigned long signals_trapped(void)
{
	return (unsigned long)trapped;
}

/* The guard changes SIGSYS's place in the mask by the system call, with
 * the kernel's set, not through sigprocmask(): the same call, without
 * libc's two pages of signal-set code in a new process's first call (see
 * hotpath.h).  The kernel's set is a bit per signal, signal n at bit n - 1
 * of an array of unsigned long, _NSIG - 1 bits in all (the size the kernel
 * checks): the layout of libc's sigset_t, shorter. */
#define KSIGSET_BITS (8 * sizeof(unsigned long))

static HOT_PATH void ksigset_only(struct ksigset *s, int sig)
{
	for (size_t i = 0; i < KSIGSET_WORDS; i++)
		s->w[i] = 0;
	s->w[(sig - 1) / KSIGSET_BITS] = 1UL << ((sig - 1) % KSIGSET_BITS);
}

static HOT_PATH bool ksigset_has(const struct ksigset *s, int sig)
{
	return (s->w[(sig - 1) / KSIGSET_BITS] >> ((sig - 1) % KSIGSET_BITS)) & 1;
}

static HOT_PATH int ksigprocmask(int how, const struct ksigset *set, struct ksigset *old)
{
	return syscall(SYS_rt_sigprocmask, how, set, old, sizeof(struct ksigset)) < 0 ? -errno : 0;
}

/* Swapped in with one call, so that of two guards entered at once in two
 * threads exactly one sees the caller's disposition and puts it back: a
 * read before the install could leave the handler in place for good. */
HOT_PATH int sigsys_guard_enter(struct sigsys_guard *g)
{
	g->installed = false;
#ifdef HAVE_SET_ENOSYS
	struct sigaction handler;
	struct ksigset sys;
	int r;

	sigsys_action(&handler, on_sigsys_guarded);
	if (sigaction(SIGSYS, &handler, &g->caller) < 0)
		return -errno;
	g->installed = !((g->caller.sa_flags & SA_SIGINFO) &&
			 g->caller.sa_sigaction == on_sigsys_guarded);
	/* The kernel stores the old set before a pending SIGSYS is
	 * delivered on the call's return. */
	ksigset_only(&sys, SIGSYS);
	if ((r = ksigprocmask(SIG_UNBLOCK, &sys, &g->caller_mask)) < 0) {
		if (g->installed)
			sigaction(SIGSYS, &g->caller, NULL);
		g->installed = false;
		return r;
	}
#else
	for (size_t i = 0; i < KSIGSET_WORDS; i++)
		g->caller_mask.w[i] = 0;
#endif
	return 0;
}

/* No system call after the caller's disposition is back, where it can be
 * helped: a filter that traps that call would then kill (the default
 * action), as it can only at the guard's first call otherwise.
 *
 * Where the caller blocked SIGSYS, it is blocked again first, so that a
 * SIGSYS sent in between waits, then the disposition is put back.  Where
 * not, SIGSYS is unblocked first, our handler still in place, and the old
 * mask read in the same call says whether the handler held a SIGSYS sent
 * by someone (it blocks SIGSYS to hold one; a held one is delivered by
 * this unblocking and held again); then the disposition is put back, and
 * only where one is held is SIGSYS unblocked once more, after, so that it
 * meets the caller's disposition (ignored: setting SIG_IGN discarded it).
 * One sent between those two calls is held and not released: SIGSYS is
 * then blocked on return, with that signal pending. */
HOT_PATH int sigsys_guard_leave(struct sigsys_guard *g)
{
#ifdef HAVE_SET_ENOSYS
	struct ksigset sys, now;
	bool blocked = ksigset_has(&g->caller_mask, SIGSYS), held = false;
	int r = 0, e;

	ksigset_only(&sys, SIGSYS);
	if (blocked) {
		if ((e = ksigprocmask(SIG_BLOCK, &sys, NULL)) < 0)
			r = e;
	} else if ((e = ksigprocmask(SIG_UNBLOCK, &sys, &now)) < 0) {
		r = e;
	} else {
		held = ksigset_has(&now, SIGSYS);
	}
	if (g->installed && sigaction(SIGSYS, &g->caller, NULL) < 0 && r == 0)
		r = -errno;
	if (held && (e = ksigprocmask(SIG_UNBLOCK, &sys, NULL)) < 0 && r == 0)
		r = e;
	g->installed = false;
	return r;
#else
	(void)g;
	return 0;
#endif
}
