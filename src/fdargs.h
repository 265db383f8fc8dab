/* fdargs.h: descriptors that COMMAND's arguments name by path
 * (/dev/fd/N, /proc/self/fd/N, /proc/PID/fd/N of this process), as
 * process substitution does: `diff <(sort a) <(sort b)` runs
 * `diff /dev/fd/63 /dev/fd/62`.  Pure: no system calls. */
#ifndef CLOSEFDS_FDARGS_H
#define CLOSEFDS_FDARGS_H

#include <stddef.h>
#include <sys/types.h>

/* A descriptor named by argument `argi` of COMMAND (argv[argi], argi >= 1). */
struct fd_arg {
	int fd;
	int argi;
	const char *arg;
};

/* Whether `arg` names a descriptor of process `self` by path.  Counted
 * forms, each with the path ending at N:
 *   PATH              the whole argument
 *   KEY=PATH          KEY a non-empty run of letters, digits, '-' and '_'
 *                     (--file=PATH, if=PATH, VAR=PATH)
 *   -XPATH            one dash and one letter or digit (-fPATH)
 * where PATH is /dev/fd/N, /proc/self/fd/N or /proc/PID/fd/N with PID the
 * decimal `self`, and N is decimal without a leading zero ("0" itself is
 * fine): procfs resolves only that spelling (fs/proc name_to_int), so
 * /dev/fd/063 names no descriptor.  Returns 1 with *fd set, or 0. */
int fdarg_parse(const char *arg, pid_t self, int *fd);

/* Every descriptor above 2 that argv[1..] (NULL-terminated) names, in
 * argument order (a descriptor named twice is there twice).  *out is NULL
 * when there are none.  Returns the count, or -ENOMEM. */
int fdargs_collect(char *const *argv, pid_t self, struct fd_arg **out);

#endif
