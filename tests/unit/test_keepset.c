/* test_keepset.c: libclosefds' keep list as engine sets (src/keepset.c):
 * unsorted, duplicates, negatives, numbers below lowfd, an empty list
 * (keep NULL), lists longer than a window; the arguments
 * closefds_close_except and closefds_check refuse with EINVAL before they
 * touch anything; the version in the header, meson and the library agree. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "closefds.h"
#include "keepset.h"

/* Every descriptor 0..INT_MAX decided once, in increasing windows; each
 * window's set normalized (sorted, disjoint, not touching) and covering
 * everything outside [lo, hi].  Returns how many windows. */
static int check_windows(int lowfd, const int *keep, size_t n, struct keep_window *w, int max)
{
	struct keep_cursor c;
	long long next = lowfd;
	int windows = 0;

	assert_int_equal(keep_cursor_init(&c, lowfd, keep, n), 0);
	while (keep_cursor_next(&c, w)) {
		const struct fd_set_ranges *s = &w->set;
		assert_true(++windows <= max);
		assert_int_equal(w->lo, next);
		assert_true(w->lo <= w->hi);
		for (size_t i = 0; i < s->n; i++) {
			assert_true(s->v[i].lo <= s->v[i].hi);
			if (i > 0)
				assert_true((long long)s->v[i - 1].hi + 1 < s->v[i].lo);
		}
		if (w->lo > 0)
			assert_true(fd_set_overlaps(s, 0, w->lo - 1) && s->v[0].lo == 0 &&
				    s->v[0].hi >= w->lo - 1);
		if (w->hi < INT_MAX)
			assert_true(s->v[s->n - 1].hi == INT_MAX && s->v[s->n - 1].lo <= w->hi + 1);
		next = (long long)w->hi + 1;
	}
	assert_true(next == (long long)INT_MAX + 1);
	return windows;
}

/* Whether fd is kept: in the list and >= lowfd, by the list itself. */
static bool listed(int lowfd, const int *keep, size_t n, int fd)
{
	if (fd < lowfd)
		return true; /* below lowfd: never closed */
	for (size_t i = 0; i < n; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* The window deciding fd keeps it exactly when the list does. */
static void check_membership(int lowfd, const int *keep, size_t n, int lo, int hi)
{
	static struct keep_window w;
	struct keep_cursor c;

	assert_int_equal(keep_cursor_init(&c, lowfd, keep, n), 0);
	while (keep_cursor_next(&c, &w)) {
		for (long long fd = lo; fd <= hi; fd++) {
			if (fd < w.lo || fd > w.hi)
				continue;
			if (fd_set_contains(&w.set, (int)fd) != listed(lowfd, keep, n, (int)fd))
				fail_msg("descriptor %lld in window [%d, %d]: set says %d", fd, w.lo,
					 w.hi, fd_set_contains(&w.set, (int)fd));
		}
	}
}

static void test_keepset_unsorted_duplicates_negatives(void **state)
{
	(void)state;
	static struct keep_window w;
	const int keep[] = { 9, -1, 7, 9, 3, 8, INT_MIN, 2, 100, 7, 1 };
	size_t n = sizeof(keep) / sizeof(keep[0]);

	assert_int_equal(check_windows(3, keep, n, &w, 1), 1);
	/* 0-2 (below lowfd) and 3 as one, 7-9 merged, 100. */
	assert_int_equal(w.set.n, 3);
	assert_int_equal(w.set.v[0].lo, 0);
	assert_int_equal(w.set.v[0].hi, 3); /* 0-2 and 3 touch */
	assert_int_equal(w.set.v[1].lo, 7);
	assert_int_equal(w.set.v[1].hi, 9);
	assert_int_equal(w.set.v[2].lo, 100);
	assert_int_equal(w.set.v[2].hi, 100);
	assert_int_equal(w.lo, 3);
	assert_int_equal(w.hi, INT_MAX);
	check_membership(3, keep, n, 0, 200);
}

static void test_keepset_below_lowfd_ignored(void **state)
{
	(void)state;
	static struct keep_window w;
	const int keep[] = { 5, 10, 20 };

	assert_int_equal(check_windows(11, keep, 3, &w, 1), 1);
	assert_int_equal(w.set.n, 2);
	assert_int_equal(w.set.v[0].lo, 0);
	assert_int_equal(w.set.v[0].hi, 10);
	assert_int_equal(w.set.v[1].lo, 20);
	check_membership(11, keep, 3, 0, 40);
}

static void test_keepset_empty_list_with_null(void **state)
{
	(void)state;
	static struct keep_window w;

	assert_int_equal(check_windows(3, NULL, 0, &w, 1), 1);
	assert_int_equal(w.set.n, 1);
	assert_int_equal(w.set.v[0].lo, 0);
	assert_int_equal(w.set.v[0].hi, 2);
	/* lowfd 0: nothing kept at all. */
	assert_int_equal(check_windows(0, NULL, 0, &w, 1), 1);
	assert_int_equal(w.set.n, 0);
}

static void test_keepset_edges_int_max_and_zero(void **state)
{
	(void)state;
	static struct keep_window w;
	const int keep[] = { INT_MAX, 0, INT_MAX - 1 };

	assert_int_equal(check_windows(0, keep, 3, &w, 1), 1);
	assert_int_equal(w.set.n, 2);
	assert_int_equal(w.set.v[0].lo, 0);
	assert_int_equal(w.set.v[0].hi, 0);
	assert_int_equal(w.set.v[1].lo, INT_MAX - 1);
	assert_int_equal(w.set.v[1].hi, INT_MAX);
}

/* More distinct numbers than a window holds: several windows, each number
 * in exactly the window that decides it, in any order of the list. */
static void test_keepset_long_lists_windowed(void **state)
{
	(void)state;
	static struct keep_window w;
	enum { N = 3 * KEEP_WINDOW + 17 };
	static int keep[N];

	/* Descending, every third number, with a duplicate of each tenth. */
	for (int i = 0; i < N; i++)
		keep[i] = i % 10 == 9 ? keep[i - 1] : 3 * (N - i) + 5;
	int windows = check_windows(4, keep, N, &w, N);
	assert_true(windows >= 3 && windows <= 5);
	check_membership(4, keep, N, 0, 3 * N + 20);

	/* All one number, many times: one window, one range. */
	for (int i = 0; i < N; i++)
		keep[i] = 42;
	assert_int_equal(check_windows(3, keep, N, &w, 3), 2);
	check_membership(3, keep, N, 0, 100);

	/* Pseudo-random with duplicates and negatives. */
	unsigned x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		keep[i] = (int)(x >> 16) % 1000 - 50;
	}
	check_windows(3, keep, N, &w, N);
	check_membership(3, keep, N, 0, 1100);
}

static void test_keepset_bad_arguments(void **state)
{
	(void)state;
	struct keep_cursor c;
	const int keep[] = { 3 };

	assert_int_equal(keep_cursor_init(&c, -1, keep, 1), -EINVAL);
	assert_int_equal(keep_cursor_init(&c, 3, NULL, 1), -EINVAL);
	assert_int_equal(keep_cursor_init(&c, 3, NULL, 0), 0);
}

/* Refused before anything is closed: descriptor 0..2 and everything else
 * stay; errno is EINVAL. */
static void test_close_except_einval(void **state)
{
	(void)state;
	const int keep[] = { 3 };

	errno = 0;
	assert_int_equal(closefds_close_except(3, keep, 1, 0x2u), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_close_except(3, keep, 1, ~CLOSEFDS_CLOEXEC), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_close_except(-1, keep, 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_close_except(3, NULL, 2, CLOSEFDS_CLOEXEC), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_check(-5, NULL, 0, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_check(3, NULL, 1, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(closefds_for_each_open(-1, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

#ifndef MESON_PROJECT_VERSION
#error "MESON_PROJECT_VERSION: meson's project version, from tests/unit/meson.build"
#endif

static void test_version_header_meson_library_agree(void **state)
{
	(void)state;
	char macros[64];

	assert_string_equal(CLOSEFDS_VERSION_STRING, MESON_PROJECT_VERSION);
	snprintf(macros, sizeof(macros), "%d.%d.%d", CLOSEFDS_VERSION_MAJOR,
		 CLOSEFDS_VERSION_MINOR, CLOSEFDS_VERSION_PATCH);
	assert_string_equal(macros, MESON_PROJECT_VERSION);
	assert_int_equal(CLOSEFDS_VERSION_NUMBER, CLOSEFDS_VERSION_MAJOR * 10000 +
				  CLOSEFDS_VERSION_MINOR * 100 + CLOSEFDS_VERSION_PATCH);
	assert_string_equal(closefds_version(), MESON_PROJECT_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepset_unsorted_duplicates_negatives),
		cmocka_unit_test(test_keepset_below_lowfd_ignored),
		cmocka_unit_test(test_keepset_empty_list_with_null),
		cmocka_unit_test(test_keepset_edges_int_max_and_zero),
		cmocka_unit_test(test_keepset_long_lists_windowed),
		cmocka_unit_test(test_keepset_bad_arguments),
		cmocka_unit_test(test_close_except_einval),
		cmocka_unit_test(test_version_header_meson_library_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
