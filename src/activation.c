/* activation.c: parsing LISTEN_PID, LISTEN_FDS and MAKEFLAGS.
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
 * unavailable: using -j1". */
#include "config.h"
#include "activation.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

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

int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen)
{
	const char *val = NULL, *p = makeflags;
	size_t vlen = 0;

	if (!makeflags)
		return 0;
	/* Words are separated by blanks; the last jobserver word counts, as
	 * for make itself. */
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t len = (size_t)(p - word);
		if (len == 0)
			break;
		const char *v;
		size_t vl;
		if (word_value(word, len, "--jobserver-auth=", &v, &vl) ||
		    word_value(word, len, "--jobserver-fds=", &v, &vl)) {
			val = v;
			vlen = vl;
		}
	}
	/* fifo:PATH needs no descriptor; make itself parses R,W with "%d,%d",
	 * and a negative number is no descriptor to keep. */
	if (!val || (vlen >= 5 && memcmp(val, "fifo:", 5) == 0) || (vlen > 0 && val[0] == '-'))
		return 0;
	const char *comma = memchr(val, ',', vlen);
	if (!comma || parse_fd_number(val, (size_t)(comma - val), r) < 0 ||
	    parse_fd_number(comma + 1, vlen - (size_t)(comma - val) - 1, w) < 0) {
		snprintf(err, errlen, "--keep-jobserver: invalid jobserver in MAKEFLAGS: '%.*s'",
			 (int)vlen, val);
		return -1;
	}
	return 1;
}
