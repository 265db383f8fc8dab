/* blocking.h: --blocking[=LIST], clearing O_NONBLOCK on descriptors COMMAND
 * keeps.  Parsing is pure; the check and the change are not. */
#ifndef CLOSEFDS_BLOCKING_H
#define CLOSEFDS_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fdset.h"

#include "moves.h"

/* Add the descriptors of LIST (comma-separated decimal numbers) to fds;
 * arg NULL (--blocking alone) adds 0, 1 and 2.  Returns 0, or -1 (a usage
 * error) or -ENOMEM with a message in err. */
int blocking_parse(const char *arg, struct fd_set_ranges *fds, char *err, size_t errlen);

/* Every descriptor in fds must reach COMMAND: be kept by the plan and be
 * open.  Before the moves (moved false, for --list) a --pass-fd target is
 * looked up at its source.  Returns 0, BLOCKING_NOT_KEPT or -EBADF (not
 * open) or -errno, with *bad_fd set. */
#define BLOCKING_NOT_KEPT 1
int blocking_check(const struct fd_set_ranges *fds, const struct fd_set_ranges *keep,
		   const struct fd_move *moves, size_t n_moves, bool moved, int *bad_fd);

/* --list, before the moves: one line per descriptor, "N\tblocking\tO_NONBLOCK
 * set, cleared" or "N\tblocking\tO_NONBLOCK not set".  0 or -errno. */
int blocking_list(FILE *out, const struct fd_set_ranges *fds, const struct fd_move *moves,
		  size_t n_moves);

/* Clear O_NONBLOCK on each descriptor, leaving every other status flag
 * (O_APPEND, O_ASYNC, ...) alone; with verbose, say on it what changed.
 * Each descriptor where it was set is added to cleared, for
 * blocking_undo().  Returns 0 or -errno with *bad_fd set. */
int blocking_apply(const struct fd_set_ranges *fds, FILE *verbose, struct fd_set_ranges *cleared,
		   int *bad_fd);

/* Set O_NONBLOCK again where blocking_apply cleared it: the description is
 * shared with the caller, whose flag must not stay changed when COMMAND
 * does not run. */
void blocking_undo(const struct fd_set_ranges *cleared);

#endif
