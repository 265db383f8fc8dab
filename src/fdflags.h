/* fdflags.h: the per-descriptor questions and flags, one primitive each:
 * is a slot open (a call that sees every kind of file), FD_CLOEXEC, and
 * O_NONBLOCK.  Every other file asks through these. */
#ifndef CLOSEFDS_FDFLAGS_H
#define CLOSEFDS_FDFLAGS_H

#include <stdbool.h>

/* 1 if fd is open, 0 if not, -errno if that cannot be told.  fcntl(F_GETFD)
 * sees every open file, O_PATH ones included (poll and select do not).  A
 * guess either way could leak or drop a descriptor, so callers treat an
 * error as an error. */
int fd_open_state(int fd);

/* close(2) as the kernel answers it: 0 or -errno.  Through syscall(), not
 * close(): musl's close() turns EINTR into success, and a filter that
 * answers EINTR (or anything) without closing must be seen (the callers
 * then ask fd_open_state whether the slot was released). */
int fd_close(int fd);

/* Set or clear FD_CLOEXEC, leaving the flag alone when it is already
 * right.  0, or -errno (-EBADF: not open). */
int fd_set_cloexec(int fd, bool on);

/* Set or clear O_NONBLOCK and nothing else (F_SETFL with 0 would clear
 * O_APPEND too).  *was, if not NULL, receives whether it was set.  0 or
 * -errno. */
int fd_set_nonblock(int fd, bool on, bool *was);

/* dup2(from, to) by the system call (musl's dup2() retries EBUSY without
 * end), repeated while it answers EINTR or EBUSY (Linux: another
 * thread is opening to; none here, but a filter can answer either), at
 * most RETRY_MAX times.  0 or -errno. */
int fd_dup2(int from, int to);

/* Close a descriptor closefds opened for itself (close-on-exec, always).
 * Where close() fails and it stays open (a seccomp filter), it is
 * remembered (once fd_own_remember() was called: closefds(1) only), so
 * that a kept range around it never makes it inheritable: execve then
 * closes it.  Without fd_own_remember() it writes no global:
 * async-signal-safe. */
void fd_close_own(int fd);
void fd_own_remember(void);

/* fd is one of closefds' own that fd_close_own() could not close. */
bool fd_is_own_leftover(int fd);

#endif
