/* procfs.h: /proc/self, trusted only when it is this process's own.
 *
 * A /proc that is a tmpfs, or a bind mount of another process's
 * /proc/PID/fd or /proc/PID/status over this one's, would make closefds
 * close by another process's list or size its table by another process's
 * FDSize.  Every read of /proc goes through here. */
#ifndef CLOSEFDS_PROCFS_H
#define CLOSEFDS_PROCFS_H

#include <stddef.h>

/* /proc/self/fd, opened as a directory (O_CLOEXEC).  Trusted when it is on
 * procfs and its entry for the descriptor just opened resolves to that
 * same directory: in another process's fd directory that entry is the
 * other process's descriptor of the same number.  Returns the descriptor,
 * or -errno (-ENOENT: not procfs, or not this process's). */
int procfs_open_fd_dir(void);

/* Call fn(fd, ctx) for every descriptor listed in dir (from
 * procfs_open_fd_dir), dir itself excepted, in the kernel's order.  Returns
 * 0, a negative value fn returned, or -errno (getdents64 failed, or was
 * interrupted RETRY_MAX times in a row: -EINTR). */
int procfs_fd_each(int dir, int (*fn)(int fd, void *ctx), void *ctx);

/* The value of field `name` ("FDSize") of /proc/self/status, a number
 * 0..INT_MAX.  Trusted when the file is on procfs and its last NSpid (or
 * Pid) value is this process's pid.  Returns the value or -errno
 * (-ENOENT: no such /proc, or not this process's). */
int procfs_status_number(const char *name);

#endif
