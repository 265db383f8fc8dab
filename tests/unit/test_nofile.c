/* test_nofile.c: the pure parts of --nofile (src/nofile.c) and --blocking
 * (src/blocking.c): parsing and the limits COMMAND gets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "blocking.h"
#include "nofile.h"
#include "errbuf.h"
#include "options.h"

static void test_nofile_parse_forms(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		bool safe, set_soft, set_hard;
		rlim_t soft, hard;
	} cases[] = {
		{ "safe", true, false, false, 0, 0 },
		{ "safe:", true, false, false, 0, 0 },
		{ "safe:4096", true, false, true, 0, 4096 },
		{ "1024", false, true, false, 1024, 0 },
		{ "1024:", false, true, false, 1024, 0 },
		{ "1024:4096", false, true, true, 1024, 4096 },
		{ ":4096", false, false, true, 0, 4096 },
		{ ":", false, false, false, 0, 0 },
		{ "0:0", false, true, true, 0, 0 },
		{ "2147483647", false, true, false, 2147483647, 0 },
	};
	char err[ERRBUF_SIZE];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nofile_request r;
		assert_int_equal(nofile_parse(cases[i].arg, &r, err, sizeof(err)), 0);
		assert_ptr_equal(r.arg, cases[i].arg);
		assert_int_equal(r.safe, cases[i].safe);
		assert_int_equal(r.set_soft, cases[i].set_soft);
		assert_int_equal(r.set_hard, cases[i].set_hard);
		if (r.set_soft)
			assert_int_equal(r.soft, cases[i].soft);
		if (r.set_hard)
			assert_int_equal(r.hard, cases[i].hard);
	}
}

static void test_nofile_parse_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "x", "-1", "+5", " 5", "0x10", "5 ", "1:2:3",
					   ":safe", "safe:safe", "SAFE", "safe5", "5:x",
					   "2147483648", ":99999999999", "infinity" };
	char err[ERRBUF_SIZE];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nofile_request r = { .arg = NULL };
		err[0] = '\0';
		assert_int_equal(nofile_parse(bad[i], &r, err, sizeof(err)), -1);
		assert_null(r.arg); /* untouched */
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		assert_non_null(strstr(err, quoted));
	}
}

static struct rlimit target(const char *arg, rlim_t soft, rlim_t hard, int *ret)
{
	struct nofile_request r;
	struct rlimit cur = { .rlim_cur = soft, .rlim_max = hard }, want = { 0, 0 };
	char err[ERRBUF_SIZE];
	assert_int_equal(nofile_parse(arg, &r, err, sizeof(err)), 0);
	*ret = nofile_target(&r, &cur, &want, err, sizeof(err));
	return want;
}

static void test_nofile_target_computes_limits(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		rlim_t cur_soft, cur_hard, soft, hard;
	} cases[] = {
		/* safe: systemd's min(1024, hard), hard unchanged */
		{ "safe", 20000, 20000, 1024, 20000 },
		{ "safe", 1048576, 1048576, 1024, 1048576 },
		{ "safe", 1024, RLIM_INFINITY, 1024, RLIM_INFINITY },
		{ "safe", 100, 512, 512, 512 },
		{ "safe", 5, 5, 5, 5 },
		/* safe with a new hard limit: min(1024, the new one) */
		{ "safe:300", 20000, 20000, 300, 300 },
		{ "safe:4096", 20000, 20000, 1024, 4096 },
		{ "100", 20000, 20000, 100, 20000 },
		{ "100:200", 20000, 20000, 100, 200 },
		{ ":30000", 1024, 20000, 1024, 30000 }, /* raising: setrlimit decides */
		{ ":", 7, 9, 7, 9 },
		{ "9:", 7, 9, 9, 9 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;
		struct rlimit w = target(cases[i].arg, cases[i].cur_soft, cases[i].cur_hard, &ret);
		assert_int_equal(ret, 0);
		assert_int_equal(w.rlim_cur, cases[i].soft);
		assert_int_equal(w.rlim_max, cases[i].hard);
	}
}

static void test_nofile_target_rejects_soft_above_hard(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		rlim_t cur_soft, cur_hard;
	} cases[] = {
		{ "300:200", 20000, 20000 },
		{ "30000", 20000, 20000 }, /* above the unchanged hard limit */
		{ ":10", 20000, 20000 },   /* below the unchanged soft limit */
		{ "1025:1024", 1, 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nofile_request r;
		struct rlimit cur = { .rlim_cur = cases[i].cur_soft, .rlim_max = cases[i].cur_hard };
		struct rlimit want;
		char err[ERRBUF_SIZE];
		assert_int_equal(nofile_parse(cases[i].arg, &r, err, sizeof(err)), 0);
		assert_int_equal(nofile_target(&r, &cur, &want, err, sizeof(err)), -1);
		assert_non_null(strstr(err, cases[i].arg));
		assert_non_null(strstr(err, "above the hard limit"));
	}
}

static void test_blocking_parse_lists(void **state)
{
	(void)state;
	struct fd_set_ranges s;
	char err[ERRBUF_SIZE];

	fd_set_init(&s);
	assert_int_equal(blocking_parse(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].lo, 0);
	assert_int_equal(s.v[0].hi, 2);
	assert_int_equal(blocking_parse("7,5,007", &s, err, sizeof(err)), 0);
	assert_true(fd_set_contains(&s, 5) && fd_set_contains(&s, 7) && !fd_set_contains(&s, 6));
	fd_set_free(&s);

	static const char *const bad[] = { "", ",", "1,", ",1", "1,,2", "x", "-1", "1-3", " 1",
					   "2147483648" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fd_set_init(&s);
		err[0] = '\0';
		assert_int_equal(blocking_parse(bad[i], &s, err, sizeof(err)), -1);
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		assert_non_null(strstr(err, quoted));
		fd_set_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nofile_parse_forms),
		cmocka_unit_test(test_nofile_parse_rejects_malformed),
		cmocka_unit_test(test_nofile_target_computes_limits),
		cmocka_unit_test(test_nofile_target_rejects_soft_above_hard),
		cmocka_unit_test(test_blocking_parse_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
