/* fdlist.c: --list and --audit.  They find open descriptors with the scan
 * that sees every kind (fdscan.c), so they work without /proc; with this
 * process's own /proc each line names the file (the /proc/self/fd link),
 * without it the type and device:inode from fstat().  Names are printed
 * with control characters escaped: one descriptor, one line. */
#include "config.h"
#include "fdlist.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "errbuf.h"
#include "fdflags.h"
#include "fdbound.h"
#include "fdscan.h"
#include "procfs.h"

struct list_ctx {
	FILE *out;
	const struct plan *p;
	size_t next_move; /* moves are sorted by target */
	int dir;          /* /proc/self/fd, or -1 */
};

static const char *type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "file";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISFIFO(mode))
		return "fifo";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode))
		return "chardev";
	if (S_ISBLK(mode))
		return "blockdev";
	return "other";
}

void fd_describe(FILE *out, int fd, int dir)
{
	struct stat st;

	if (dir >= 0) {
		char name[16], target[4096];
		snprintf(name, sizeof(name), "%d", fd);
		ssize_t n = readlinkat(dir, name, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			errbuf_put(out, target);
			return;
		}
	}
	if (fstat(fd, &st) < 0) {
		fputs("unknown", out);
		return;
	}
	fprintf(out, "%s dev=%u:%u ino=%llu", type_name(st.st_mode), major(st.st_dev),
		minor(st.st_dev), (unsigned long long)st.st_ino);
}

/* The end of a line: 0, or -errno when out failed (a full device). */
static int end_line(FILE *out)
{
	return fputc('\n', out) == EOF || ferror(out) ? -(errno ? errno : EIO) : 0;
}

/* Print the --pass-fd targets below `below` that have not been printed. */
static int print_targets_below(struct list_ctx *lc, long long below)
{
	const struct plan *p = lc->p;
	int r = 0;

	while (r == 0 && lc->next_move < p->n_moves && p->moves[lc->next_move].dst < below) {
		const struct fd_move *mv = &p->moves[lc->next_move++];
		if (mv->src == mv->dst)
			continue; /* just kept; printed as keep */
		fprintf(lc->out, "%d\tpass\t", mv->dst);
		fd_describe(lc->out, mv->src, lc->dir);
		fprintf(lc->out, " (from %d)", mv->src);
		r = end_line(lc->out);
	}
	return r;
}

static bool is_moved_target(const struct plan *p, int fd)
{
	for (size_t i = 0; i < p->n_moves; i++)
		if (p->moves[i].dst == fd)
			return p->moves[i].src != fd;
	return false;
}

/* Why a descriptor is kept although no option names it: an argument of
 * COMMAND names it by path (fdargs.c).  The first such argument. */
static void print_named_by_arg(FILE *out, const struct plan *p, int fd)
{
	if (!fd_set_contains(&p->keep, fd))
		return;
	for (size_t i = 0; i < p->n_fd_args; i++)
		if (p->fd_args[i].fd == fd) {
			fprintf(out, " (named by argument %d '", p->fd_args[i].argi);
			errbuf_put(out, p->fd_args[i].arg);
			fputs("')", out);
			return;
		}
}

static int list_one(int fd, void *arg)
{
	struct list_ctx *lc = arg;
	const struct plan *p = lc->p;
	int r = print_targets_below(lc, fd + 1LL);

	if (r < 0 || is_moved_target(p, fd) || fd == lc->dir)
		return r; /* a target is printed as pass; the directory is ours */
	fprintf(lc->out, "%d\t%s\t", fd, fd_set_contains(&p->keep, fd) ? "keep" : "close");
	fd_describe(lc->out, fd, lc->dir);
	for (size_t i = 0; i < p->n_moves; i++)
		if (p->moves[i].src == fd && p->moves[i].dst != fd)
			fprintf(lc->out, " (passed as %d)", p->moves[i].dst);
	print_named_by_arg(lc->out, p, fd);
	return end_line(lc->out);
}

int fdlist_print(FILE *out, const struct plan *p)
{
	struct list_ctx lc = { .out = out, .p = p, .dir = procfs_open_fd_dir() };
	struct fd_bound b;
	int r;

	errno = 0;
	fputs("FD\tACTION\tWHAT", out);
	if ((r = end_line(out)) == 0 && (r = fd_bound_get(&b)) == 0)
		r = fd_find_open(0, b.limit - 1, list_one, &lc);
	if (r == 0) /* targets may lie above the bound */
		r = print_targets_below(&lc, LLONG_MAX);
	if (r == 0)
		env_change_print(out, &p->env, "-\tenv\t");
	if (lc.dir >= 0)
		fd_close_own(lc.dir);
	if (r == 0 && (fflush(out) == EOF || ferror(out)))
		r = -(errno ? errno : EIO);
	return r;
}

struct audit_ctx {
	FILE *out;
	const struct fd_set_ranges *keep;
	int dir;
};

static int audit_one(int fd, void *arg)
{
	struct audit_ctx *ac = arg;

	if (fd_set_contains(ac->keep, fd) || fd == ac->dir)
		return 0;
	fprintf(ac->out, "closefds: audit: would close %d ", fd);
	fd_describe(ac->out, fd, ac->dir);
	fputc('\n', ac->out);
	return 0;
}

int fdlist_audit(FILE *out, const struct plan *p)
{
	struct audit_ctx ac = { .out = out, .keep = &p->keep, .dir = procfs_open_fd_dir() };
	struct fd_bound b;
	int r = fd_bound_get(&b);

	if (r == 0)
		r = fd_find_open(3, b.limit - 1, audit_one, &ac);
	if (r == 0)
		env_change_print(out, &p->env, "closefds: audit: would ");
	if (ac.dir >= 0)
		fd_close_own(ac.dir);
	return r;
}
