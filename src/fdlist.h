/* fdlist.h: --list, the dry run, and --audit. */
#ifndef CLOSEFDS_FDLIST_H
#define CLOSEFDS_FDLIST_H

#include <stdio.h>

#include "plan.h"

/* Print a header and one line per open descriptor (and per --pass-fd
 * target): number, action (keep, close, pass), what it is; then one line
 * per change to the environment ("-", "env", what).  0 or -errno (the
 * output's own error, a full device say, included). */
int fdlist_print(FILE *out, const struct plan *p);

/* --audit: one line on out per open descriptor not kept, "closefds: audit:
 * would close N WHAT", and one per change the environment would need
 * ("closefds: audit: would unset ...").  0 or -errno. */
int fdlist_audit(FILE *out, const struct plan *p);

/* What fd is: its link in dir (/proc/self/fd from procfs_open_fd_dir(),
 * control characters escaped) when dir >= 0, else type and device:inode. */
void fd_describe(FILE *out, int fd, int dir);

#endif
