/* fdscan.h: finding open descriptors without /proc/self/fd: the bound on
 * descriptor numbers, and a poll()-based scan of a range. */
#ifndef CLOSEFDS_FDSCAN_H
#define CLOSEFDS_FDSCAN_H

#include <stdbool.h>

enum fd_bound_source {
	BOUND_FDSIZE, /* FDSize: in /proc/self/status (the table size) */
	BOUND_RLIMIT, /* max(soft, hard) RLIMIT_NOFILE */
};

struct fd_bound {
	int limit; /* every open descriptor is below it (see fd_bound_get) */
	enum fd_bound_source source;
};

/* The table size from /proc/self/status, trusted only on procfs.  Returns
 * it (> 0) or -errno. */
int fd_table_size_from_proc(void);

/* FDSize when readable, else max(soft, hard) RLIMIT_NOFILE.  The second
 * misses a descriptor above a hard limit lowered after it was opened. */
void fd_bound_get(struct fd_bound *b);

/* The largest poll() batch: RLIMIT_NOFILE soft (poll fails with EINVAL past
 * it), at most FD_SCAN_BATCH. */
#define FD_SCAN_BATCH 1024
int fd_scan_batch_size(void);

/* Call fn(fd, ctx) for every open descriptor in [lo, hi], in increasing
 * order.  Returns 0, a negative value fn returned, or -errno if poll()
 * fails. */
typedef int (*fd_scan_fn)(int fd, void *ctx);
int fd_scan_open(int lo, int hi, fd_scan_fn fn, void *ctx);

/* 1 if fd is open, 0 if not, -errno if that cannot be told (F_GETFD fails
 * only with EBADF on Linux, but a guess either way could leak or drop a
 * descriptor, so callers treat it as an error). */
int fd_open_state(int fd);

/* True if fd is on procfs: a /proc that is a tmpfs or a bind of something
 * else could forge FDSize or the list of descriptors. */
bool fd_is_procfs(int fd);

#endif
