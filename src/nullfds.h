/* nullfds.h: --null=LIST, standard descriptors reopened on /dev/null for
 * COMMAND (a daemon started from a script should not hold the script's
 * terminal or pipe).  Parsing is pure; the change is not. */
#ifndef CLOSEFDS_NULLFDS_H
#define CLOSEFDS_NULLFDS_H

#include <stddef.h>
#include <stdio.h>

#include "fdset.h"

/* Add the descriptors of LIST (comma-separated, each 0, 1 or 2) to fds.
 * Returns 0, or -1 (a usage error) or -ENOMEM with a message in err. */
int nullfds_parse(const char *arg, struct fd_set_ranges *fds, char *err, size_t errlen);

/* How each is opened: 0 read-only, 1 and 2 write-only, as the shell's
 * `</dev/null` and `>/dev/null` do: a program that writes to its standard
 * input or reads its standard output gets EBADF, as from the terminal's
 * read-only or write-only use. */
int nullfds_flags(int fd);
const char *nullfds_mode(int fd); /* "read-only", "write-only" */

/* --list: one line per descriptor, "N\tnull\t/dev/null, MODE".  0 or -errno. */
int nullfds_list(FILE *out, const struct fd_set_ranges *fds);

/* Reopen each on /dev/null (inheritable).  With verbose, say so on it.
 * Returns 0 or -errno with *bad_fd set. */
int nullfds_apply(const struct fd_set_ranges *fds, FILE *verbose, int *bad_fd);

#endif
