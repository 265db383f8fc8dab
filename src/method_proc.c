/* method_proc.c: close what /proc/self/fd lists, when it is this process's
 * own (procfs.c).  The first read of the directory instantiates a dentry
 * per descriptor (about 4 us each), so it pays where the table is large
 * and sparse: its cost follows the open descriptors, not the slots. */
#include "config.h"
#include "closemethod.h"

#include <unistd.h>

#include "procfs.h"

static int close_listed(int fd, void *arg)
{
	struct close_ctx *ctx = arg;

	if (fd < 3 || fd_set_contains(ctx->keep, fd))
		return 0;
	return close_counted(ctx, fd);
}

int close_method_proc(struct close_ctx *ctx)
{
	int dir = procfs_open_fd_dir();

	if (dir < 0)
		return dir;
	int r = procfs_fd_each(dir, close_listed, ctx);
	close(dir);
	ctx->counted = true;
	return r;
}
