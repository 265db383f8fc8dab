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

#include "options.h"
#include "plan.h"

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
static int source_of(const struct plan *p, int fd)
{
	for (size_t i = 0; i < p->n_moves; i++)
		if (p->moves[i].dst == fd)
			return p->moves[i].src;
	return fd;
}

/* Status flags of fd: >= 0, or -errno. */
static int status_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -errno : fl;
}

int blocking_check(const struct fd_set_ranges *fds, const struct plan *p, bool moved,
		   int *bad_fd)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			*bad_fd = (int)fd;
			if (!fd_set_contains(&p->keep, (int)fd))
				return BLOCKING_NOT_KEPT;
			int fl = status_flags(moved ? (int)fd : source_of(p, (int)fd));
			if (fl < 0)
				return fl;
		}
	}
	return 0;
}

int blocking_list(FILE *out, const struct fd_set_ranges *fds, const struct plan *p)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			int fl = status_flags(source_of(p, (int)fd));
			if (fl < 0)
				return fl;
			fprintf(out, "%lld\tblocking\tO_NONBLOCK %s\n", fd,
				(fl & O_NONBLOCK) ? "set, cleared" : "not set");
		}
	}
	return 0;
}

int blocking_apply(const struct fd_set_ranges *fds, FILE *verbose, int *bad_fd)
{
	for (size_t i = 0; i < fds->n; i++) {
		for (long long fd = fds->v[i].lo; fd <= fds->v[i].hi; fd++) {
			*bad_fd = (int)fd;
			int fl = status_flags((int)fd);
			if (fl < 0)
				return fl;
			/* Only O_NONBLOCK: F_SETFL with 0 would clear O_APPEND too. */
			if ((fl & O_NONBLOCK) && fcntl((int)fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
				return -errno;
			if (verbose)
				fprintf(verbose, "closefds: descriptor %lld: O_NONBLOCK %s\n", fd,
					(fl & O_NONBLOCK) ? "cleared" : "was not set");
		}
	}
	return 0;
}
