/* fdflags.c: see fdflags.h. */
#include "config.h"
#include "fdflags.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "retry.h"

int fd_open_state(int fd)
{
	if (fcntl(fd, F_GETFD) != -1)
		return 1;
	return errno == EBADF ? 0 : -errno;
}

int fd_close(int fd)
{
	return syscall(SYS_close, fd) == 0 ? 0 : -errno;
}

int fd_set_cloexec(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -errno;
	if (!!(flags & FD_CLOEXEC) == on)
		return 0;
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, flags) < 0 ? -errno : 0;
}

int fd_set_nonblock(int fd, bool on, bool *was)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	if (was)
		*was = (flags & O_NONBLOCK) != 0;
	if (!!(flags & O_NONBLOCK) == on)
		return 0;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0;
}

/* dup2(2) as the kernel answers it: musl's dup2() retries EBUSY without
 * end.  Where the ABI has no dup2 (aarch64, riscv64), dup3, which refuses
 * from == to: then dup2's answer is whether from is open. */
static int sys_dup2(int from, int to)
{
#ifdef SYS_dup2
	return syscall(SYS_dup2, from, to) < 0 ? -errno : 0;
#else
	if (from == to) {
		int state = fd_open_state(from);
		return state == 1 ? 0 : state == 0 ? -EBADF : state;
	}
	return syscall(SYS_dup3, from, to, 0) < 0 ? -errno : 0;
#endif
}

int fd_dup2(int from, int to)
{
	int interrupted = 0;
	int r;

	while ((r = sys_dup2(from, to)) < 0) {
		if ((r != -EINTR && r != -EBUSY) || ++interrupted >= RETRY_MAX)
			return r;
	}
	return 0;
}

/* A few at most: each is a failed close() of a descriptor of closefds'
 * own; past OWN_MAX the oldest are forgotten (and stay close-on-exec
 * unless a kept range clears them, which it then may).  Written only once
 * fd_own_remember() has been called, which closefds(1) does first thing
 * and libclosefds never does: there fd_close_own writes no global (its
 * callers keep no range of their own open). */
#define OWN_MAX 16
static int own_left[OWN_MAX];
static unsigned own_n;
static bool own_remember;

void fd_own_remember(void)
{
	own_remember = true;
}

void fd_close_own(int fd)
{
	int r = fd_close(fd);

	if (r == 0 || r == -EBADF || fd_open_state(fd) == 0 || !own_remember)
		return;
	own_left[own_n++ % OWN_MAX] = fd;
}

bool fd_is_own_leftover(int fd)
{
	for (unsigned i = 0; i < own_n && i < OWN_MAX; i++)
		if (own_left[i] == fd)
			return true;
	return false;
}
