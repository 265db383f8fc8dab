/* keepset.h: a caller's keep list (libclosefds) as descriptor sets the
 * engine understands, without malloc.  Pure: no system calls.
 *
 * The list may be unsorted, hold duplicates, negative numbers and numbers
 * below lowfd, and be of any length.  It is cut into windows of at most
 * KEEP_WINDOW distinct numbers, in increasing order: each window is a set
 * of sorted ranges that decides the descriptors [lo, hi], every number
 * outside it being in the set (so a closing method run with it touches
 * only [lo, hi]).  One window covers the usual list; a list of more
 * distinct numbers costs one pass over it per window, and one run of the
 * closing method per window. */
#ifndef CLOSEFDS_KEEPSET_H
#define CLOSEFDS_KEEPSET_H

#include <stdbool.h>
#include <stddef.h>

#include "fdset.h"

/* Distinct kept numbers per window: the stack holds them (512 bytes) and
 * their ranges (1 KiB). */
#define KEEP_WINDOW 128

struct keep_cursor {
	const int *keep;
	size_t n;
	long long next_lo; /* the first descriptor of the next window */
};

struct keep_window {
	int lo, hi;                    /* the descriptors this window decides */
	struct fd_set_ranges set;      /* set.v points into ranges */
	struct fd_range ranges[KEEP_WINDOW + 2];
	int values[KEEP_WINDOW];       /* scratch: the window's numbers */
};

/* Check the arguments: lowfd >= 0, keep not NULL when n_keep > 0.  0 or
 * -EINVAL. */
int keep_cursor_init(struct keep_cursor *c, int lowfd, const int *keep, size_t n_keep);

/* The next window, or false when every descriptor from lowfd up has been
 * decided.  w->set is valid until the next call with w. */
bool keep_cursor_next(struct keep_cursor *c, struct keep_window *w);

#endif
