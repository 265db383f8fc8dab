/* method_proc.c: close what /proc/self/fd lists.
 *
 * getdents64 into a fixed buffer: no opendir(), no malloc, nothing that
 * grows with the number of descriptors.  Closing an entry already read does
 * not disturb the directory position (procfs positions are descriptor
 * numbers).  The first read of the directory instantiates a dentry per
 * descriptor (about 4 us each), which is why auto prefers the poll scan. */
#include "config.h"
#include "closemethod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/syscall.h>
#endif

#if IS_LINUX
/* The kernel's record layout: every field is there for its offset. */
struct linux_dirent64_hdr {
	uint64_t d_ino; // cppcheck-suppress unusedStructMember
	int64_t d_off; // cppcheck-suppress unusedStructMember
	unsigned short d_reclen;
	unsigned char d_type; // cppcheck-suppress unusedStructMember
	char d_name[];
};

/* The entry's name as a descriptor number, or -1 ("." and ".."). */
static int entry_fd(const char *name)
{
	long long v = 0;

	if (*name < '0' || *name > '9')
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > 0x7fffffff)
			return -1;
		v = v * 10 + (*name - '0');
	}
	return v > 0x7fffffff ? -1 : (int)v;
}
#endif

int close_method_proc(struct close_ctx *ctx)
{
#if IS_LINUX
	_Alignas(struct linux_dirent64_hdr) char buf[8192];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (dir < 0)
		return -errno;
	if (!fd_is_procfs(dir)) {
		close(dir);
		return -ENOENT;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct linux_dirent64_hdr *d = (const void *)(buf + off);
			int fd = entry_fd(d->d_name);
			off += d->d_reclen;
			if (fd < 3 || fd == dir || fd_set_contains(ctx->keep, fd))
				continue;
			if (close_counted(fd))
				ctx->closed++;
		}
	}
	close(dir);
	ctx->counted = true;
	return r;
#else
	(void)ctx;
	return -ENOSYS;
#endif
}
