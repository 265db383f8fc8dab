/* signals.h: the two signals closefds must not die of before it execs
 * COMMAND, and giving the caller's settings back unchanged. */
#ifndef CLOSEFDS_SIGNALS_H
#define CLOSEFDS_SIGNALS_H

#include <stdbool.h>

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

/* How many calls a seccomp filter has trapped so far. */
unsigned long signals_trapped(void);

#endif
