/* verify.c: --verify.
 *
 * Independent of the closing methods: the list of open descriptors comes
 * from /proc/self/fd when it is this process's own (procfs.c), else, when
 * it cannot be read (no /proc, or no free slot for the directory), from
 * fcntl(F_GETFD) on every slot below the table size.  Both see every kind
 * of file, O_PATH included.  A descriptor that is open but close-on-exec
 * does not reach COMMAND (CLOSE_RANGE_CLOEXEC leaves the closed ones in
 * that state until execve), so the check is on what execve will pass on. */
#include "config.h"
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "fdflags.h"
#include "fdbound.h"
#include "fdlist.h"
#include "procfs.h"

struct verify_ctx {
	const struct plan *p;
	FILE *out;
	int dir; /* /proc/self/fd, or -1 */
	int problems;
};

static void problem(struct verify_ctx *vc, int fd, const char *what)
{
	fprintf(vc->out, "closefds: --verify: descriptor %d %s: ", fd, what);
	fd_describe(vc->out, fd, vc->dir);
	fputc('\n', vc->out);
	vc->problems++;
}

static int check_open(int fd, void *arg)
{
	struct verify_ctx *vc = arg;
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 && errno == EBADF)
		return 0; /* closed since it was listed: nothing reaches COMMAND */
	if (flags < 0)
		return -errno; /* the check cannot run: one error, not one per slot */
	if (!fd_set_contains(&vc->p->keep, fd)) {
		if (!(flags & FD_CLOEXEC))
			problem(vc, fd, "would leak to COMMAND");
	} else if ((flags & FD_CLOEXEC) && !fd_is_own_leftover(fd)) {
		problem(vc, fd, "is kept but close-on-exec");
	}
	return 0;
}

static void check_required(struct verify_ctx *vc, int fd)
{
	if (fcntl(fd, F_GETFD) < 0) {
		fprintf(vc->out, "closefds: --verify: descriptor %d should be open but is not\n", fd);
		vc->problems++;
	}
	/* Open but close-on-exec was reported by check_open already. */
}

int verify_table(const struct plan *p, FILE *out)
{
	struct verify_ctx vc = { .p = p, .out = out, .dir = procfs_open_fd_dir() };
	const struct options *o = p->opts;
	int r = vc.dir >= 0 ? procfs_fd_each(vc.dir, check_open, &vc) : -ENOENT;

	/* Without a slot for the directory (a full table: CLOSE_RANGE_CLOEXEC
	 * leaves it full until execve), without /proc, or where reading it
	 * failed: every slot of the table, which the select probe sizes
	 * without a descriptor. */
	if (r < 0) {
		struct fd_bound b;
		vc.problems = 0;
		r = fd_bound_get(&b);
		for (long long fd = 0; r == 0 && fd < b.limit; fd++)
			r = check_open((int)fd, &vc);
	}
	if (vc.dir >= 0)
		fd_close_own(vc.dir);
	if (r < 0)
		return r;
	for (int fd = 0; fd <= 2; fd++)
		check_required(&vc, fd);
	for (size_t i = 0; i < o->n_keep_single; i++)
		check_required(&vc, o->keep_single[i]);
	for (size_t i = 0; i < p->n_moves; i++)
		check_required(&vc, p->moves[i].dst);
	for (int i = 0; i < p->listen_inherited; i++)
		check_required(&vc, LISTEN_FDS_START + i);
	return vc.problems;
}
