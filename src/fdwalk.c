/* fdwalk.c: see fdwalk.h.  The closing methods find descriptors with
 * close_range, poll and fcntl, or /proc; a check by the same means would
 * share their blind spots, so this lists them by /proc/self/fd or by
 * asking every slot, whichever the closing step did not use last. */
#include "config.h"
#include "fdwalk.h"

#include <errno.h>
#include <fcntl.h>

#include "fdbound.h"
#include "fdflags.h"
#include "procfs.h"

struct walk_state {
	struct fd_walk *w;
	int stop; /* what fn returned to stop the walk, or 0 */
};

static int visit(int fd, void *arg)
{
	struct walk_state *ws = arg;
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 && errno == EBADF)
		return 0; /* closed since it was listed */
	if (flags < 0)
		return -errno; /* cannot tell: one error, not one per slot */
	int r = ws->w->fn(ws->w, fd, flags);
	if (r < 0)
		ws->stop = r;
	return r;
}

int fd_walk_all(struct fd_walk *w)
{
	struct walk_state ws = { .w = w };
	int r;

	w->dir = procfs_open_fd_dir();
	if (w->dir >= 0) {
		r = procfs_fd_each(w->dir, visit, &ws);
		fd_close_own(w->dir);
		w->dir = -1;
		if (r == 0 || ws.stop)
			return r;
		if (w->restart)
			w->restart(w);
	}
	/* Without a slot for the directory (a full table: CLOSE_RANGE_CLOEXEC
	 * leaves it full until execve), without /proc, or where reading it
	 * failed: every slot of the table, which the select probe sizes
	 * without a descriptor. */
	struct fd_bound b;
	r = fd_bound_get(&b);
	for (long long fd = 0; r == 0 && fd < b.limit; fd++)
		r = visit((int)fd, &ws);
	return r;
}
