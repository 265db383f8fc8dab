/* test_fdset.c: descriptor sets and their gaps (src/fdset.c). */
#include <limits.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fdset.h"

/* Normalized: sorted, no two ranges overlapping or touching. */
static void assert_normalized(const struct fd_set_ranges *s)
{
	for (size_t i = 0; i < s->n; i++) {
		assert_true(s->v[i].lo <= s->v[i].hi);
		if (i > 0)
			assert_true((long long)s->v[i - 1].hi + 1 < s->v[i].lo);
	}
}

static void test_fd_set_add_merges_overlapping_and_adjacent(void **state)
{
	(void)state;
	struct fd_set_ranges s;

	fd_set_init(&s);
	assert_int_equal(fd_set_add(&s, 10, 12), 0);
	assert_int_equal(fd_set_add(&s, 3, 3), 0);
	assert_int_equal(fd_set_add(&s, 4, 4), 0);  /* touches 3 */
	assert_int_equal(fd_set_add(&s, 13, 20), 0); /* touches 10-12 */
	assert_int_equal(fd_set_add(&s, 7, 7), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].lo, 3);
	assert_int_equal(s.v[0].hi, 4);
	assert_int_equal(s.v[1].lo, 7);
	assert_int_equal(s.v[2].lo, 10);
	assert_int_equal(s.v[2].hi, 20);
	assert_int_equal(fd_set_add(&s, 5, 9), 0); /* bridges everything */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].lo, 3);
	assert_int_equal(s.v[0].hi, 20);
	assert_int_equal(fd_set_add(&s, 5, 3), -EINVAL);
	assert_int_equal(fd_set_add(&s, -1, 3), -EINVAL);
	fd_set_free(&s);
}

static void test_fd_set_contains_and_overlaps_boundaries(void **state)
{
	(void)state;
	struct fd_set_ranges s;

	fd_set_init(&s);
	assert_false(fd_set_contains(&s, 0));
	fd_set_add(&s, 0, 2);
	fd_set_add(&s, 100, 200);
	fd_set_add(&s, INT_MAX, INT_MAX);
	assert_true(fd_set_contains(&s, 0));
	assert_true(fd_set_contains(&s, 2));
	assert_false(fd_set_contains(&s, 3));
	assert_false(fd_set_contains(&s, 99));
	assert_true(fd_set_contains(&s, 100));
	assert_true(fd_set_contains(&s, 200));
	assert_false(fd_set_contains(&s, 201));
	assert_true(fd_set_contains(&s, INT_MAX));
	assert_false(fd_set_contains(&s, INT_MAX - 1));
	assert_true(fd_set_overlaps(&s, 50, 100));
	assert_false(fd_set_overlaps(&s, 3, 99));
	assert_true(fd_set_overlaps(&s, 201, INT_MAX));
	fd_set_free(&s);
}

/* The gaps of s from 3, as a flat list of lo, hi pairs. */
static size_t gaps(const struct fd_set_ranges *s, unsigned from, unsigned *out, size_t max)
{
	struct fd_gap_iter it;
	struct fd_gap g;
	size_t n = 0;

	fd_gap_iter_init(&it, s, from);
	while (fd_gap_next(&it, s, &g) && n + 2 <= max) {
		assert_true(g.lo <= g.hi); /* never close_range(k + 1, k) */
		out[n++] = g.lo;
		out[n++] = g.hi;
	}
	return n;
}

static void test_fd_gap_next_table(void **state)
{
	(void)state;
	static const struct {
		int ranges[8]; /* lo, hi pairs; -1 ends */
		unsigned want[8];
		size_t n_want;
	} cases[] = {
		{ { 0, 2, -1 }, { 3, INT_MAX }, 2 },
		{ { 0, 2, 3, 3, -1 }, { 4, INT_MAX }, 2 },
		{ { 0, 2, 5, 6, 9, 9, -1 }, { 3, 4, 7, 8, 10, INT_MAX }, 6 },
		{ { 0, 2, 4, 4, 5, 5, -1 }, { 3, 3, 6, INT_MAX }, 4 }, /* 4 and 5 adjacent: no empty gap */
		{ { 0, 2, 3, INT_MAX, -1 }, { 0 }, 0 }, /* nothing above INT_MAX */
		{ { 0, 2, 10, INT_MAX - 1, -1 }, { 3, 9, (unsigned)INT_MAX, (unsigned)INT_MAX }, 4 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fd_set_ranges s;
		unsigned got[16];
		fd_set_init(&s);
		for (size_t i = 0; cases[c].ranges[i] >= 0; i += 2)
			assert_int_equal(fd_set_add(&s, cases[c].ranges[i], cases[c].ranges[i + 1]), 0);
		size_t n = gaps(&s, 3, got, 16);
		assert_int_equal(n, cases[c].n_want);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(got[i], cases[c].want[i]);
		fd_set_free(&s);
	}
}

/* Random sets against a boolean array over 0..299: membership, and that
 * the gaps from 3 cover exactly the numbers not in the set. */
static void test_fd_set_random_against_model(void **state)
{
	(void)state;
	srand(20261123);
	for (int round = 0; round < 500; round++) {
		struct fd_set_ranges s;
		bool model[300] = { false };
		fd_set_init(&s);
		int k = rand() % 12;
		for (int i = 0; i < k; i++) {
			int lo = rand() % 290, hi = lo + rand() % 8;
			assert_int_equal(fd_set_add(&s, lo, hi), 0);
			for (int f = lo; f <= hi; f++)
				model[f] = true;
		}
		assert_normalized(&s);
		for (int f = 0; f < 300; f++)
			assert_int_equal(fd_set_contains(&s, f), model[f]);
		unsigned g[64];
		size_t n = gaps(&s, 3, g, 64);
		bool in_gap[300] = { false };
		for (size_t i = 0; i < n; i += 2)
			for (unsigned f = g[i]; f <= g[i + 1] && f < 300; f++)
				in_gap[f] = true;
		for (int f = 3; f < 300; f++)
			assert_int_equal(in_gap[f], !model[f]);
		assert_int_equal(g[n - 1], INT_MAX);
		fd_set_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_set_add_merges_overlapping_and_adjacent),
		cmocka_unit_test(test_fd_set_contains_and_overlaps_boundaries),
		cmocka_unit_test(test_fd_gap_next_table),
		cmocka_unit_test(test_fd_set_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
