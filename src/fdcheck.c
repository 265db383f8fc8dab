/* fdcheck.c: checking and repairing the descriptors closefds is told to
 * rely on, before it opens anything or closes anything. */
#include "config.h"
#include "fdcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "activation.h"
#include "fdflags.h"

/* glibc, in a setuid or setgid program (AT_SECURE), reopens a closed 0, 1
 * or 2 before main(): 0 as /dev/full write-only, 1 and 2 as /dev/null
 * read-only (__libc_check_standard_fds), so a closed stream reaches main()
 * open but unusable, and COMMAND's echo fails.  Such a descriptor is taken
 * for the closed stream it stands for.  (musl opens /dev/null read-write,
 * which is what closefds does anyway.) */
static bool libc_substitute(int fd)
{
	struct stat st;
	int fl;

	if (!getauxval(AT_SECURE) || fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    (fl = fcntl(fd, F_GETFL)) < 0)
		return false;
	if (fd == 0)
		return st.st_rdev == makedev(1, 7) && (fl & O_ACCMODE) == O_WRONLY;
	return st.st_rdev == makedev(1, 3) && (fl & O_ACCMODE) == O_RDONLY;
}

int stdio_repair(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		int open_now = fd_open_state(fd);
		if (open_now < 0)
			return open_now;
		if (open_now && !libc_substitute(fd))
			continue;
		/* open() returns the lowest free number, which is fd when it is
		 * closed: the lower ones are open (checked or repaired already). */
		int nfd = open("/dev/null", O_RDWR | O_NOCTTY | (open_now ? O_CLOEXEC : 0));
		if (nfd < 0)
			return -errno;
		if (fstat(nfd, &st) < 0 || !S_ISCHR(st.st_mode) || (!open_now && nfd != fd)) {
			fd_close_own(nfd);
			return -EBADF;
		}
		if (open_now) {
			int r = fd_dup2(nfd, fd);
			fd_close_own(nfd);
			if (r < 0)
				return r;
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

