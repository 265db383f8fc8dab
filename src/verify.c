/* verify.c: --verify.
 *
 * Independent of the closing methods: the list of open descriptors comes
 * from /proc/self/fd when it is there (getdents64 through readdir is fine
 * here: --verify is an opt-in check, not the fast path), else from
 * fcntl(F_GETFD) on every slot below the table size when it cannot be read
 * (no /proc, or no free slot for the directory).  A descriptor that is open
 * but close-on-exec does not reach COMMAND (CLOSE_RANGE_CLOEXEC leaves
 * everything in that state until execve), so the check is on what execve
 * will pass on. */
#include "config.h"
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "fdlist.h"
#include "fdbound.h"
#include "fdscan.h"

struct verify_ctx {
	const struct plan *p;
	FILE *out;
	bool have_proc;
	int problems;
};

static void problem(struct verify_ctx *vc, int fd, const char *what)
{
	fprintf(vc->out, "closefds: --verify: descriptor %d %s: ", fd, what);
	fd_describe(vc->out, fd, vc->have_proc);
	fputc('\n', vc->out);
	vc->problems++;
}

static void check_open(struct verify_ctx *vc, int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 && errno == EBADF)
		return; /* closed since it was listed: nothing reaches COMMAND */
	if (flags < 0) {
		fprintf(vc->out, "closefds: --verify: cannot check descriptor %d: %s\n", fd,
			strerror(errno));
		vc->problems++;
		return;
	}
	if (!fd_set_contains(&vc->p->keep, fd)) {
		if (!(flags & FD_CLOEXEC))
			problem(vc, fd, "would leak to COMMAND");
	} else if (flags & FD_CLOEXEC) {
		problem(vc, fd, "is kept but close-on-exec");
	}
}

static void check_required(struct verify_ctx *vc, int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0) {
		fprintf(vc->out, "closefds: --verify: descriptor %d should be open but is not\n", fd);
		vc->problems++;
	}
	/* Open but close-on-exec was reported by check_open already. */
}

static int scan_proc(struct verify_ctx *vc)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return -errno;
	int self = dirfd(d);
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || fd == self || fd > 0x7fffffff)
			continue;
		check_open(vc, (int)fd);
	}
	closedir(d);
	return 0;
}

int verify_table(const struct plan *p, FILE *out)
{
	struct verify_ctx vc = { .p = p, .out = out, .have_proc = proc_fd_available() };
	const struct options *o = p->opts;

	/* Without a slot for the directory (a full table: CLOSE_RANGE_CLOEXEC
	 * leaves it full until execve), or without /proc: every slot of the
	 * table, which the select probe sizes without a descriptor. */
	if (!vc.have_proc || scan_proc(&vc) < 0) {
		struct fd_bound b;
		fd_bound_get(&b);
		for (long long fd = 0; fd < b.limit; fd++)
			check_open(&vc, (int)fd);
	}
	for (int fd = 0; fd <= 2; fd++)
		check_required(&vc, fd);
	for (size_t i = 0; i < o->n_keep_single; i++)
		check_required(&vc, o->keep_single[i]);
	for (size_t i = 0; i < p->n_moves; i++)
		check_required(&vc, p->moves[i].dst);
	for (int i = 0; i < p->listen_inherited; i++)
		check_required(&vc, LISTEN_FDS_START + i);
	return vc.problems;
}
