/* fdset.h: sets of descriptor numbers as sorted, disjoint, non-adjacent
 * ranges, and the gaps between them.  Pure: no system calls. */
#ifndef CLOSEFDS_FDSET_H
#define CLOSEFDS_FDSET_H

#include <stdbool.h>
#include <stddef.h>

struct fd_range {
	int lo;
	int hi; /* inclusive, lo <= hi */
};

/* The first FD_SET_INLINE ranges live in the struct itself, so the usual
 * sets (0-2 and a few --keep-fd items) need no malloc: a fresh heap costs a
 * brk and page faults on every run.  v may point into the struct: never copy
 * a set by assignment. */
#define FD_SET_INLINE 4

struct fd_set_ranges {
	struct fd_range *v;
	size_t n;
	size_t cap;
	struct fd_range inl[FD_SET_INLINE];
};

/* A maximal run of descriptor numbers not in a set; the
 * last gap ends at INT_MAX, the largest descriptor number (gVisor rejects a
 * close_range(2) bound above it, opencontainers/runc#4596). */
struct fd_gap {
	unsigned lo;
	unsigned hi;
};

struct fd_gap_iter {
	size_t next;   /* index of the next range in the set */
	unsigned from; /* first number not yet covered */
	bool done;
};

void fd_set_init(struct fd_set_ranges *s);
void fd_set_free(struct fd_set_ranges *s);
/* Add [lo, hi] and keep the set normalized.  Returns 0 or -ENOMEM. */
int fd_set_add(struct fd_set_ranges *s, int lo, int hi);
int fd_set_add_set(struct fd_set_ranges *s, const struct fd_set_ranges *other);
bool fd_set_contains(const struct fd_set_ranges *s, int fd);
/* True if any number of [lo, hi] is in the set. */
bool fd_set_overlaps(const struct fd_set_ranges *s, int lo, int hi);

/* Iterate the gaps of s at or above `from`, the last one ending at INT_MAX.
 * Empty gaps (between adjacent ranges) are never produced. */
void fd_gap_iter_init(struct fd_gap_iter *it, const struct fd_set_ranges *s, unsigned from);
bool fd_gap_next(struct fd_gap_iter *it, const struct fd_set_ranges *s, struct fd_gap *gap);

#endif
