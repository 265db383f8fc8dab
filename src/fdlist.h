/* fdlist.h: --list, the dry run. */
#ifndef CLOSEFDS_FDLIST_H
#define CLOSEFDS_FDLIST_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

/* Print a header and one line per open descriptor (and per --pass-fd
 * target): number, action (keep, close, pass), what it is; then one line
 * per change to the environment ("-", "env", what).  0 or -errno. */
int fdlist_print(FILE *out, const struct plan *p);

/* --audit: one line on out per open descriptor not kept, "closefds: audit:
 * would close N WHAT", and one per change the environment would need
 * ("closefds: audit: would unset ...").  0 or -errno. */
int fdlist_audit(FILE *out, const struct plan *p);

/* What fd is: the /proc/self/fd link when have_proc, else type and
 * device:inode. */
void fd_describe(FILE *out, int fd, bool have_proc);

/* /proc/self/fd is there and on procfs. */
bool proc_fd_available(void);

#endif
