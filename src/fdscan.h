/* fdscan.h: finding the open descriptors of a range without /proc, every
 * kind of file included: the one answer to "which slots are open?" for
 * closing, clearing FD_CLOEXEC on kept ranges, --nofile, --list, --audit
 * and the --verbose count. */
#ifndef CLOSEFDS_FDSCAN_H
#define CLOSEFDS_FDSCAN_H

/* The largest poll() batch: RLIMIT_NOFILE soft (poll fails with EINVAL past
 * it), at most FD_SCAN_BATCH. */
#define FD_SCAN_BATCH 1024
int fd_scan_batch_size(void);

/* Call fn(fd, ctx) for every open descriptor in [lo, hi], in increasing
 * order.  poll() answers a batch at once, but it reports an O_PATH
 * descriptor as POLLNVAL, exactly like an empty slot (the kernel's fdget()
 * skips such files), so every slot poll calls empty is asked again with
 * fcntl(F_GETFD), which sees every file; where poll() fails, every slot
 * is asked with fcntl.  Returns 0, a negative value fn returned, or
 * -errno if fcntl cannot tell. */
typedef int (*fd_scan_fn)(int fd, void *ctx);
int fd_find_open(int lo, int hi, fd_scan_fn fn, void *ctx);

/* The same for the forced poll method: where poll() fails, its -errno
 * (a method forced by name uses that method or refuses). */
int fd_poll_open(int lo, int hi, fd_scan_fn fn, void *ctx);

#endif
