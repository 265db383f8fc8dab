/* fdbound.h: how far up descriptors can be: the size of the descriptor
 * table, from the kernel (a select() probe), from /proc/self/status, or,
 * only where neither can be asked, from RLIMIT_NOFILE. */
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
	int probe_err; /* why the select probe gave no size (-errno), or 0 */
};

/* The table size from /proc/self/status, trusted only when it is this
 * process's own (procfs.c).  Returns it (> 0) or -errno. */
int fd_table_size_from_proc(void);

/* The table size from the kernel without /proc and without a descriptor:
 * select() clamps its first argument to it (see fdbound.c); pselect6, or
 * select where pselect6 is refused.  Returns it (> 0) or -errno (select
 * refused: EPERM, ENOSYS; EOVERFLOW: it does not clamp, an emulator; no
 * memory for the bitmap above STACK_SLOTS; EINTR RETRY_MAX times). */
int fd_table_size_from_select(void);

/* The name of a source, for messages. */
const char *fd_bound_source_name(enum fd_bound_source s);

/* The table size, probed, else FDSize.  Only where select is refused (or
 * does not clamp) and /proc is not this process's, max(soft, hard)
 * RLIMIT_NOFILE, which misses a descriptor above a hard limit lowered
 * after it was opened (the documented case).  Any other failure of the
 * probe without FDSize is returned: 0 or -errno (the probe's). */
int fd_bound_get(struct fd_bound *b);

#endif
