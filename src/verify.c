/* verify.c: --verify.
 *
 * Independent of the closing methods: the list of open descriptors comes
 * from fd_walk_all (fdwalk.c: /proc/self/fd when it is this process's own,
 * else fcntl(F_GETFD) on every slot below the table size), the walk
 * libclosefds' closefds_check makes too.  Both see every kind of file,
 * O_PATH included.  A descriptor that is open but close-on-exec
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
#include "fdlist.h"
#include "fdwalk.h"

struct verify_ctx {
	struct fd_walk walk; /* first: the walk's callbacks get it */
	const struct plan *p;
	FILE *out;
	int problems;
};

static void problem(struct verify_ctx *vc, int fd, const char *what)
{
	fprintf(vc->out, "closefds: --verify: descriptor %d %s: ", fd, what);
	fd_describe(vc->out, fd, vc->walk.dir);
	fputc('\n', vc->out);
	vc->problems++;
}

static int check_open(struct fd_walk *w, int fd, int flags)
{
	struct verify_ctx *vc = (struct verify_ctx *)w;

	if (!fd_set_contains(&vc->p->keep, fd)) {
		if (!(flags & FD_CLOEXEC))
			problem(vc, fd, "would leak to COMMAND");
	} else if ((flags & FD_CLOEXEC) && !fd_is_own_leftover(fd)) {
		problem(vc, fd, "is kept but close-on-exec");
	}
	return 0;
}

static void forget_problems(struct fd_walk *w)
{
	((struct verify_ctx *)w)->problems = 0;
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
	struct verify_ctx vc = { .walk = { .fn = check_open, .restart = forget_problems },
				 .p = p, .out = out };
	const struct options *o = p->opts;
	int r = fd_walk_all(&vc.walk);

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
