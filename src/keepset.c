/* keepset.c: see keepset.h.
 *
 * A window holds the KEEP_WINDOW smallest numbers (counted with their
 * duplicates) of the list that are at or above its first descriptor,
 * collected in a max-heap in one pass: O(n log KEEP_WINDOW).  When some
 * number did not fit, the window ends at the largest one it holds, every
 * smaller number being in the heap, and the next window starts after it;
 * otherwise it runs to INT_MAX and is the last. */
#include "config.h"
#include "keepset.h"
#include "hotpath.h"

#include <errno.h>
#include <limits.h>

HOT_PATH int keep_cursor_init(struct keep_cursor *c, int lowfd, const int *keep, size_t n_keep)
{
	if (lowfd < 0 || (!keep && n_keep > 0))
		return -EINVAL;
	c->keep = keep;
	c->n = n_keep;
	c->next_lo = lowfd;
	return 0;
}

static HOT_PATH void swap_int(int *a, int *b)
{
	int t = *a;

	*a = *b;
	*b = t;
}

/* Restore the max-heap property of h[0..n) below i. */
static HOT_PATH void sift_down(int *h, size_t n, size_t i)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && h[l] > h[big])
			big = l;
		if (r < n && h[r] > h[big])
			big = r;
		if (big == i)
			return;
		swap_int(&h[i], &h[big]);
		i = big;
	}
}

static HOT_PATH void sift_up(int *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2] < h[i]) {
		swap_int(&h[(i - 1) / 2], &h[i]);
		i = (i - 1) / 2;
	}
}

/* Append [lo, hi] to w's set; the set is built in increasing order. */
static HOT_PATH void add_range(struct keep_window *w, int lo, int hi)
{
	struct fd_set_ranges *s = &w->set;

	if (s->n > 0 && s->v[s->n - 1].hi >= lo - 1) {
		if (hi > s->v[s->n - 1].hi)
			s->v[s->n - 1].hi = hi;
		return;
	}
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
}

HOT_PATH bool keep_cursor_next(struct keep_cursor *c, struct keep_window *w)
{
	size_t len = 0;
	bool full = false; /* a number at or above next_lo did not fit */

	if (c->next_lo > INT_MAX)
		return false;
	int lo = (int)c->next_lo;
	for (size_t i = 0; i < c->n; i++) {
		int v = c->keep[i];
		if (v < lo)
			continue; /* negative, below lowfd, or decided already */
		if (len < KEEP_WINDOW) {
			w->values[len] = v;
			sift_up(w->values, len++);
		} else {
			full = true;
			if (v < w->values[0]) {
				w->values[0] = v;
				sift_down(w->values, len, 0);
			}
		}
	}
	int hi = full ? w->values[0] : INT_MAX;
	/* Heapsort: increasing order in place. */
	for (size_t n = len; n > 1; n--) {
		swap_int(&w->values[0], &w->values[n - 1]);
		sift_down(w->values, n - 1, 0);
	}
	w->lo = lo;
	w->hi = hi;
	w->set.v = w->ranges;
	w->set.n = 0;
	w->set.cap = KEEP_WINDOW + 2;
	if (lo > 0)
		add_range(w, 0, lo - 1);
	for (size_t i = 0; i < len; i++)
		add_range(w, w->values[i], w->values[i]);
	if (hi < INT_MAX)
		add_range(w, hi + 1, INT_MAX);
	c->next_lo = (long long)hi + 1;
	return true;
}
