/* fdwalk.h: every open descriptor, listed independently of the closing
 * methods, for the checks that judge them (--verify, closefds_check). */
#ifndef CLOSEFDS_FDWALK_H
#define CLOSEFDS_FDWALK_H

struct fd_walk {
	/* Called with each open descriptor and its FD_CLOEXEC flags
	 * (fcntl F_GETFD); a negative return stops the walk. */
	int (*fn)(struct fd_walk *w, int fd, int fdflags);
	/* Called, if not NULL, when the /proc listing failed part way and the
	 * walk starts again slot by slot: forget what fn was told. */
	void (*restart)(struct fd_walk *w);
	/* /proc/self/fd while fn runs on its listing (to describe a
	 * descriptor by it), else -1. */
	int dir;
};

/* Call w->fn for every open descriptor (w->dir, the walk's own, excepted):
 * listed by /proc/self/fd when it is this process's own (procfs.c), else,
 * when it cannot be read (no /proc, no free slot for the directory, a
 * read failed), by fcntl(F_GETFD) on every slot below the table size
 * (fdbound.c).  Both see every kind of file, O_PATH included.  A
 * descriptor closed since it was listed is skipped.  Async-signal-safe.
 * Returns 0, what fn returned, or -errno. */
int fd_walk_all(struct fd_walk *w);

#endif
