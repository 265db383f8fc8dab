/* closefds.h: libclosefds, the engine of closefds(1) for programs that fork
 * and exec.  Close every descriptor but a keep list, in every environment
 * closefds survives (close_range blocked or trapped, no /proc, a huge
 * RLIMIT_NOFILE), at a cost bounded by the descriptor table, not the limit.
 *
 * Every function here is async-signal-safe: it may be called in the child of
 * fork() in a multithreaded program and in a vfork() or CLONE_VM child.  No
 * malloc, no locks, no stdio, no global state written but errno (set on
 * failure, left as it was on success), at most 16 KiB of stack; a seccomp
 * filter that traps a call (SIGSYS) makes that call fail, and the caller's
 * SIGSYS disposition and signal mask are restored before return.  None of
 * them ever aborts.  Thread-safe, but the SIGSYS handler is the process's:
 * where a filter may trap, do not call them from several threads at once.
 * See closefds_close_except(3) and its neighbours. */
#ifndef CLOSEFDS_H
#define CLOSEFDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLOSEFDS_VERSION_MAJOR 0
#define CLOSEFDS_VERSION_MINOR 2
#define CLOSEFDS_VERSION_PATCH 0
/* "0.2.0" */
#define CLOSEFDS_VERSION_STRING "0.2.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH: compare with >= */
#define CLOSEFDS_VERSION_NUMBER \
	(CLOSEFDS_VERSION_MAJOR * 10000 + CLOSEFDS_VERSION_MINOR * 100 + CLOSEFDS_VERSION_PATCH)

/* Flags of closefds_close_except(). */
/* Mark the descriptors close-on-exec instead of closing them, where that is
 * cheaper (CLOSE_RANGE_CLOEXEC): for a caller that execs next.  They may
 * still be open on return; an exec closes them. */
#define CLOSEFDS_CLOEXEC 0x1u

/* Close every open descriptor >= lowfd whose number is not in keep[0..n_keep)
 * (any order, duplicates and numbers below lowfd or negative allowed; keep
 * may be NULL when n_keep is 0).  The kept ones are left as they are,
 * FD_CLOEXEC included.  Returns 0, or -1 with errno set (EINVAL: a flag
 * unknown, lowfd negative, keep NULL with n_keep > 0; nothing done): then
 * some descriptors may already be closed (or marked close-on-exec) and
 * others not, and the caller must not exec as if the table were clean. */
int closefds_close_except(int lowfd, const int *keep, size_t n_keep, unsigned int flags);

/* The size of this process's descriptor table: every open descriptor is
 * below it.  From the kernel (a select probe), else /proc/self/status when
 * it is this process's own, else max(soft, hard) RLIMIT_NOFILE.  Returns it
 * (> 0), or -1 with errno. */
int closefds_table_size(void);

/* Call fn(fd, arg) for each open descriptor >= lowfd, in increasing order,
 * every kind (O_PATH too: poll cannot see those, this can).  A non-zero
 * return from fn stops the walk and is returned.  Returns 0 when every
 * descriptor was visited, fn's value, or -1 with errno.  fn runs with
 * libclosefds' SIGSYS handler in place; whether descriptors above fd that
 * fn opens or closes are visited is unspecified. */
typedef int (*closefds_fd_fn)(int fd, void *arg);
int closefds_for_each_open(int lowfd, closefds_fd_fn fn, void *arg);

/* The independent check (closefds --verify): an open descriptor >= lowfd
 * that is not close-on-exec and not in keep is a leak.  Found by a second
 * method, not the one that closed (/proc/self/fd, else fcntl on every slot
 * of the table).  Returns how many leaks there are (0: none), or -1 with
 * errno; the lowest is stored in *first_leak when not NULL (-1: none). */
int closefds_check(int lowfd, const int *keep, size_t n_keep, int *first_leak);

/* The version of the library in use (may differ from the header's). */
const char *closefds_version(void);

#ifdef __cplusplus
}
#endif

#endif
