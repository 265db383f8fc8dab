/* test_options.c: the command line parser (src/options.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"
#include "errbuf.h"
#include "words.h"

/* Parse a NULL-terminated word list the way main() would. */
static int parse_words(struct options *o, const char *const *words, char *err, size_t len)
{
	static char *argv[WORDS_MAX]; /* o->command points into it after we return */
	int argc = words_to_argv(words, argv);

	options_init(o);
	err[0] = '\0';
	return options_parse(o, argc, argv, err, len);
}

static void test_parse_fd_number_accepts_decimal(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int want;
	} ok[] = { { "0", 0 }, { "3", 3 }, { "007", 7 }, { "2147483647", 2147483647 } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int v = -1;
		assert_int_equal(parse_fd_number(ok[i].s, strlen(ok[i].s), &v), 0);
		assert_int_equal(v, ok[i].want);
	}
}

static void test_parse_fd_number_rejects_everything_else(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "0x10", "1a", "1.0",
					   "\xd9\xa3", "1\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int v = 42;
		assert_int_equal(parse_fd_number(bad[i], strlen(bad[i]), &v), -EINVAL);
		assert_int_equal(v, 42);
	}
	int v;
	assert_int_equal(parse_fd_number("2147483648", 10, &v), -ERANGE);
	assert_int_equal(parse_fd_number("99999999999999999999", 20, &v), -ERANGE);
}

static void test_parse_keep_list_singles_and_ranges(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-k", "5,3-4", "--keep-fd=10-12,10", "-k20", "true", NULL };

	assert_int_equal(parse_words(&o, words, err, sizeof(err)), 0);
	/* 3-4 and 5 touch: one range [3,5]; 10-12 holds 10. */
	assert_int_equal(o.keep.n, 3);
	assert_int_equal(o.keep.v[0].lo, 3);
	assert_int_equal(o.keep.v[0].hi, 5);
	assert_int_equal(o.keep.v[1].lo, 10);
	assert_int_equal(o.keep.v[1].hi, 12);
	assert_int_equal(o.keep.v[2].lo, 20);
	assert_int_equal(o.keep.v[2].hi, 20);
	/* Only single items must be open: 5, 10, 20. */
	assert_int_equal(o.n_keep_single, 3);
	assert_int_equal(o.keep_single[0], 5);
	assert_int_equal(o.keep_single[1], 10);
	assert_int_equal(o.keep_single[2], 20);
	options_free(&o);
}

static void test_parse_keep_list_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = { "",    ",",      "3,",  ",3",    "3,,4", "5-3",
					   "3-",  "-3",     "3--4", "3-4-5", "a",    " 3",
					   "3 ",  "0x3",    "+3",  "2147483648", "1-2147483648" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct options o;
		char err[ERRBUF_SIZE], prefix[128];
		const char *const words[] = { "-k", bad[i], "true", NULL };
		assert_int_equal(parse_words(&o, words, err, sizeof(err)), -1);
		snprintf(prefix, sizeof(prefix), "invalid --keep-fd list '%s'", bad[i]);
		assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
		options_free(&o);
	}
}

static void test_parse_pass_fd_forms(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-p", "3", "-p", "4:5", "--pass-fd=6:6", "x", NULL };

	assert_int_equal(parse_words(&o, words, err, sizeof(err)), 0);
	assert_int_equal(o.n_moves, 3);
	assert_int_equal(o.moves[0].src, 3);
	assert_int_equal(o.moves[0].dst, 3);
	assert_int_equal(o.moves[1].src, 4);
	assert_int_equal(o.moves[1].dst, 5);
	assert_int_equal(o.moves[2].src, 6);
	assert_int_equal(o.moves[2].dst, 6);
	for (size_t i = 0; i < 3; i++)
		assert_false(o.moves[i].listen);
	options_free(&o);
}

static void test_parse_pass_fd_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = { "", ":", "3:", ":4", "3:4:5", "3:x", "-1:2", "3:-1",
					   "3:2147483648", "3,4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct options o;
		char err[ERRBUF_SIZE], prefix[128];
		const char *const words[] = { "-p", bad[i], "true", NULL };
		assert_int_equal(parse_words(&o, words, err, sizeof(err)), -1);
		snprintf(prefix, sizeof(prefix), "invalid --pass-fd '%s'", bad[i]);
		assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
		options_free(&o);
	}
}

static void test_options_parse_stops_at_command(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-k", "3", "sh", "-c", "echo $0", "-k", "x", NULL };

	assert_int_equal(parse_words(&o, words, err, sizeof(err)), 0);
	assert_non_null(o.command);
	assert_string_equal(o.command[0], "sh");
	assert_string_equal(o.command[3], "-k");
	assert_string_equal(o.command[4], "x");
	assert_null(o.command[5]);
	assert_int_equal(o.keep.n, 1);
	options_free(&o);
}

static void test_options_parse_double_dash(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-v", "--", "-k", "3", NULL };

	assert_int_equal(parse_words(&o, words, err, sizeof(err)), 0);
	assert_true(o.verbose);
	assert_string_equal(o.command[0], "-k");
	assert_int_equal(o.keep.n, 0);
	options_free(&o);
}

static void test_options_parse_methods_last_wins(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-m", "poll", "--method=proc", "-mloop", "true", NULL };
	static const char *const names[] = { "auto", "close_range", "proc", "poll", "loop" };

	assert_int_equal(parse_words(&o, words, err, sizeof(err)), 0);
	assert_int_equal(o.method, METHOD_LOOP);
	options_free(&o);
	for (size_t i = 0; i < 5; i++) {
		enum close_method m;
		assert_int_equal(parse_method(names[i], &m), 0);
		assert_string_equal(method_name(m), names[i]);
	}
	enum close_method m;
	assert_int_equal(parse_method("closefrom", &m), -EINVAL);
	assert_int_equal(parse_method("", &m), -EINVAL);
}

static void test_options_parse_usage_errors(void **state)
{
	(void)state;
	static const struct {
		const char *words[4];
		const char *message;
	} cases[] = {
		{ { "-m", "fast", "true", NULL }, "invalid --method 'fast'" },
		{ { "--bogus", "true", NULL }, "unrecognized option '--bogus'" },
		{ { "-x", "true", NULL }, "invalid option '-x'" },
		{ { "-k", NULL }, "option '-k' requires an argument" },
		{ { "--pass-fd", NULL }, "option '--pass-fd' requires an argument" },
		{ { "-v", NULL }, "no command given" },
		{ { NULL }, "no command given" },
		{ { "--audit", "--verify", "true", NULL }, "--audit and --verify cannot be combined" },
		{ { "--listen-fd", "3:a:b", "true", NULL }, "invalid --listen-fd '3:a:b'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;
		char err[ERRBUF_SIZE];
		assert_int_equal(parse_words(&o, cases[i].words, err, sizeof(err)), -1);
		assert_true(strncmp(err, cases[i].message, strlen(cases[i].message)) == 0);
		options_free(&o);
	}
}

static void test_options_parse_flags(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];
	const char *const list[] = { "--list", NULL };
	const char *const help[] = { "--help", "-k", ",,,", NULL };
	const char *const version[] = { "-V", NULL };
	const char *const rest[] = { "--listen-fds", "--keep-jobserver", "--audit",
				     "--listen-fd=4:web", "--listen-fd", "5", "c", NULL };

	assert_int_equal(parse_words(&o, list, err, sizeof(err)), 0);
	assert_true(o.list);
	assert_null(o.command);
	options_free(&o);
	/* --help wins over what follows it. */
	assert_int_equal(parse_words(&o, help, err, sizeof(err)), 0);
	assert_true(o.help);
	options_free(&o);
	assert_int_equal(parse_words(&o, version, err, sizeof(err)), 0);
	assert_true(o.version);
	options_free(&o);
	assert_int_equal(parse_words(&o, rest, err, sizeof(err)), 0);
	assert_true(o.listen_fds && o.keep_jobserver && o.audit && !o.verify);
	assert_int_equal(o.n_listen, 2);
	assert_int_equal(o.listen[0].fd, 4);
	assert_int_equal(o.listen[0].name_len, 3);
	assert_true(strncmp(o.listen[0].name, "web", 3) == 0);
	assert_int_equal(o.listen[1].fd, 5);
	assert_null(o.listen[1].name);
	options_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fd_number_accepts_decimal),
		cmocka_unit_test(test_parse_fd_number_rejects_everything_else),
		cmocka_unit_test(test_parse_keep_list_singles_and_ranges),
		cmocka_unit_test(test_parse_keep_list_rejects_malformed),
		cmocka_unit_test(test_parse_pass_fd_forms),
		cmocka_unit_test(test_parse_pass_fd_rejects_malformed),
		cmocka_unit_test(test_options_parse_stops_at_command),
		cmocka_unit_test(test_options_parse_double_dash),
		cmocka_unit_test(test_options_parse_methods_last_wins),
		cmocka_unit_test(test_options_parse_usage_errors),
		cmocka_unit_test(test_options_parse_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
