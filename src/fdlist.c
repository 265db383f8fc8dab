/* fdlist.c: --list.  It finds open descriptors with the poll scan, so it
 * works without /proc; with /proc each line names the file (readlink of
 * /proc/self/fd/N), without it the type and device:inode from fstat(). */
#include "config.h"
#include "fdlist.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/vfs.h>
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#endif

#include "fdbound.h"
#include "fdscan.h"

bool proc_fd_available(void)
{
#if IS_LINUX
	struct statfs sfs;

	return statfs("/proc/self/fd", &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
#else
	return false;
#endif
}

struct list_ctx {
	FILE *out;
	const struct plan *p;
	size_t next_move; /* moves are sorted by target */
	bool have_proc;
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

void fd_describe(FILE *out, int fd, bool have_proc)
{
	struct stat st;

	if (have_proc) {
		char path[64], target[4096];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			fputs(target, out);
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

/* Print the --pass-fd targets below `below` that have not been printed. */
static void print_targets_below(struct list_ctx *lc, long long below)
{
	const struct plan *p = lc->p;

	while (lc->next_move < p->n_moves && p->moves[lc->next_move].dst < below) {
		const struct fd_move *mv = &p->moves[lc->next_move++];
		if (mv->src == mv->dst)
			continue; /* just kept; printed as keep */
		fprintf(lc->out, "%d\tpass\t", mv->dst);
		fd_describe(lc->out, mv->src, lc->have_proc);
		fprintf(lc->out, " (from %d)\n", mv->src);
	}
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
			fprintf(out, " (named by argument %d '%s')", p->fd_args[i].argi,
				p->fd_args[i].arg);
			return;
		}
}

static int list_one(int fd, void *arg)
{
	struct list_ctx *lc = arg;
	const struct plan *p = lc->p;

	print_targets_below(lc, fd + 1LL);
	if (is_moved_target(p, fd))
		return 0; /* printed as pass */
	fprintf(lc->out, "%d\t%s\t", fd, fd_set_contains(&p->keep, fd) ? "keep" : "close");
	fd_describe(lc->out, fd, lc->have_proc);
	for (size_t i = 0; i < p->n_moves; i++)
		if (p->moves[i].src == fd && p->moves[i].dst != fd)
			fprintf(lc->out, " (passed as %d)", p->moves[i].dst);
	print_named_by_arg(lc->out, p, fd);
	fputc('\n', lc->out);
	return 0;
}

int fdlist_print(FILE *out, const struct plan *p)
{
	struct list_ctx lc = { .out = out, .p = p };
	struct fd_bound b;

	lc.have_proc = proc_fd_available();
	fd_bound_get(&b);
	fputs("FD\tACTION\tWHAT\n", out);
	int r = fd_find_open(0, b.limit - 1, list_one, &lc);
	print_targets_below(&lc, LLONG_MAX); /* targets may lie above the bound */
	env_change_print(out, &p->env, "-\tenv\t");
	if (fflush(out) == EOF || ferror(out))
		return -EIO;
	return r;
}

struct audit_ctx {
	FILE *out;
	const struct fd_set_ranges *keep;
	bool have_proc;
};

static int audit_one(int fd, void *arg)
{
	struct audit_ctx *ac = arg;

	if (fd_set_contains(ac->keep, fd))
		return 0;
	fprintf(ac->out, "closefds: audit: would close %d ", fd);
	fd_describe(ac->out, fd, ac->have_proc);
	fputc('\n', ac->out);
	return 0;
}

int fdlist_audit(FILE *out, const struct plan *p)
{
	struct audit_ctx ac = { .out = out, .keep = &p->keep, .have_proc = proc_fd_available() };
	struct fd_bound b;

	fd_bound_get(&b);
	int r = fd_find_open(3, b.limit - 1, audit_one, &ac);
	env_change_print(out, &p->env, "closefds: audit: would ");
	return r;
}
