/* fdcheck.h: the descriptors that must be open before anything else
 * happens: 0, 1 and 2 (repaired), and every one the plan names. */
#ifndef CLOSEFDS_FDCHECK_H
#define CLOSEFDS_FDCHECK_H

#include "plan.h"

/* Reopen any of 0, 1, 2 that is closed on /dev/null, so that nothing opened
 * later (by closefds or COMMAND) becomes a standard stream.  0 or -errno. */
int stdio_repair(void);

/* Every --keep-fd single and --pass-fd source must be open.  Returns 0, or
 * -EBADF (not open) or -errno (cannot tell) with *bad_fd and *bad_option
 * ("--keep-fd", "--pass-fd", ...) set. */
int plan_check_open(const struct plan *p, int *bad_fd, const char **bad_option);

#endif
