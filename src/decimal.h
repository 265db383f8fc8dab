/* decimal.h: the one strict decimal parser for descriptor numbers, pids
 * and counts, shared by the command line (options.c) and the environment
 * (activation.c), and its inverse for /proc paths.  Pure. */
#ifndef CLOSEFDS_DECIMAL_H
#define CLOSEFDS_DECIMAL_H

#include <stddef.h>

/* s[0..len) as a number 0..INT_MAX: decimal digits only, no sign, no
 * spaces, no base prefix.  Returns 0, -EINVAL (empty, or not digits) or
 * -ERANGE (above INT_MAX); *out is set only on success. */
int parse_fd_number(const char *s, size_t len, int *out);

/* v (0..INT_MAX) in decimal, NUL-terminated, into buf (at least
 * DECIMAL_INT_SIZE bytes); returns the length.  snprintf is not
 * async-signal-safe: libclosefds formats its numbers with this. */
#define DECIMAL_INT_SIZE 12
size_t format_fd_number(int v, char *buf);

#endif
