/* fdcheck.c: checking and repairing the descriptors closefds is told to
 * rely on, before it opens anything or closes anything. */
#include "config.h"
#include "fdcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activation.h"
#include "fdscan.h"

int stdio_repair(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		int open_now = fd_open_state(fd);
		if (open_now < 0)
			return open_now;
		if (open_now)
			continue;
		/* open() returns the lowest free number, which is fd: the lower
		 * ones are open (checked or repaired already). */
		int nfd = open("/dev/null", O_RDWR | O_NOCTTY);
		if (nfd < 0)
			return -errno;
		if (nfd != fd || fstat(nfd, &st) < 0 || !S_ISCHR(st.st_mode)) {
			close(nfd);
			return -EBADF;
		}
	}
	return 0;
}

/* 0 if fd is open; else -EBADF (closed) or -errno (cannot tell), naming it. */
static int require_open(int fd, const char *option, int *bad_fd, const char **bad_option)
{
	int state = fd_open_state(fd);

	if (state == 1)
		return 0;
	*bad_fd = fd;
	*bad_option = option;
	return state == 0 ? -EBADF : state;
}

int plan_check_open(const struct plan *p, int *bad_fd, const char **bad_option)
{
	const struct options *o = p->opts;
	int r = 0;

	for (size_t i = 0; i < o->n_keep_single && r == 0; i++)
		r = require_open(o->keep_single[i], "--keep-fd", bad_fd, bad_option);
	for (int i = 0; i < p->listen_inherited && r == 0; i++)
		r = require_open(LISTEN_FDS_START + i, "--listen-fds, from LISTEN_FDS", bad_fd,
				 bad_option);
	for (size_t i = 0; i < p->n_moves && r == 0; i++)
		r = require_open(p->moves[i].src, p->moves[i].listen ? "--listen-fd" : "--pass-fd",
				 bad_fd, bad_option);
	return r;
}

