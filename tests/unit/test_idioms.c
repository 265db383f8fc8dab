/* test_idioms.c: descriptors named by COMMAND's arguments (src/fdargs.c),
 * --null (src/nullfds.c and its conflicts in src/options.c), and
 * --listen-fds=NAME (src/listen_select.c and the plan it makes). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errbuf.h"
#include "fdargs.h"
#include "listen_select.h"
#include "nullfds.h"
#include "options.h"
#include "plan.h"
#include "words.h"

static int parse_words(struct options *o, const char *const *words, char *err, size_t len)
{
	static char *argv[WORDS_MAX];
	int argc = words_to_argv(words, argv);

	options_init(o);
	err[0] = '\0';
	return options_parse(o, argc, argv, err, len);
}

static void test_fdarg_parse_counted_forms(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		int fd;
	} yes[] = {
		{ "/dev/fd/63", 63 },
		{ "/dev/fd/0", 0 },
		{ "/proc/self/fd/11", 11 },
		{ "/proc/4242/fd/7", 7 },
		{ "/dev/fd/2147483647", 2147483647 },
		{ "--from-file=/dev/fd/62", 62 },
		{ "if=/dev/fd/5", 5 },
		{ "SRC_FILE=/proc/self/fd/9", 9 },
		{ "-f/dev/fd/63", 63 },
		{ "-I/proc/4242/fd/8", 8 },
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		int fd = -1;
		assert_int_equal(fdarg_parse(yes[i].arg, 4242, &fd), 1);
		assert_int_equal(fd, yes[i].fd);
	}
}

static void test_fdarg_parse_everything_else(void **state)
{
	(void)state;
	static const char *const no[] = {
		"/dev/fd/063",       /* procfs resolves no leading zero */
		"/dev/fd/00",
		"/dev/fd/",
		"/dev/fd/6x",
		"/dev/fd/+6",
		"/dev/fd/ 6",
		"/dev/fd/2147483648",
		"/dev/fd/99999999999",
		"/dev/fd/63/",       /* a path below it: not the descriptor itself */
		"/dev/fd/5/etc/passwd",
		"//dev/fd/63",
		"/dev/./fd/63",
		"dev/fd/63",
		"/proc/4243/fd/7",   /* another process */
		"/proc/04242/fd/7",
		"/proc/thread-self/fd/7",
		"/proc/self/fdinfo/7",
		"/proc/4242/fd/",
		"/proc/4242",
		"cat /dev/fd/3",     /* inside text: shell code, not a path */
		"x/dev/fd/3",
		"=/dev/fd/3",        /* no key */
		"a b=/dev/fd/3",
		"a/b=/dev/fd/3",
		"--/dev/fd/3",
		"-ab/dev/fd/3",      /* two letters: not one short option */
		"-/dev/fd/3",
		"",
		"63",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		int fd = -1;
		if (fdarg_parse(no[i], 4242, &fd) != 0)
			fail_msg("'%s' counted as descriptor %d", no[i], fd);
		assert_int_equal(fd, -1);
	}
}

static void test_fdargs_collect_arguments_only(void **state)
{
	(void)state;
	char *argv[] = { (char *)"/dev/fd/3", (char *)"/dev/fd/63", (char *)"-x",
			 (char *)"--in=/dev/fd/62", (char *)"/dev/fd/1", (char *)"/dev/fd/63", NULL };
	struct fd_arg *v;

	/* argv[0], COMMAND itself, does not count; 0-2 are kept anyway. */
	assert_int_equal(fdargs_collect(argv, 1, &v), 3);
	assert_int_equal(v[0].fd, 63);
	assert_int_equal(v[0].argi, 1);
	assert_string_equal(v[0].arg, "/dev/fd/63");
	assert_int_equal(v[1].fd, 62);
	assert_int_equal(v[1].argi, 3);
	assert_int_equal(v[2].fd, 63);
	assert_int_equal(v[2].argi, 5);
	free(v);
	char *none[] = { (char *)"true", (char *)"x", NULL };
	assert_int_equal(fdargs_collect(none, 1, &v), 0);
	assert_null(v);
}

/* plan_build with the words and LISTEN_* for pid 100. */
static int plan_words(struct plan *p, struct options *o, const char *const *words,
		      const char *listen_fds, const char *fdnames, char *err)
{
	struct plan_env env = { .listen_pid = listen_fds ? "100" : NULL, .listen_fds = listen_fds,
				.listen_fdnames = fdnames, .pid = 100 };
	int r = parse_words(o, words, err, ERRBUF_SIZE);

	plan_init(p);
	if (r < 0)
		return r;
	return plan_build(p, o, &env, err, ERRBUF_SIZE);
}

static void test_plan_keeps_fd_args(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];

	const char *const diff[] = { "diff", "/dev/fd/63", "/proc/100/fd/62", "/proc/101/fd/61", NULL };
	assert_int_equal(plan_words(&p, &o, diff, NULL, NULL, err), 0);
	assert_true(fd_set_contains(&p.keep, 63));
	assert_true(fd_set_contains(&p.keep, 62));
	assert_false(fd_set_contains(&p.keep, 61)); /* another pid */
	assert_int_equal(p.n_fd_args, 2);
	plan_free(&p);
	options_free(&o);

	const char *const off[] = { "--no-keep-fd-args", "diff", "/dev/fd/63", NULL };
	assert_int_equal(plan_words(&p, &o, off, NULL, NULL, err), 0);
	assert_false(fd_set_contains(&p.keep, 63));
	plan_free(&p);
	options_free(&o);

	/* A move onto the number wins: the path names what was put there, and
	 * it is no conflict (a -k of the target would be). */
	const char *const moved[] = { "-p", "5:63", "cat", "/dev/fd/63", NULL };
	assert_int_equal(plan_words(&p, &o, moved, NULL, NULL, err), 0);
	assert_true(fd_set_contains(&p.keep, 63));
	assert_false(fd_set_contains(&p.keep, 5));
	plan_free(&p);
	options_free(&o);

	/* Kept descriptors 3.. that LISTEN_* claim reach COMMAND: the
	 * variables stay. */
	const char *const listen[] = { "cat", "/dev/fd/3", NULL };
	assert_int_equal(plan_words(&p, &o, listen, "1", "web", err), 0);
	assert_false(p.env.unset_listen);
	plan_free(&p);
	options_free(&o);
}

static void test_nullfds_parse(void **state)
{
	(void)state;
	struct fd_set_ranges s;
	char err[ERRBUF_SIZE];

	fd_set_init(&s);
	assert_int_equal(nullfds_parse("0,2", &s, err, sizeof(err)), 0);
	assert_true(fd_set_contains(&s, 0));
	assert_false(fd_set_contains(&s, 1));
	assert_true(fd_set_contains(&s, 2));
	static const char *const bad[] = { "", "3", "0,", ",1", "1,,2", "-1", "01x", "x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(nullfds_parse(bad[i], &s, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--null"));
	}
	fd_set_free(&s);
	assert_int_equal(nullfds_flags(0), O_RDONLY);
	assert_int_equal(nullfds_flags(1), O_WRONLY);
	assert_int_equal(nullfds_flags(2), O_WRONLY);
}

static void test_null_conflicts(void **state)
{
	(void)state;
	struct options o;
	char err[ERRBUF_SIZE];

	const char *const ok[] = { "--null=0,1", "-p", "5:2", "--blocking=2", "c", NULL };
	assert_int_equal(parse_words(&o, ok, err, sizeof(err)), 0);
	options_free(&o);
	const char *const pass[] = { "--null=1", "-p", "5:1", "c", NULL };
	assert_int_equal(parse_words(&o, pass, err, sizeof(err)), -1);
	assert_string_equal(err, "--null and --pass-fd '5:1' both replace descriptor 1");
	options_free(&o);
	const char *const blocking[] = { "--blocking", "--null=0", "c", NULL };
	assert_int_equal(parse_words(&o, blocking, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--null and --blocking both name descriptor 0"));
	options_free(&o);
}

static void test_listen_select_parse(void **state)
{
	(void)state;
	char err[ERRBUF_SIZE];

	assert_int_equal(listen_select_parse("web", err, sizeof(err)), 0);
	assert_int_equal(listen_select_parse("web,db,unknown", err, sizeof(err)), 0);
	static const char *const bad[] = { "", ",", "web,", ",web", "a,,b", "a:b", "web,db,web",
					   "tab\there" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(listen_select_parse(bad[i], err, sizeof(err)), -1);
	assert_string_equal(err, "invalid --listen-fds list 'tab\there': 'tab\there': a name is at most 255 printable ASCII characters, no ':'");
}

static void test_listen_select_order_and_errors(void **state)
{
	(void)state;
	struct listen_fd *v;
	size_t n;
	char err[ERRBUF_SIZE];

	/* In the order of the names; one name may have several sockets. */
	assert_int_equal(listen_select("db,web", "100", "4", "web:db:web:admin", 100, &v, &n, err,
				       sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].fd, 4);
	assert_int_equal(v[1].fd, 3);
	assert_int_equal(v[2].fd, 5);
	assert_int_equal(v[0].name_len, 2);
	assert_memory_equal(v[0].name, "db", 2);
	free(v);
	/* Without LISTEN_FDNAMES every descriptor is "unknown". */
	assert_int_equal(listen_select("unknown", "100", "2", NULL, 100, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	free(v);
	assert_int_equal(listen_select("web", "100", "2", NULL, 100, &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "LISTEN_FDNAMES is not set"));
	/* ... and a huge LISTEN_FDS costs nothing for another name, and is
	 * refused rather than allocated for "unknown". */
	assert_int_equal(listen_select("web", "100", "2147483644", NULL, 100, &v, &n, err,
				       sizeof(err)), -1);
	assert_int_equal(listen_select("unknown", "100", "2147483644", NULL, 100, &v, &n, err,
				       sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	/* A name that is not there; not for this process; a count mismatch. */
	assert_int_equal(listen_select("db,api", "100", "2", "web:db", 100, &v, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "--listen-fds=db,api: no descriptor named 'api' in LISTEN_FDNAMES 'web:db'");
	assert_null(v);
	assert_int_equal(listen_select("web", "101", "1", "web", 100, &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no socket-activation descriptors were passed to this process"));
	assert_int_equal(listen_select("web", NULL, NULL, NULL, 100, &v, &n, err, sizeof(err)), -1);
	assert_int_equal(listen_select("web", "100", "2", "web", 100, &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not have LISTEN_FDS=2 names"));
	/* a prefix is not a name */
	assert_int_equal(listen_select("we", "100", "1", "web", 100, &v, &n, err, sizeof(err)), -1);
}

static void test_plan_listen_fds_names(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];

	/* 3 web, 4 db, 5 admin: keep db then web, renumbered 3, 4. */
	const char *const words[] = { "--listen-fds=db,web", "srv", NULL };
	assert_int_equal(plan_words(&p, &o, words, "3", "web:db:admin", err), 0);
	assert_int_equal(p.n_moves, 2);
	assert_int_equal(p.moves[0].src, 4);
	assert_int_equal(p.moves[0].dst, 3);
	assert_int_equal(p.moves[1].src, 3);
	assert_int_equal(p.moves[1].dst, 4);
	assert_false(fd_set_contains(&p.keep, 5));
	assert_string_equal(p.env.listen_env[0], "2");
	assert_string_equal(p.env.listen_env[1], "100");
	assert_string_equal(p.env.listen_env[2], "db:web");
	assert_false(p.env.unset_listen);
	plan_free(&p);
	options_free(&o);

	/* Then --listen-fd items after them. */
	const char *const more[] = { "--listen-fds=admin", "--listen-fd=9:extra", "srv", NULL };
	assert_int_equal(plan_words(&p, &o, more, "3", "web:db:admin", err), 0);
	assert_string_equal(p.env.listen_env[0], "2");
	assert_string_equal(p.env.listen_env[2], "admin:extra");
	plan_free(&p);
	options_free(&o);

	/* Plain --listen-fds is unchanged: all kept as they are. */
	const char *const plain[] = { "--listen-fds", "srv", NULL };
	assert_int_equal(plan_words(&p, &o, plain, "3", "web:db:admin", err), 0);
	assert_int_equal(p.listen_inherited, 3);
	assert_int_equal(p.n_moves, 0);
	assert_null(p.env.listen_env[0]);
	plan_free(&p);
	options_free(&o);

	const char *const missing[] = { "--listen-fds=api", "srv", NULL };
	assert_int_equal(plan_words(&p, &o, missing, "3", "web:db:admin", err), -1);
	assert_non_null(strstr(err, "no descriptor named 'api'"));
	plan_free(&p);
	options_free(&o);

	/* -k of a number the selection moves a socket onto: refused. */
	const char *const clash[] = { "--listen-fds=db", "-k", "3", "srv", NULL };
	assert_int_equal(plan_words(&p, &o, clash, "3", "web:db:admin", err), -1);
	plan_free(&p);
	options_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdarg_parse_counted_forms),
		cmocka_unit_test(test_fdarg_parse_everything_else),
		cmocka_unit_test(test_fdargs_collect_arguments_only),
		cmocka_unit_test(test_plan_keeps_fd_args),
		cmocka_unit_test(test_nullfds_parse),
		cmocka_unit_test(test_null_conflicts),
		cmocka_unit_test(test_listen_select_parse),
		cmocka_unit_test(test_listen_select_order_and_errors),
		cmocka_unit_test(test_plan_listen_fds_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
