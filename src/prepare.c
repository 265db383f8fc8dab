/* prepare.c: --nofile and --blocking around the closing step (see
 * prepare.h); the pieces are in nofile.c and blocking.c. */
#include "config.h"
#include "prepare.h"

#include "errbuf.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "blocking.h"
#include "nofile.h"
#include "nullfds.h"

void prepare_init(struct prepare *st)
{
	memset(st, 0, sizeof(*st));
	fd_set_init(&st->cleared);
}

void prepare_free(struct prepare *st)
{
	fd_set_free(&st->cleared);
}

int prepare_check(const struct options *o, const struct plan *p, bool moved,
		  struct prepare *st, char *err, size_t errlen)
{
	int r, bad_fd;

	if (o->nofile.arg) {
		/* --audit closes nothing: every open descriptor reaches COMMAND.
		 * One range: no allocation. */
		struct fd_set_ranges all;
		fd_set_init(&all);
		if (o->audit && fd_set_add(&all, 0, INT_MAX) < 0)
			return errbuf_set(err, errlen, "out of memory");
		if (getrlimit(RLIMIT_NOFILE, &st->nofile_now) < 0)
			return errbuf_set(err, errlen, "cannot read RLIMIT_NOFILE: %s", strerror(errno));
		if (nofile_target(&o->nofile, &st->nofile_now, &st->nofile_want, err, errlen) < 0)
			return -1;
		r = nofile_first_kept_above(o->audit ? &all : &p->keep, p->moves, p->n_moves,
					    st->nofile_want.rlim_cur, &bad_fd);
		fd_set_free(&all);
		if (r < 0)
			return errbuf_set(err, errlen, "--nofile: cannot look for kept descriptors: %s",
				    strerror(-r));
		if (bad_fd >= 0)
			return errbuf_set(err, errlen,
				    "invalid --nofile '%s': descriptor %d is %s and not below the soft limit %llu",
				    o->nofile.arg, bad_fd,
				    o->audit ? "left open by --audit" : "kept for COMMAND",
				    (unsigned long long)st->nofile_want.rlim_cur);
	}
	if ((r = blocking_check(&o->blocking, &p->keep, p->moves, p->n_moves, moved, &bad_fd)) == BLOCKING_NOT_KEPT)
		return errbuf_set(err, errlen, "descriptor %d (--blocking) is not kept for COMMAND", bad_fd);
	if (r == -EBADF)
		return errbuf_set(err, errlen, "descriptor %d (--blocking) is not open", bad_fd);
	if (r < 0)
		return errbuf_set(err, errlen, "cannot read the flags of descriptor %d (--blocking): %s",
			    bad_fd, strerror(-r));
	return 0;
}

int prepare_list(FILE *out, const struct options *o, const struct plan *p,
		 const struct prepare *st)
{
	int r;

	if (o->nofile.arg) {
		fputs("RLIMIT_NOFILE\tset\t", out);
		nofile_print(out, &st->nofile_now);
		fputs(" -> ", out);
		nofile_print(out, &st->nofile_want);
		fputc('\n', out);
	}
	if ((r = blocking_list(out, &o->blocking, p->moves, p->n_moves)) < 0)
		return r;
	if ((r = nullfds_list(out, &o->null_fds)) < 0)
		return r;
	return fflush(out) == EOF || ferror(out) ? -EIO : 0;
}

int prepare_apply(const struct options *o, const struct plan *p, struct prepare *st, char *err,
		  size_t errlen)
{
	int r, bad_fd;

	if (prepare_check(o, p, true, st, err, errlen) < 0)
		return -1;
	/* Before --nofile: opening /dev/null needs a slot below the soft limit. */
	if ((r = nullfds_apply(&o->null_fds, o->verbose ? stderr : NULL, &bad_fd)) < 0)
		return errbuf_set(err, errlen, "cannot reopen descriptor %d on /dev/null (--null): %s",
				  bad_fd, strerror(-r));
	if (o->nofile.arg && setrlimit(RLIMIT_NOFILE, &st->nofile_want) < 0) {
		int e = errno;
		return errbuf_set(err, errlen, "cannot set --nofile '%s' (%llu:%llu)%s: %s", o->nofile.arg,
			    (unsigned long long)st->nofile_want.rlim_cur,
			    (unsigned long long)st->nofile_want.rlim_max,
			    st->nofile_want.rlim_max > st->nofile_now.rlim_max ? ", above the hard limit" : "",
			    strerror(e));
	}
	if (o->nofile.arg && o->verbose) {
		fputs("closefds: RLIMIT_NOFILE ", stderr);
		nofile_print(stderr, &st->nofile_now);
		fputs(" -> ", stderr);
		nofile_print(stderr, &st->nofile_want);
		fputc('\n', stderr);
	}
	if ((r = blocking_apply(&o->blocking, o->verbose ? stderr : NULL, &st->cleared, &bad_fd)) < 0)
		return errbuf_set(err, errlen, "cannot clear O_NONBLOCK on descriptor %d: %s", bad_fd,
			    strerror(-r));
	return 0;
}

void prepare_undo(struct prepare *st)
{
	blocking_undo(&st->cleared);
}
