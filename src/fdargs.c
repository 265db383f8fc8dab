/* fdargs.c: descriptors named by path in COMMAND's arguments (fdargs.h).
 *
 * Why keep them: bash and zsh process substitution `<(...)` and `>(...)`
 * put a pipe on a descriptor (63, 62, ... in bash; 11, 12, ... in zsh) and
 * pass its path /dev/fd/N as an argument.  The command opens that path, so
 * closing N turns the substitution into "No such file or directory".  The
 * path names a descriptor of this very process (exec keeps the pid, and
 * /dev/fd is /proc/self/fd), which the caller holds and put on COMMAND's
 * command line: a request to hand it over, as -k N would be. */
#include "config.h"
#include "fdargs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* s[0..len) as a descriptor number, spelled as procfs spells it: digits,
 * no leading zero but for "0", at most INT_MAX. */
static bool canonical_number(const char *s, size_t len, int *out)
{
	long long v = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* If s starts with prefix: the rest, else NULL. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* A whole path naming a descriptor of self. */
static bool fd_path(const char *s, pid_t self, int *fd)
{
	const char *rest;

	if ((rest = after(s, "/dev/fd/")) || (rest = after(s, "/proc/self/fd/")))
		return canonical_number(rest, strlen(rest), fd);
	if (!(rest = after(s, "/proc/")))
		return false;
	const char *slash = strchr(rest, '/');
	int pid;
	if (!slash || !canonical_number(rest, (size_t)(slash - rest), &pid) || pid != self ||
	    !(rest = after(slash, "/fd/")))
		return false;
	return canonical_number(rest, strlen(rest), fd);
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int fdarg_parse(const char *arg, pid_t self, int *fd)
{
	if (fd_path(arg, self, fd))
		return 1;
	/* -XPATH: a short option with its value attached. */
	if (arg[0] == '-' && arg[1] && arg[1] != '-' && is_key_char(arg[1]) && arg[2] == '/' &&
	    fd_path(arg + 2, self, fd))
		return 1;
	/* KEY=PATH: the value of --opt=, dd's if=, a make variable. */
	size_t k = 0;
	while (is_key_char(arg[k]))
		k++;
	if (k > 0 && arg[k] == '=' && fd_path(arg + k + 1, self, fd))
		return 1;
	return 0;
}

int fdargs_collect(char *const *argv, pid_t self, struct fd_arg **out)
{
	struct fd_arg *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	for (int i = 1; argv[0] && argv[i]; i++) {
		int fd;
		if (!fdarg_parse(argv[i], self, &fd) || fd <= 2)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct fd_arg *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = (struct fd_arg){ .fd = fd, .argi = i, .arg = argv[i] };
	}
	if (n > INT_MAX) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	return (int)n;
}
