/* listen_select.c: --listen-fds=NAME[,NAME]... (listen_select.h).  The
 * chosen descriptors become --listen-fd moves onto 3, 4, ... in the plan,
 * which sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES to match them; the
 * ones not chosen are closed like any other. */
#include "config.h"
#include "listen_select.h"

#include "errbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"

/* Selecting more than this many is refused: LISTEN_FDS may claim up to
 * INT_MAX descriptors, and each chosen one costs memory here. */
#define LISTEN_SELECT_MAX 65536

/* The item of a list separated by sep that starts at *s: *len is its length
 * (up to sep or the end).  False when *s is NULL: the list is over. */
static bool next_item(const char **s, size_t *len, char sep)
{
	if (!*s)
		return false;
	const char *end = strchr(*s, sep);
	*len = end ? (size_t)(end - *s) : strlen(*s);
	return true;
}

static bool name_in_list(const char *arg, size_t upto, const char *name, size_t len)
{
	const char *s = arg;
	size_t l;

	while ((size_t)(s - arg) < upto && next_item(&s, &l, ',')) {
		if (l == len && memcmp(s, name, len) == 0)
			return true;
		s = s[l] ? s + l + 1 : NULL;
		if (!s)
			break;
	}
	return false;
}

int listen_select_parse(const char *arg, char *err, size_t errlen)
{
	const char *s = arg; /* NULL (plain --listen-fds): nothing to check */
	size_t len;

	while (next_item(&s, &len, ',')) {
		if (len == 0)
			return errbuf_set(err, errlen, "invalid --listen-fds list '%s': empty name", arg);
		if (!listen_name_valid(s, len))
			return errbuf_set(err, errlen,
					  "invalid --listen-fds list '%s': '%.*s': a name is at most 255 printable ASCII characters, no ':'",
					  arg, (int)len, s);
		if (name_in_list(arg, (size_t)(s - arg), s, len))
			return errbuf_set(err, errlen, "invalid --listen-fds list '%s': '%.*s' is named twice",
					  arg, (int)len, s);
		s = s[len] ? s + len + 1 : NULL;
	}
	return 0;
}

/* The number of ':'-separated fields of fdnames. */
static size_t count_fields(const char *fdnames)
{
	size_t n = 1;

	for (const char *c = fdnames; *c; c++)
		n += *c == ':';
	return n;
}

int listen_select(const char *names, const char *pid_s, const char *fds_s, const char *fdnames,
		  pid_t self, struct listen_fd **out, size_t *n, char *err, size_t errlen)
{
	static const char unknown[] = "unknown";
	struct listen_fd *v = NULL;
	size_t cap = 0;
	int count;

	*out = NULL;
	*n = 0;
	if (listen_env_parse(pid_s, fds_s, self, &count, err, errlen) < 0)
		return -1;
	if (fdnames && count > 0 && count_fields(fdnames) != (size_t)count)
		return errbuf_set(err, errlen,
				  "--listen-fds=%s: LISTEN_FDNAMES '%s' does not have LISTEN_FDS=%d names",
				  names, fdnames, count);
	const char *s = names;
	size_t len;
	while (next_item(&s, &len, ',')) {
		size_t before = *n;
		const char *f = fdnames;
		/* Without LISTEN_FDNAMES every name is "unknown": no other name
		 * can match, so a huge LISTEN_FDS costs no loop. */
		int fields = fdnames || (len == strlen(unknown) && memcmp(s, unknown, len) == 0) ? count : 0;
		for (int i = 0; i < fields; i++) {
			const char *field = fdnames ? f : unknown;
			size_t flen = fdnames ? strcspn(f, ":") : strlen(unknown);
			if (fdnames)
				f += flen + (f[flen] == ':');
			if (flen != len || memcmp(field, s, len) != 0)
				continue;
			if (*n == LISTEN_SELECT_MAX) {
				free(v);
				*n = 0;
				return errbuf_set(err, errlen, "--listen-fds=%s: more than %d descriptors",
						  names, LISTEN_SELECT_MAX);
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 4;
				struct listen_fd *nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					*n = 0;
					return errbuf_nomem(err, errlen);
				}
				v = nv;
			}
			v[(*n)++] = (struct listen_fd){ .fd = LISTEN_FDS_START + i, .name = field,
							.name_len = flen };
		}
		if (*n == before) {
			free(v);
			*n = 0;
			if (count == 0)
				return errbuf_set(err, errlen,
						  "--listen-fds=%s: no descriptor named '%.*s': no socket-activation descriptors were passed to this process (LISTEN_PID, LISTEN_FDS)",
						  names, (int)len, s);
			if (!fdnames)
				return errbuf_set(err, errlen,
						  "--listen-fds=%s: no descriptor named '%.*s' (LISTEN_FDNAMES is not set: all %d are 'unknown')",
						  names, (int)len, s, count);
			return errbuf_set(err, errlen,
					  "--listen-fds=%s: no descriptor named '%.*s' in LISTEN_FDNAMES '%s'",
					  names, (int)len, s, fdnames);
		}
		s = s[len] ? s + len + 1 : NULL;
	}
	*out = v;
	return 0;
}
