/* fdbound.h: how far up descriptors can be: the size of the descriptor
 * table, from the kernel (a select() probe), from /proc/self/status, or at
 * worst from RLIMIT_NOFILE. */
#ifndef CLOSEFDS_FDBOUND_H
#define CLOSEFDS_FDBOUND_H

enum fd_bound_source {
	BOUND_SELECT, /* the table size, probed with select() */
	BOUND_FDSIZE, /* the table size, FDSize: in /proc/self/status */
	BOUND_RLIMIT, /* max(soft, hard) RLIMIT_NOFILE */
};

struct fd_bound {
	int limit; /* every open descriptor is below it (see fd_bound_get) */
	enum fd_bound_source source;
};

/* The table size from /proc/self/status, trusted only on procfs.  Returns
 * it (> 0) or -errno. */
int fd_table_size_from_proc(void);

/* The table size from the kernel without /proc and without a descriptor:
 * select() clamps its first argument to it (see fdbound.c).  Returns it
 * (> 0) or -errno (select blocked, no memory for the bitmap). */
int fd_table_size_from_select(void);

/* The name of a source, for messages. */
const char *fd_bound_source_name(enum fd_bound_source s);

/* The table size, probed, else FDSize, else max(soft, hard) RLIMIT_NOFILE.
 * Only the last misses a descriptor above a hard limit lowered after it
 * was opened. */
void fd_bound_get(struct fd_bound *b);

#endif
