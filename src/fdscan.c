/* fdscan.c: the descriptor bound and the poll() scan.
 *
 * poll() with events = 0 reports POLLNVAL for a closed slot and something
 * else (usually nothing) for an open one, so one call checks a whole batch:
 * about 17 ns a slot against about 270 ns for a close() (measured, see
 * ../shared/notes/closing-descriptors.md).  A batch may hold at most the
 * soft RLIMIT_NOFILE entries (EINVAL beyond), but the numbers in it are not
 * limited, so it also finds descriptors above a lowered soft limit. */
#include "config.h"
#include "fdscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/vfs.h>
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#endif

int fd_open_state(int fd)
{
	if (fcntl(fd, F_GETFD) != -1)
		return 1;
	return errno == EBADF ? 0 : -errno;
}

bool fd_is_procfs(int fd)
{
#if IS_LINUX
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
#else
	(void)fd;
	return false;
#endif
}

int fd_table_size_from_proc(void)
{
	/* "FDSize:" is in the first kilobyte of status; read 4 KiB into a fixed
	 * buffer, no stdio, no allocation. */
	static const char key[] = "\nFDSize:";
	char buf[4096];
	size_t len = 0;
	int fd, r = -ENOENT;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (!fd_is_procfs(fd)) {
		close(fd);
		return -ENOENT;
	}
	while (len < sizeof(buf) - 1) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	const char *p = strstr(buf, key);
	if (!p)
		return r;
	p += sizeof(key) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	long long v = 0;
	const char *digits = p;
	while (*p >= '0' && *p <= '9' && v <= INT_MAX)
		v = v * 10 + (*p++ - '0');
	if (p == digits || *p != '\n' || v <= 0 || v > INT_MAX)
		return -EINVAL;
	return (int)v;
}

static int rlim_to_int(rlim_t v)
{
	return (v == RLIM_INFINITY || v > (rlim_t)INT_MAX) ? INT_MAX : (int)v;
}

void fd_bound_get(struct fd_bound *b)
{
	struct rlimit rl;
	int size = fd_table_size_from_proc();

	if (size > 0) {
		b->limit = size;
		b->source = BOUND_FDSIZE;
		return;
	}
	b->source = BOUND_RLIMIT;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		b->limit = INT_MAX;
		return;
	}
	int soft = rlim_to_int(rl.rlim_cur), hard = rlim_to_int(rl.rlim_max);
	b->limit = soft > hard ? soft : hard;
}

int fd_scan_batch_size(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= FD_SCAN_BATCH)
		return FD_SCAN_BATCH;
	return rl.rlim_cur > 0 ? (int)rl.rlim_cur : 1;
}

int fd_scan_open(int lo, int hi, fd_scan_fn fn, void *ctx)
{
	struct pollfd pfd[FD_SCAN_BATCH];
	int batch = fd_scan_batch_size();

	if (lo < 0)
		lo = 0;
	for (long long start = lo; start <= hi; start += batch) {
		long long end = start + batch - 1;
		if (end > hi)
			end = hi;
		nfds_t n = (nfds_t)(end - start + 1);
		for (nfds_t i = 0; i < n; i++) {
			pfd[i].fd = (int)(start + (long long)i);
			pfd[i].events = 0;
			pfd[i].revents = 0;
		}
		int k;
		do
			k = poll(pfd, n, 0);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return -errno;
		for (nfds_t i = 0; i < n; i++) {
			if (pfd[i].revents & POLLNVAL)
				continue;
			int r = fn(pfd[i].fd, ctx);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
