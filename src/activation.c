/* activation.c: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and MAKEFLAGS, read
 * and written.
 *
 * Socket activation (sd_listen_fds(3)): the service manager passes
 * descriptors 3 .. 3+LISTEN_FDS-1 and sets LISTEN_PID to the pid that
 * should use them; execve keeps the pid, so the values stay right for
 * COMMAND.  A LISTEN_PID of another process means the variables were
 * inherited by accident: nothing is ours.
 *
 * The GNU make jobserver: make 4.3 puts --jobserver-auth=R,W (older makes
 * --jobserver-fds=R,W) in MAKEFLAGS, R and W being the two ends of a pipe;
 * make 4.4 may use --jobserver-auth=fifo:PATH instead, which needs no
 * descriptor.  When the pipe is closed, sub-makes warn "jobserver
 * unavailable: using -j1".
 *
 * Both name descriptors by number, and exec keeps the pid, so after closefds
 * closed or moved one, COMMAND would still read "LISTEN_PID is me, a socket
 * at 3", and the first file it opens would become "the socket"
 * (systemd/systemd#36899); a jobserver client would read and write an
 * unrelated file (rust-lang/jobserver-rs#27).  So the variables are made to
 * match what COMMAND gets: the LISTEN_* variables go, as sd_listen_fds(1)
 * unsets them once it has taken the sockets; the jobserver is withheld the
 * way make 4.4 withholds it from a child it does not hand the pipe to
 * (--jobserver-auth=-2,-2), rather than removed as debhelper does: removing
 * the item would leave a -jN that makes a sub-make start a jobserver of its
 * own with N slots, overcommitting the machine; with -2,-2 it runs -j1, as
 * make intends for such a child. */
#include "config.h"
#include "activation.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

int listen_env_parse(const char *pid_s, const char *fds_s, pid_t self, int *count, char *err,
		     size_t errlen)
{
	int pid, n;

	*count = 0;
	if (!pid_s || !fds_s)
		return 0;
	if (parse_fd_number(pid_s, strlen(pid_s), &pid) < 0 || pid == 0) {
		snprintf(err, errlen, "--listen-fds: invalid LISTEN_PID '%s'", pid_s);
		return -1;
	}
	if (pid != self)
		return 0;
	if (parse_fd_number(fds_s, strlen(fds_s), &n) < 0 || n > INT_MAX - LISTEN_FDS_START + 1) {
		snprintf(err, errlen, "--listen-fds: invalid LISTEN_FDS '%s'", fds_s);
		return -1;
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

/* If word[0..len) starts with key: its value. */
static bool word_value(const char *word, size_t len, const char *key, const char **val,
		       size_t *vlen)
{
	size_t klen = strlen(key);

	if (len < klen || memcmp(word, key, klen) != 0)
		return false;
	*val = word + klen;
	*vlen = len - klen;
	return true;
}

/* The last --jobserver-auth= or --jobserver-fds= word of MAKEFLAGS: its key
 * and value.  False when there is none.  Words are separated by blanks; the
 * last jobserver word counts, as for make itself.  A "--" word ends the
 * options: make puts the command-line variables after it ("-j4
 * --jobserver-auth=3,4 -- V=1"), and takes nothing after it for an option. */
static bool last_jobserver_word(const char *makeflags, const char **key, const char **val,
				size_t *vlen)
{
	static const char *const keys[] = { "--jobserver-auth=", "--jobserver-fds=" };
	const char *p = makeflags;

	*val = NULL;
	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t len = (size_t)(p - word);
		if (len == 2 && memcmp(word, "--", 2) == 0)
			break;
		for (size_t i = 0; len > 0 && i < 2; i++)
			if (word_value(word, len, keys[i], val, vlen))
				*key = keys[i];
	}
	return *val != NULL;
}

/* 1 with *r, *w for a pipe "R,W"; 0 for no descriptor (fifo:PATH, or
 * negative numbers: make parses "%d,%d" and -2,-2 means "withheld"); -1
 * when malformed. */
static int jobserver_fds(const char *val, size_t vlen, int *r, int *w)
{
	if ((vlen >= 5 && memcmp(val, "fifo:", 5) == 0) || (vlen > 0 && val[0] == '-'))
		return 0;
	const char *comma = memchr(val, ',', vlen);
	if (!comma || parse_fd_number(val, (size_t)(comma - val), r) < 0 ||
	    parse_fd_number(comma + 1, vlen - (size_t)(comma - val) - 1, w) < 0)
		return -1;
	return 1;
}

int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen)
{
	const char *key, *val;
	size_t vlen;

	if (!last_jobserver_word(makeflags, &key, &val, &vlen))
		return 0;
	int found = jobserver_fds(val, vlen, r, w);
	if (found < 0)
		snprintf(err, errlen, "--keep-jobserver: invalid jobserver in MAKEFLAGS: '%.*s'",
			 (int)vlen, val);
	return found;
}

/* Whether fd reaches COMMAND as it is: kept, and not known to be closed. */
static bool reaches(int fd, const struct fd_set_ranges *unchanged, int (*fd_open)(int fd))
{
	return fd_set_contains(unchanged, fd) && (!fd_open || fd_open(fd) != 0);
}

int jobserver_withhold(const char *makeflags, const struct fd_set_ranges *unchanged,
		       int (*fd_open)(int fd), char **out, int *bad_fd)
{
	const char *key, *val;
	size_t vlen;
	int r, w;

	*out = NULL;
	if (!last_jobserver_word(makeflags, &key, &val, &vlen) ||
	    jobserver_fds(val, vlen, &r, &w) <= 0)
		return 0;
	bool r_ok = reaches(r, unchanged, fd_open);
	if (r_ok && reaches(w, unchanged, fd_open))
		return 0;
	*bad_fd = r_ok ? w : r;
	/* Right after the word found, before a "--" and the variables that
	 * follow it, where make would not read it as an option. */
	size_t at = (size_t)(val + vlen - makeflags);
	if (at > INT_MAX ||
	    asprintf(out, "%.*s %s-2,-2%s", (int)at, makeflags, key, makeflags + at) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 1;
}

int listen_env_stale(const char *pid_s, const char *fds_s, pid_t self,
		     const struct fd_set_ranges *unchanged, int *bad_fd)
{
	int pid, n;

	if (!pid_s || parse_fd_number(pid_s, strlen(pid_s), &pid) < 0 || pid != self)
		return 0; /* not ours: sd_listen_fds() ignores them too */
	if (!fds_s || parse_fd_number(fds_s, strlen(fds_s), &n) < 0 ||
	    n > INT_MAX - LISTEN_FDS_START + 1) {
		*bad_fd = -1;
		return 1;
	}
	/* The first number from 3 on that is not in the set, by its ranges: a
	 * loop over LISTEN_FDS numbers would take seconds for a value near
	 * INT_MAX and -k 3-2147483647. */
	struct fd_gap_iter it;
	struct fd_gap gap;
	fd_gap_iter_init(&it, unchanged, LISTEN_FDS_START);
	if (n > 0 && fd_gap_next(&it, unchanged, &gap) &&
	    gap.lo <= (unsigned)(LISTEN_FDS_START + n - 1)) {
		*bad_fd = (int)gap.lo;
		return 1;
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
	for (size_t i = 0; i < 3; i++) {
		if (c->unset_listen && unsetenv(listen_names[i]) < 0)
			return -errno;
		if (c->listen_env[i] && setenv(listen_names[i], c->listen_env[i], 1) < 0)
			return -errno;
	}
	for (size_t i = 0; i < 3; i++)
		if (c->makeflags[i] && setenv(jobserver_vars[i], c->makeflags[i], 1) < 0)
			return -errno;
	return 0;
}

void env_change_print(FILE *out, const struct env_change *c, const char *prefix)
{
	if (c->unset_listen && c->listen_bad_fd < 0)
		fprintf(out, "%sunset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES (LISTEN_FDS is not a number)\n",
			prefix);
	else if (c->unset_listen)
		fprintf(out, "%sunset LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES (descriptor %d does not reach COMMAND as it is)\n",
			prefix, c->listen_bad_fd);
	if (c->listen_env[0])
		fprintf(out, "%sset LISTEN_FDS=%s LISTEN_PID=%s LISTEN_FDNAMES=%s\n", prefix,
			c->listen_env[0], c->listen_env[1], c->listen_env[2]);
	for (size_t i = 0; i < 3; i++)
		if (c->makeflags[i])
			fprintf(out, "%sset %s='%s' (jobserver descriptor %d does not reach COMMAND)\n",
				prefix, jobserver_vars[i], c->makeflags[i], c->jobserver_bad_fd[i]);
}
