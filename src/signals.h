/* signals.h: the two signals closefds must not die of before it execs
 * COMMAND, and giving the caller's settings back unchanged. */
#ifndef CLOSEFDS_SIGNALS_H
#define CLOSEFDS_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Ignore SIGPIPE (a message to a pipe nobody reads must fail with EPIPE,
 * not kill closefds before it can exit 125), and turn a system call that a
 * seccomp filter traps (SIGSYS) into a call failing with ENOSYS, so an
 * optional closing method that is trapped simply fails and the next one
 * runs.  Saves the caller's dispositions and signal mask.  0 or -errno. */
int signals_prepare(void);

/* Just before the exec: COMMAND gets the caller's dispositions and mask.
 * Where the caller's SIGSYS was the default and unblocked, the handler
 * stays through execve (which resets it to the default), so a trapped
 * execve fails with ENOSYS; where it was ignored or blocked (which execve
 * keeps), execve is tried first with an empty path, and a trap there is
 * SIGNALS_EXECVE_TRAPPED, with nothing restored.  0, that, or -errno. */
#define SIGNALS_EXECVE_TRAPPED 1
int signals_restore(void);

/* After a failed exec: ignore SIGPIPE again for the message. */
void signals_exec_failed(void);

/* How many calls a seccomp filter has trapped so far (closefds(1) only:
 * the handler of signals_prepare counts, a guard's does not). */
unsigned long signals_trapped(void);

/* libclosefds: the same SIGSYS handling for the length of one call, with
 * nothing written but the guard (the caller's stack) and the kernel's
 * signal state, so it is async-signal-safe and works in a vfork() child.
 * sigsys_guard_enter swaps in a handler that turns a trapped system call
 * into one failing with ENOSYS, and unblocks SIGSYS in the calling thread;
 * sigsys_guard_leave puts the caller's disposition and SIGSYS's place in
 * the mask back.  A SIGSYS sent by kill() meanwhile is held (blocked and
 * pending) until the leave, then has the effect the caller's settings give
 * it.  Where another call's guard is in place already (another thread),
 * the disposition is left to that one.  0 or -errno. */
/* A signal set as the kernel's rt_sigprocmask takes it. */
#define KSIGSET_WORDS ((_NSIG - 1) / (8 * sizeof(unsigned long)))
struct ksigset {
	unsigned long w[KSIGSET_WORDS];
};
_Static_assert(KSIGSET_WORDS >= 1 && (_NSIG - 1) % (8 * sizeof(unsigned long)) == 0,
	       "the kernel's signal set is whole unsigned longs");
struct sigsys_guard {
	struct ksigset caller_mask; /* the caller's mask as the kernel gave it */
	struct sigaction caller; /* valid when installed */
	bool installed;          /* this guard swapped the handler in */
};
int sigsys_guard_enter(struct sigsys_guard *g);
int sigsys_guard_leave(struct sigsys_guard *g);

#endif
