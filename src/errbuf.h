/* errbuf.h: the one error convention.  The pure parts (parsing, planning,
 * the last checks) write their message into the caller's buffer and
 * return -1 (the user's mistake) or -ENOMEM; main() prints it as one line,
 * "closefds: MESSAGE", with control characters escaped. */
#ifndef CLOSEFDS_ERRBUF_H
#define CLOSEFDS_ERRBUF_H

#include <stddef.h>
#include <stdio.h>

/* The size of every error buffer. */
#define ERRBUF_SIZE 256

/* Format the message (without "closefds: ") into err; returns -1, a usage
 * error. */
__attribute__((format(printf, 3, 4)))
int errbuf_set(char *err, size_t errlen, const char *fmt, ...);

/* "out of memory"; returns -ENOMEM: not the user's fault, so main() gives
 * no usage hint. */
int errbuf_nomem(char *err, size_t errlen);

/* Write s with every control character (and DEL) escaped as \n, \t or
 * \xHH, so that text from the user or the file system (an argument with a
 * newline, a file name) can never add a line. */
void errbuf_put(FILE *out, const char *s);

#endif
