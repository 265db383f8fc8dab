/* procfs.c: see procfs.h.
 *
 * getdents64 into a fixed buffer: no opendir(), no malloc, no stdio,
 * nothing that grows with the number of descriptors (async-signal-safe:
 * libclosefds reads /proc after fork).  Closing an entry already read
 * does not disturb the directory position (procfs positions are descriptor
 * numbers). */
#include "config.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "decimal.h"
#include "fdflags.h"
#include "retry.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static int on_procfs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	return sfs.f_type == PROC_SUPER_MAGIC ? 0 : -ENOENT;
}

int procfs_open_fd_dir(void)
{
	struct stat self, entry;
	char name[DECIMAL_INT_SIZE];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dir < 0)
		return -errno;
	format_fd_number(dir, name);
	if ((r = on_procfs(dir)) == 0) {
		if (fstat(dir, &self) < 0 || fstatat(dir, name, &entry, 0) < 0)
			r = errno == ENOENT || errno == EBADF ? -ENOENT : -errno;
		else if (self.st_dev != entry.st_dev || self.st_ino != entry.st_ino)
			r = -ENOENT;
	}
	if (r < 0) {
		fd_close_own(dir);
		return r;
	}
	return dir;
}

/* The kernel's record layout: every field is there for its offset. */
struct linux_dirent64_hdr {
	uint64_t d_ino; // cppcheck-suppress unusedStructMember
	int64_t d_off; // cppcheck-suppress unusedStructMember
	unsigned short d_reclen;
	unsigned char d_type; // cppcheck-suppress unusedStructMember
	char d_name[];
};

int procfs_fd_each(int dir, int (*fn)(int fd, void *ctx), void *ctx)
{
	_Alignas(struct linux_dirent64_hdr) char buf[8192];
	int interrupted = 0;

	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (n < 0 && errno == EINTR && ++interrupted < RETRY_MAX)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		interrupted = 0;
		for (long off = 0; off < n;) {
			const struct linux_dirent64_hdr *d = (const void *)(buf + off);
			int fd;
			off += d->d_reclen;
			/* "." and ".." are not numbers. */
			if (parse_fd_number(d->d_name, strlen(d->d_name), &fd) < 0 || fd == dir)
				continue;
			int r = fn(fd, ctx);
			if (r < 0)
				return r;
		}
	}
}

/* The value after "\nNAME:" and blanks, up to the end of its line: the
 * last number of it when last, else the first. */
static int field_number(const char *buf, const char *name, int last, int *out)
{
	char key[32];
	size_t n = strlen(name);

	if (n + 3 > sizeof(key))
		return -ENOENT;
	key[0] = '\n';
	memcpy(key + 1, name, n);
	key[n + 1] = ':';
	key[n + 2] = '\0';
	const char *p = strstr(buf, key);
	if (!p)
		return -ENOENT;
	p += n + 2;
	const char *end = strchr(p, '\n');
	if (!end)
		return -EINVAL;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *digits = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		int r = parse_fd_number(digits, (size_t)(p - digits), out);
		if (r < 0)
			return r;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!last || p >= end)
			return 0;
	}
}

int procfs_status_number(const char *name)
{
	/* status is about 1.5 KiB; the fields wanted are in its first half. */
	char buf[4096];
	size_t len = 1; /* buf[0] is a newline, so every field follows one */
	int interrupted = 0, r, fd, pid;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if ((r = on_procfs(fd)) < 0) {
		fd_close_own(fd);
		return r;
	}
	buf[0] = '\n';
	while (len < sizeof(buf) - 1) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR && ++interrupted < RETRY_MAX)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	fd_close_own(fd);
	if (r < 0)
		return r;
	buf[len] = '\0';
	/* NSpid ends with the pid in this process's own namespace (Linux
	 * 4.1+); Pid is the pid in the namespace of this /proc. */
	if (field_number(buf, "NSpid", 1, &pid) < 0 && field_number(buf, "Pid", 0, &pid) < 0)
		return -ENOENT;
	if (pid != getpid())
		return -ENOENT;
	int v;
	if ((r = field_number(buf, name, 0, &v)) < 0)
		return r;
	return v;
}
