/* blocking.c: --blocking.  O_NONBLOCK is a flag of the open file
 * description, not of the descriptor: a parent (node, for one) that leaves
 * its stdin or stdout non-blocking hands that to every child, which then
 * fails with EAGAIN.  execline's fdblock clears it; recipes that do
 * fcntl(fd, F_SETFL, 0) also clear O_APPEND and O_ASYNC.  Here only
 * O_NONBLOCK changes.  The description is shared with whoever else holds
 * it (the parent too): that is why this is opt-in. */
#include "config.h"
#include "blocking.h"

#include "errbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "decimal.h"
#include "fdflags.h"
#include "moves.h"

int blocking_parse(const char *arg, struct fd_set_ranges *fds, char *err, size_t errlen)
{
	const char *s = arg;

	if (!arg) {
		if (fd_set_add(fds, 0, 2) < 0)
			return errbuf_nomem(err, errlen);
		return 0;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int fd = 0;
		int r = parse_fd_number(s, len, &fd);
		if (len == 0)
			return errbuf_set(err, errlen, "invalid --blocking list '%s': empty item", arg);
		if (r < 0)
			return errbuf_set(err, errlen, "invalid --blocking list '%s': '%.*s': %s", arg,
				    (int)len, s,
				    r == -ERANGE ? "number too large" : "not a decimal number");
		if (fd_set_add(fds, fd, fd) < 0)
			return errbuf_nomem(err, errlen);
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* Where fd's open file description is before the moves: a --pass-fd target
 * holds its source's. */
static int source_of(const struct fd_move *moves, size_t n_moves, int fd)
{
	for (size_t i = 0; i < n_moves; i++)
		if (moves[i].dst == fd)
			return moves[i].src;
	return fd;
}

/* Status flags of fd: >= 0, or -errno. */
static int status_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -errno : fl;
}

int blocking_check(const struct fd_set_ranges *fds, const struct fd_set_ranges *keep,
		   const struct fd_move *moves, size_t n_moves, bool moved, int *bad_fd)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			*bad_fd = (int)fd;
			if (!fd_set_contains(keep, (int)fd))
				return BLOCKING_NOT_KEPT;
			int fl = status_flags(moved ? (int)fd : source_of(moves, n_moves, (int)fd));
			if (fl < 0)
				return fl;
		}
	}
	return 0;
}

int blocking_list(FILE *out, const struct fd_set_ranges *fds, const struct fd_move *moves,
		  size_t n_moves)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			int fl = status_flags(source_of(moves, n_moves, (int)fd));
			if (fl < 0)
				return fl;
			fprintf(out, "%lld\tblocking\tO_NONBLOCK %s\n", fd,
				(fl & O_NONBLOCK) ? "set, cleared" : "not set");
		}
	}
	return 0;
}

int blocking_apply(const struct fd_set_ranges *fds, FILE *verbose, struct fd_set_ranges *cleared,
		   int *bad_fd)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			bool was;
			int r;
			*bad_fd = (int)fd;
			if ((r = fd_set_nonblock((int)fd, false, &was)) < 0)
				return r;
			if (was && fd_set_add(cleared, (int)fd, (int)fd) < 0) {
				fd_set_nonblock((int)fd, true, NULL);
				return -ENOMEM;
			}
			if (verbose)
				fprintf(verbose, "closefds: descriptor %lld: O_NONBLOCK %s\n", fd,
					was ? "cleared" : "was not set");
		}
	}
	return 0;
}

void blocking_undo(const struct fd_set_ranges *cleared)
{
	for (size_t i = 0; i < cleared->n; i++)
		for (long long fd = cleared->v[i].lo; fd <= cleared->v[i].hi; fd++)
			fd_set_nonblock((int)fd, true, NULL);
}
