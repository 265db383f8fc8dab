/* errbuf.h: error messages for main() to print, written into the caller's
 * buffer by the pure parts (parsing, planning, the last checks). */
#ifndef CLOSEFDS_ERRBUF_H
#define CLOSEFDS_ERRBUF_H

#include <stddef.h>

/* Format the message (without "closefds: ") into err; returns -1, a usage
 * error. */
__attribute__((format(printf, 3, 4)))
int errbuf_set(char *err, size_t errlen, const char *fmt, ...);

/* "out of memory"; returns -ENOMEM: not the user's fault, so main() gives
 * no usage hint. */
int errbuf_nomem(char *err, size_t errlen);

#endif
