/* fdset.c: descriptor sets as sorted ranges, and their gaps.
 *
 * The set is kept normalized after every insertion (sorted by lo, no two
 * ranges overlapping or touching), so lookups are a binary search and the
 * gaps between ranges are never empty: CPython calls close_range(k+1, k) for
 * two adjacent kept descriptors, gets EINVAL and falls back to a slow scan;
 * merging adjacent ranges here rules that out by construction. */
#include "config.h"
#include "fdset.h"
#include "hotpath.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void fd_set_init(struct fd_set_ranges *s)
{
	s->v = s->inl;
	s->n = 0;
	s->cap = FD_SET_INLINE;
}

void fd_set_free(struct fd_set_ranges *s)
{
	if (s->v != s->inl)
		free(s->v);
	fd_set_init(s);
}

/* Index of the first range whose hi >= fd (n if none). */
static size_t lower_bound(const struct fd_set_ranges *s, int fd)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].hi < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int fd_set_add(struct fd_set_ranges *s, int lo, int hi)
{
	size_t first, last;

	if (lo < 0 || hi < lo)
		return -EINVAL;
	/* Ranges that overlap or touch [lo, hi]: from the first whose hi reaches
	 * lo - 1 to the last whose lo is at most hi + 1. */
	first = lower_bound(s, lo > 0 ? lo - 1 : 0);
	last = first;
	while (last < s->n && (hi == INT_MAX || s->v[last].lo <= hi + 1))
		last++;
	if (first < last) {
		/* Merge ranges first..last-1 into one. */
		if (s->v[first].lo < lo)
			lo = s->v[first].lo;
		if (s->v[last - 1].hi > hi)
			hi = s->v[last - 1].hi;
		s->v[first].lo = lo;
		s->v[first].hi = hi;
		memmove(&s->v[first + 1], &s->v[last], (s->n - last) * sizeof(*s->v));
		s->n -= last - first - 1;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap * 2;
		struct fd_range *v = s->v == s->inl ? malloc(cap * sizeof(*v))
						    : realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (s->v == s->inl)
			memcpy(v, s->inl, s->n * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[first + 1], &s->v[first], (s->n - first) * sizeof(*s->v));
	s->v[first].lo = lo;
	s->v[first].hi = hi;
	s->n++;
	return 0;
}

int fd_set_add_set(struct fd_set_ranges *s, const struct fd_set_ranges *other)
{
	for (size_t i = 0; i < other->n; i++) {
		int r = fd_set_add(s, other->v[i].lo, other->v[i].hi);
		if (r < 0)
			return r;
	}
	return 0;
}

bool fd_set_contains(const struct fd_set_ranges *s, int fd)
{
	return fd_set_overlaps(s, fd, fd);
}

bool fd_set_overlaps(const struct fd_set_ranges *s, int lo, int hi)
{
	size_t i;

	if (lo < 0)
		lo = 0;
	if (hi < lo)
		return false;
	i = lower_bound(s, lo);
	return i < s->n && s->v[i].lo <= hi;
}

HOT_PATH void fd_gap_iter_init(struct fd_gap_iter *it, const struct fd_set_ranges *s, unsigned from)
{
	it->next = 0;
	it->from = from;
	it->done = false;
	/* Skip ranges wholly below `from`. */
	while (it->next < s->n && (unsigned)s->v[it->next].hi < from)
		it->next++;
}

HOT_PATH bool fd_gap_next(struct fd_gap_iter *it, const struct fd_set_ranges *s, struct fd_gap *gap)
{
	while (!it->done) {
		if (it->next == s->n) {
			/* The last gap runs to the last descriptor number (none
			 * when a range ends there). */
			it->done = true;
			if (it->from > (unsigned)INT_MAX)
				return false;
			gap->lo = it->from;
			gap->hi = (unsigned)INT_MAX;
			return true;
		}
		const struct fd_range *r = &s->v[it->next++];
		unsigned lo = it->from;
		/* Ranges end at INT_MAX at the most, so hi + 1 fits; ranges are
		 * sorted and those below `from` were skipped, so it only grows. */
		it->from = (unsigned)r->hi + 1;
		if ((unsigned)r->lo > lo) {
			gap->lo = lo;
			gap->hi = (unsigned)r->lo - 1;
			return true;
		}
	}
	return false;
}
