/* activation.c: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PIDFDID and
 * the jobserver variables, read and written.
 *
 * Socket activation (sd_listen_fds(3)): the service manager passes
 * descriptors 3 .. 3+LISTEN_FDS-1 and sets LISTEN_PID to the pid that
 * should use them (systemd 258 adds LISTEN_PIDFDID, the inode number of
 * that process's pidfd, checked too by its own libsystemd); execve keeps
 * the pid, so the values stay right for COMMAND.  A LISTEN_PID of another
 * process means the variables were inherited by accident: nothing is ours.
 *
 * The GNU make jobserver: make 4.3 puts --jobserver-auth=R,W (older makes
 * --jobserver-fds=R,W) in MAKEFLAGS, R and W being the two ends of a pipe;
 * make 4.4 may use --jobserver-auth=fifo:PATH instead, which needs no
 * descriptor.  cargo's jobserver crate reads the same from CARGO_MAKEFLAGS,
 * MAKEFLAGS or MFLAGS.
 *
 * Both name descriptors by number, and exec keeps the pid, so after closefds
 * closed or moved one, COMMAND would still read "LISTEN_PID is me, a socket
 * at 3", and the first file it opens would become "the socket"
 * (systemd/systemd#36899); a jobserver client would read and write an
 * unrelated file (rust-lang/jobserver-rs#27).  So the variables are made to
 * match what COMMAND gets, judged by every reader's own rules (readers.c):
 * the LISTEN_* variables go, as sd_listen_fds(1) unsets them once it has
 * taken the sockets; the jobserver is withheld the way make 4.4 withholds
 * it from a child it does not hand the pipe to (-2,-2), in place, rather
 * than removed as debhelper does: removing the item would leave a -jN that
 * makes a sub-make start a jobserver of its own with N slots, overcommitting
 * the machine; with -2,-2 it runs -j1, as make intends for such a child.
 * Where no rewrite satisfies every reader, the variable goes: removing one
 * is always safe. */
#include "config.h"
#include "activation.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "readers.h"

int listen_env_parse(const char *pid_s, const char *fds_s, pid_t self, int *count, char *err,
		     size_t errlen)
{
	int n;

	*count = 0;
	if (!pid_s || !fds_s)
		return 0;
	switch (listen_pid_read(pid_s, self)) {
	case LISTEN_PID_MALFORMED:
		return errbuf_set(err, errlen, "--listen-fds: invalid LISTEN_PID '%s' (sd_listen_fds() refuses it)",
			 pid_s);
	case LISTEN_PID_OTHER:
		return 0;
	case LISTEN_PID_OURS:
		break;
	}
	if (listen_fds_read(fds_s, &n) < 0 || n > LISTEN_FDS_MAX) {
		return errbuf_set(err, errlen, "--listen-fds: invalid LISTEN_FDS '%s' (sd_listen_fds() takes 1 to %d)",
			 fds_s, LISTEN_FDS_MAX);
	}
	*count = n;
	return 0;
}

bool listen_name_valid(const char *name, size_t len)
{
	if (len > FDNAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c >= 0x7f || c == ':')
			return false;
	}
	return true;
}

int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen)
{
	struct jobserver_reading rd;

	if (!jobserver_make_reading(makeflags, &rd))
		return 0;
	switch (rd.kind) {
	case JOBSERVER_PIPE:
		*r = rd.r;
		*w = rd.w;
		return 1;
	case JOBSERVER_MALFORMED:
		return errbuf_set(err, errlen, "--keep-jobserver: invalid jobserver in MAKEFLAGS: '%.*s'",
			 (int)(rd.end - rd.start), makeflags + rd.start);
	case JOBSERVER_NONE:
	case JOBSERVER_UNKNOWN:
		break;
	}
	return 0;
}

/* Whether fd reaches COMMAND as it is: kept, and not known to be closed. */
static bool reaches(int fd, const struct fd_set_ranges *unchanged, int (*fd_open)(int fd))
{
	return fd_set_contains(unchanged, fd) && (!fd_open || fd_open(fd) != 0);
}

struct judge {
	const struct fd_set_ranges *unchanged;
	int (*fd_open)(int fd);
	int bad_fd;
	size_t start, end; /* the value to rewrite; start == end: none */
};

/* Stops (1) at the first reading that takes a descriptor that does not
 * reach COMMAND, or one closefds cannot tell. */
static int judge_reading(const struct jobserver_reading *rd, void *ctx)
{
	struct judge *j = ctx;

	bool r_ok = rd->kind == JOBSERVER_PIPE && reaches(rd->r, j->unchanged, j->fd_open);
	bool w_ok = rd->kind == JOBSERVER_PIPE && reaches(rd->w, j->unchanged, j->fd_open);

	if (rd->kind == JOBSERVER_UNKNOWN)
		j->bad_fd = ENV_BAD_MALFORMED;
	else if (rd->kind != JOBSERVER_PIPE || (r_ok && w_ok))
		return 0;
	else
		j->bad_fd = r_ok ? rd->w : rd->r;
	j->start = rd->start;
	j->end = rd->end;
	return 1;
}

/* Rewrites after which the variable is unset instead: each one withholds
 * one value, and a variable needs one per reader at most (make may take
 * several of its options, hence more than three). */
#define WITHHOLD_ROUNDS 16

int jobserver_withhold(const char *value, const struct fd_set_ranges *unchanged,
		       int (*fd_open)(int fd), char **out, int *bad_fd)
{
	static const char withheld[] = "-2,-2";
	const char *v = value;
	char *cur = NULL;

	*out = NULL;
	for (int round = 0; v; round++) {
		struct judge j = { .unchanged = unchanged, .fd_open = fd_open };
		if (jobserver_readings(v, judge_reading, &j) == 0)
			break;
		if (round == 0)
			*bad_fd = j.bad_fd;
		if (round == WITHHOLD_ROUNDS || j.start >= j.end) {
			free(cur);
			return 2;
		}
		size_t len = strlen(v), tail = len - j.end;
		char *next = malloc(j.start + sizeof(withheld) + tail);
		if (!next) {
			free(cur);
			return -ENOMEM;
		}
		memcpy(next, v, j.start);
		memcpy(next + j.start, withheld, sizeof(withheld) - 1);
		memcpy(next + j.start + sizeof(withheld) - 1, v + j.end, tail + 1);
		free(cur);
		v = cur = next;
	}
	*out = cur;
	return cur ? 1 : 0;
}

static int takes_fd(const struct jobserver_reading *rd, void *ctx)
{
	(void)ctx;
	return rd->kind == JOBSERVER_PIPE || rd->kind == JOBSERVER_UNKNOWN;
}

bool jobserver_names_fd(const char *value)
{
	return jobserver_readings(value, takes_fd, NULL) != 0;
}

int listen_env_stale(const char *pid_s, const char *fds_s, pid_t self,
		     const struct fd_set_ranges *unchanged, int (*fd_open)(int fd), int *bad_fd)
{
	int n;

	if (!pid_s || listen_pid_read(pid_s, self) != LISTEN_PID_OURS)
		return 0; /* not ours: sd_listen_fds() ignores them too */
	if (!fds_s || listen_fds_read(fds_s, &n) < 0) {
		*bad_fd = ENV_BAD_MALFORMED;
		return 1;
	}
	if (n == 0)
		return 0;
	/* The first number from 3 on that is not in the set, by its ranges: a
	 * loop over LISTEN_FDS numbers would take seconds for a value near
	 * INT_MAX and -k 3-2147483647. */
	long long last = (long long)LISTEN_FDS_START + n - 1;
	struct fd_gap_iter it;
	struct fd_gap gap;
	fd_gap_iter_init(&it, unchanged, LISTEN_FDS_START);
	if (fd_gap_next(&it, unchanged, &gap) && gap.lo <= (unsigned long long)last) {
		*bad_fd = (int)gap.lo;
		return 1;
	}
	/* Kept, but open?  (-k of a range keeps what is open in it.)  The first
	 * closed one is at most the size of the table: this loop is short. */
	for (long long fd = LISTEN_FDS_START; fd_open && fd <= last; fd++) {
		int state = fd_open((int)fd);
		if (state == 0) {
			*bad_fd = (int)fd;
			return 1;
		}
		if (state < 0)
			break; /* cannot tell: the set said kept */
	}
	return 0;
}

void env_change_free(struct env_change *c)
{
	for (size_t i = 0; i < 3; i++)
		free(c->listen_env[i]);
	for (size_t i = 0; i < 3; i++)
		free(c->makeflags[i]);
	*c = (struct env_change){ .listen_bad_fd = -1, .jobserver_bad_fd = { -1, -1, -1 } };
}

const char *const jobserver_vars[3] = { "MAKEFLAGS", "CARGO_MAKEFLAGS", "MFLAGS" };

static const char *const listen_names[3] = { "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" };

int env_change_apply(const struct env_change *c)
{
	if ((c->unset_listen || c->unset_pidfdid) && unsetenv("LISTEN_PIDFDID") < 0)
		return -errno;
	for (size_t i = 0; i < 3; i++) {
		if (c->unset_listen && unsetenv(listen_names[i]) < 0)
			return -errno;
		if (c->listen_env[i] && setenv(listen_names[i], c->listen_env[i], 1) < 0)
			return -errno;
	}
	for (size_t i = 0; i < 3; i++) {
		if (c->unset_jobserver[i] && unsetenv(jobserver_vars[i]) < 0)
			return -errno;
		if (c->makeflags[i] && setenv(jobserver_vars[i], c->makeflags[i], 1) < 0)
			return -errno;
	}
	return 0;
}

static void print_jobserver_reason(FILE *out, int bad_fd)
{
	if (bad_fd == ENV_BAD_SECURE)
		fputs(" (it names a jobserver descriptor, and closefds runs with raised privileges: AT_SECURE)\n",
		      out);
	else if (bad_fd == ENV_BAD_MALFORMED)
		fputs(" (a reader would take a jobserver descriptor closefds cannot tell)\n", out);
	else
		fprintf(out, " (jobserver descriptor %d does not reach COMMAND)\n", bad_fd);
}

void env_change_print(FILE *out, const struct env_change *c, const char *prefix)
{
	static const char listen_all[] = "LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PIDFDID";

	if (c->unset_listen && c->listen_bad_fd == ENV_BAD_SECURE)
		fprintf(out, "%sunset %s (closefds runs with raised privileges, AT_SECURE: it trusts none of them)\n",
			prefix, listen_all);
	else if (c->unset_listen && c->listen_bad_fd < 0)
		fprintf(out, "%sunset %s (LISTEN_FDS is malformed)\n", prefix, listen_all);
	else if (c->unset_listen)
		fprintf(out, "%sunset %s (descriptor %d does not reach COMMAND as it is)\n", prefix,
			listen_all, c->listen_bad_fd);
	if (c->listen_env[0])
		fprintf(out, "%sset LISTEN_FDS=%s LISTEN_PID=%s LISTEN_FDNAMES=%s\n", prefix,
			c->listen_env[0], c->listen_env[1], c->listen_env[2]);
	if (c->unset_pidfdid && !c->unset_listen)
		fprintf(out, "%sunset LISTEN_PIDFDID (LISTEN_PID is set anew)\n", prefix);
	for (size_t i = 0; i < 3; i++) {
		if (c->makeflags[i])
			fprintf(out, "%sset %s='%s'", prefix, jobserver_vars[i], c->makeflags[i]);
		else if (c->unset_jobserver[i])
			fprintf(out, "%sunset %s", prefix, jobserver_vars[i]);
		else
			continue;
		print_jobserver_reason(out, c->jobserver_bad_fd[i]);
	}
}
