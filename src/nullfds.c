/* nullfds.c: --null (nullfds.h).  Applied after closing and the moves
 * and before --nofile lowers the limit: opening /dev/null needs a free
 * descriptor below the soft limit. */
#include "config.h"
#include "nullfds.h"

#include "errbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "decimal.h"
#include "fdflags.h"

int nullfds_parse(const char *arg, struct fd_set_ranges *fds, char *err, size_t errlen)
{
	const char *s = arg;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int fd = -1;
		if (len == 0)
			return errbuf_set(err, errlen, "invalid --null list '%s': empty item", arg);
		if (parse_fd_number(s, len, &fd) < 0 || fd > 2)
			return errbuf_set(err, errlen, "invalid --null list '%s': '%.*s': expected 0, 1 or 2",
					  arg, (int)len, s);
		if (fd_set_add(fds, fd, fd) < 0)
			return errbuf_nomem(err, errlen);
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int nullfds_flags(int fd)
{
	return fd == 0 ? O_RDONLY : O_WRONLY;
}

const char *nullfds_mode(int fd)
{
	return fd == 0 ? "read-only" : "write-only";
}

int nullfds_list(FILE *out, const struct fd_set_ranges *fds)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fd_set_contains(fds, fd))
			fprintf(out, "%d\tnull\t/dev/null, %s\n", fd, nullfds_mode(fd));
	return ferror(out) ? -EIO : 0;
}

int nullfds_apply(const struct fd_set_ranges *fds, FILE *verbose, int *bad_fd)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (!fd_set_contains(fds, fd))
			continue;
		*bad_fd = fd;
		/* 0-2 are open (kept), so the new one lands at 3 or above. */
		int tmp = open("/dev/null", nullfds_flags(fd) | O_NOCTTY | O_CLOEXEC);
		if (tmp < 0)
			return -errno;
		/* dup2 gives the copy FD_CLOEXEC clear: inheritable. */
		int r = fd_dup2(tmp, fd);
		fd_close_own(tmp);
		if (r < 0)
			return r;
		if (verbose)
			fprintf(verbose, "closefds: descriptor %d reopened on /dev/null, %s\n", fd,
				nullfds_mode(fd));
	}
	return 0;
}
