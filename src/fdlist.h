/* fdlist.h: --list, the dry run. */
#ifndef CLOSEFDS_FDLIST_H
#define CLOSEFDS_FDLIST_H

#include <stdio.h>

#include "plan.h"

/* Print a header and one line per open descriptor (and per --pass-fd
 * target): number, action (keep, close, pass), what it is.  0 or -errno. */
int fdlist_print(FILE *out, const struct plan *p);

#endif
