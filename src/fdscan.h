/* fdscan.h: finding open descriptors without /proc/self/fd: a poll()-based
 * scan of a range, and whether one descriptor is open. */
#ifndef CLOSEFDS_FDSCAN_H
#define CLOSEFDS_FDSCAN_H

#include <stdbool.h>

/* The largest poll() batch: RLIMIT_NOFILE soft (poll fails with EINVAL past
 * it), at most FD_SCAN_BATCH. */
#define FD_SCAN_BATCH 1024
int fd_scan_batch_size(void);

/* Call fn(fd, ctx) for every open descriptor in [lo, hi], in increasing
 * order.  Returns 0, a negative value fn returned, or -errno if poll()
 * fails. */
typedef int (*fd_scan_fn)(int fd, void *ctx);
int fd_scan_open(int lo, int hi, fd_scan_fn fn, void *ctx);

/* The same, for the steps that must work wherever closing worked (--list,
 * --audit, --verbose's count, clearing FD_CLOEXEC on kept ranges): where
 * poll() fails (a filter blocks it), fcntl(F_GETFD) on every slot.  Returns
 * 0, a negative value fn returned, or -errno if fcntl cannot tell. */
int fd_find_open(int lo, int hi, fd_scan_fn fn, void *ctx);

/* 1 if fd is open, 0 if not, -errno if that cannot be told (F_GETFD fails
 * only with EBADF on Linux, but a guess either way could leak or drop a
 * descriptor, so callers treat it as an error). */
int fd_open_state(int fd);

/* True if fd is on procfs: a /proc that is a tmpfs or a bind of something
 * else could forge FDSize or the list of descriptors. */
bool fd_is_procfs(int fd);

#endif
