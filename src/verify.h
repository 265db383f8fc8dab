/* verify.h: --verify, an independent check of the sanitized table. */
#ifndef CLOSEFDS_VERIFY_H
#define CLOSEFDS_VERIFY_H

#include <stdio.h>

#include "plan.h"

/* After sanitizing: every descriptor that will reach COMMAND (open and not
 * close-on-exec) must be in the plan's keep set, and every descriptor the
 * plan requires (0-2, --keep-fd singles, --pass-fd and --listen-fd
 * targets, --listen-fds) must be open and inheritable.  Prints one line on
 * out per problem and returns how many there were, or -errno if the check
 * could not run. */
int verify_table(const struct plan *p, FILE *out);

#endif
