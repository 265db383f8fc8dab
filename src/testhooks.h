/* testhooks.h: hooks that only the test build closefds-testhooks defines
 * (testhooks.c, never installed).  Everywhere else the symbols are absent:
 * the weak references resolve to NULL and production code calls nothing. */
#ifndef CLOSEFDS_TESTHOOKS_H
#define CLOSEFDS_TESTHOOKS_H

/* Before the closing step: the descriptor that testhook_leak() will put
 * back (CLOSEFDS_TEST_LEAK_FD, if it is open), or -1. */
int testhook_leak_prepare(void) __attribute__((weak));

/* After the closing step: put an inheritable descriptor back at fd, as a
 * closing method that skipped it would have left it, so the tests can prove
 * that --verify catches a method that leaks. */
void testhook_leak(int fd) __attribute__((weak));

/* First thing in main(): closefds-sysfault (tests/faults/sysfault_hook.c)
 * installs the seccomp filter that CLOSEFDS_TEST_SECCOMP asks for. */
void testhook_start(void) __attribute__((weak));

#endif
