/* test_activation.c: what the environment becomes (src/activation.c and
 * the plan): a jobserver withheld in place or the variable removed, the
 * LISTEN_* claims checked against the descriptors that reach COMMAND and
 * are open, LISTEN_PIDFDID, and the AT_SECURE plan that trusts nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activation.h"
#include "errbuf.h"
#include "plan.h"
#include "words.h"

/* Open: 0-9 but 6. */
static int open_but_6(int fd)
{
	return fd >= 0 && fd <= 9 && fd != 6;
}

static void set_of(struct fd_set_ranges *s, int lo, int hi)
{
	fd_set_init(s);
	assert_int_equal(fd_set_add(s, 0, 2), 0);
	if (lo >= 0)
		assert_int_equal(fd_set_add(s, (unsigned)lo, (unsigned)hi), 0);
}

/* The rewrite: every value a reader would take a lost descriptor from is
 * replaced by -2,-2, and the result read again; unset where that is not
 * enough.  Kept: 3 and 4 (-1: nothing but 0-2). */
static void test_jobserver_withhold(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		int keep_lo, keep_hi;
		int ret;          /* 0 unchanged, 1 rewritten, 2 unset */
		const char *out;  /* ret 1 */
		int bad_fd;
	} cases[] = {
		{ " -j4 --jobserver-auth=3,4", -1, -1, 1, " -j4 --jobserver-auth=-2,-2", 3 },
		{ "-j --jobserver-fds=3,4", -1, -1, 1, "-j --jobserver-fds=-2,-2", 3 },
		{ "-j4 --jobserver-auth=3,4 -- V=1", -1, -1, 1, "-j4 --jobserver-auth=-2,-2 -- V=1", 3 },
		/* the forms make takes and a stricter parser refused */
		{ "-j4 --jobserver-auth=+3,+4", -1, -1, 1, "-j4 --jobserver-auth=-2,-2", 3 },
		{ "-j4 --jobserver-auth=3,4x", -1, -1, 1, "-j4 --jobserver-auth=-2,-2", 3 },
		{ "-j4 --jobserver-auth=3,4,5", -1, -1, 1, "-j4 --jobserver-auth=-2,-2", 3 },
		{ "-j4 --jobserver-auth 3,4", -1, -1, 1, "-j4 --jobserver-auth -2,-2", 3 },
		{ "-j4 --jobserver-a=3,4", -1, -1, 1, "-j4 --jobserver-a=-2,-2", 3 },
		{ "--jobserver-auth=3,4\t-j2", -1, -1, 1, "--jobserver-auth=-2,-2\t-j2", 3 },
		{ "--jobserver-auth=3,4\\", -1, -1, 1, "--jobserver-auth=-2,-2", 3 },
		{ "--jobserver-auth=4294967299,4", -1, -1, 1, "--jobserver-auth=-2,-2", ENV_BAD_MALFORMED },
		{ "--jobserver-auth=$(FD),4", -1, -1, 1, "--jobserver-auth=-2,-2", ENV_BAD_MALFORMED },
		/* one reader each: make the last, the crates the first and the last */
		{ "--jobserver-fds=5,6 --jobserver-auth=3,4", 3, 4, 1,
		  "--jobserver-fds=-2,-2 --jobserver-auth=3,4", 5 },
		{ "--jobserver-auth=5,6 --jobserver-auth=3,4", 3, 4, 1,
		  "--jobserver-auth=-2,-2 --jobserver-auth=3,4", 5 },
		{ "--jobserver-auth=3,4 -I --jobserver-auth=5,6", 3, 4, 1,
		  "--jobserver-auth=3,4 -I --jobserver-auth=-2,-2", 5 },
		{ "X=--jobserver-auth=5,6 --jobserver-auth=3,4", 3, 4, 1,
		  "X=--jobserver-auth=-2,-2 --jobserver-auth=3,4", 5 },
		{ "-j4 -- --jobserver-auth=5,6", 3, 4, 1, "-j4 -- --jobserver-auth=-2,-2", 5 },
		/* kept, but not open: 6 */
		{ "--jobserver-auth=5,6", 3, 9, 1, "--jobserver-auth=-2,-2", 6 },
		/* nothing to do */
		{ "-j4 --jobserver-auth=3,4", 3, 4, 0, NULL, 0 },
		{ "-j4 --jobserver-auth=+3,04", 3, 4, 0, NULL, 0 },
		{ "-j4 --jobserver-auth=fifo:/tmp/f", -1, -1, 0, NULL, 0 },
		{ "-j4 --jobserver-auth=-2,-2", -1, -1, 0, NULL, 0 },
		{ "-j4 --jobserver-auth=x", -1, -1, 0, NULL, 0 },
		{ "-j4 -- V=$(X)", -1, -1, 0, NULL, 0 },
		{ "-j4", -1, -1, 0, NULL, 0 },
		{ "", -1, -1, 0, NULL, 0 },
		/* no rewrite reaches every reader: unset */
		{ "-j4 $(FLAGS) --jobserver-auth=3,4", -1, -1, 2, NULL, 3 },
		{ "-j4 $(FLAGS)", -1, -1, 2, NULL, ENV_BAD_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fd_set_ranges keep;
		char *out = NULL;
		int bad_fd = 0;
		set_of(&keep, cases[i].keep_lo, cases[i].keep_hi);
		int ret = jobserver_withhold(cases[i].v, &keep, open_but_6, &out, &bad_fd);
		fd_set_free(&keep);
		bool ok = ret == cases[i].ret && (ret != 1 || strcmp(out, cases[i].out) == 0) &&
			  (ret == 1 || !out) && (ret == 0 || bad_fd == cases[i].bad_fd);
		if (!ok)
			fail_msg("'%s': got %d '%s' (bad %d), want %d '%s' (bad %d)", cases[i].v, ret,
				 out ? out : "(null)", bad_fd, cases[i].ret,
				 cases[i].out ? cases[i].out : "(null)", cases[i].bad_fd);
		free(out);
	}
	/* Many values to withhold: unset past the bound of rewrites. */
	char many[1024] = "";
	for (int i = 0; i < 20; i++)
		strcat(many, "--jobserver-auth=3,4 ");
	struct fd_set_ranges keep;
	char *out = NULL;
	int bad_fd;
	set_of(&keep, -1, -1);
	assert_int_equal(jobserver_withhold(many, &keep, NULL, &out, &bad_fd), 2);
	assert_null(out);
	assert_int_equal(jobserver_withhold(NULL, &keep, NULL, &out, &bad_fd), 0);
	fd_set_free(&keep);
}

static void test_jobserver_names_fd(void **state)
{
	(void)state;
	assert_false(jobserver_names_fd(NULL));
	assert_false(jobserver_names_fd("-j4"));
	assert_false(jobserver_names_fd("-j4 --jobserver-auth=fifo:/x"));
	assert_false(jobserver_names_fd("-j4 --jobserver-auth=-2,-2"));
	assert_false(jobserver_names_fd("-j4 --jobserver-auth=x"));
	assert_true(jobserver_names_fd("-j4 --jobserver-auth=3,4"));
	assert_true(jobserver_names_fd("-j4 --jobserver-auth=3,4x"));
	assert_true(jobserver_names_fd("-- --jobserver-fds=3,4"));
	assert_true(jobserver_names_fd("-j4 --jobserver-auth=4294967299,4"));
	assert_true(jobserver_names_fd("-j4 $(X)"));
}

/* LISTEN_* claims: in the set and open. */
static void test_listen_env_stale_open(void **state)
{
	(void)state;
	struct fd_set_ranges keep;
	int bad = 0;

	set_of(&keep, 3, 9);
	assert_int_equal(listen_env_stale("100", "3", 100, &keep, open_but_6, &bad), 0);
	assert_int_equal(listen_env_stale("100", "4", 100, &keep, open_but_6, &bad), 1);
	assert_int_equal(bad, 6);
	assert_int_equal(listen_env_stale("100", "4", 100, &keep, NULL, &bad), 0);
	/* "08": libsystemd refuses it, go-systemd takes 8: 3 to 10, and 10 is not kept */
	assert_int_equal(listen_env_stale("+100", "08", 100, &keep, open_but_6, &bad), 1);
	assert_int_equal(bad, 10);
	assert_int_equal(listen_env_stale("100", "11", 100, &keep, NULL, &bad), 1);
	assert_int_equal(bad, 10);
	assert_int_equal(listen_env_stale("100", "0", 100, &keep, NULL, &bad), 1);
	assert_int_equal(bad, ENV_BAD_MALFORMED);
	assert_int_equal(listen_env_stale("101", "4", 100, &keep, open_but_6, &bad), 0);
	assert_int_equal(listen_env_stale("x", "4", 100, &keep, open_but_6, &bad), 0);
	fd_set_free(&keep);
}

static int build(struct plan *p, struct options *o, const char *const *words,
		 const struct plan_env *env, char *err)
{
	static char *argv[WORDS_MAX];
	int argc = words_to_argv(words, argv);

	options_init(o);
	plan_init(p);
	err[0] = '\0';
	if (options_parse(o, argc, argv, err, ERRBUF_SIZE) < 0)
		return -2;
	return plan_build(p, o, env, err, ERRBUF_SIZE);
}

/* LISTEN_PIDFDID goes with the others, and where --listen-fd sets
 * LISTEN_PID. */
static void test_plan_pidfdid(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const char *const plain[] = { "c", NULL };
	const char *const listen_fd[] = { "--listen-fd", "7", "c", NULL };
	struct plan_env env = { .listen_pid = "100", .listen_fds = "1", .listen_pidfdid = "42",
				.pid = 100 };

	assert_int_equal(build(&p, &o, plain, &env, err), 0);
	assert_true(p.env.unset_listen);
	plan_free(&p);
	options_free(&o);

	assert_int_equal(build(&p, &o, listen_fd, &env, err), 0);
	assert_false(p.env.unset_listen);
	assert_true(p.env.unset_pidfdid);
	assert_string_equal(p.env.listen_env[1], "100");
	plan_free(&p);
	options_free(&o);

	env.listen_pidfdid = NULL;
	assert_int_equal(build(&p, &o, listen_fd, &env, err), 0);
	assert_false(p.env.unset_pidfdid);
	plan_free(&p);
	options_free(&o);

	/* Kept as they are: LISTEN_PIDFDID too. */
	const char *const kept[] = { "-k", "3", "c", NULL };
	env.listen_pidfdid = "42";
	assert_int_equal(build(&p, &o, kept, &env, err), 0);
	assert_false(p.env.unset_listen);
	assert_false(p.env.unset_pidfdid);
	plan_free(&p);
	options_free(&o);
}

/* AT_SECURE: nothing is kept on the environment's word, every LISTEN_* and
 * every jobserver variable that names a descriptor goes, even where the
 * descriptors are kept. */
static void test_plan_secure(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const struct plan_env env = {
		.listen_pid = "100", .listen_fds = "2", .listen_fdnames = "a:b",
		.listen_pidfdid = "42",
		.jobserver_env = { "-j4 --jobserver-auth=3,4", "-j --jobserver-fds=3,4",
				   "-j --jobserver-auth=fifo:/x" },
		.pid = 100, .secure = true,
	};
	const char *const keep_all[] = { "--listen-fds", "--keep-jobserver", "-k", "3-4", "c", NULL };

	assert_int_equal(build(&p, &o, keep_all, &env, err), 0);
	assert_int_equal(p.listen_inherited, 0);
	assert_true(p.env.unset_listen);
	assert_int_equal(p.env.listen_bad_fd, ENV_BAD_SECURE);
	for (int i = 0; i < 2; i++) {
		assert_true(p.env.unset_jobserver[i]);
		assert_null(p.env.makeflags[i]);
		assert_int_equal(p.env.jobserver_bad_fd[i], ENV_BAD_SECURE);
	}
	assert_false(p.env.unset_jobserver[2]); /* fifo: names no descriptor */
	plan_free(&p);
	options_free(&o);

	/* --listen-fds and --keep-jobserver keep nothing. */
	const char *const trust[] = { "--listen-fds", "--keep-jobserver", "c", NULL };
	assert_int_equal(build(&p, &o, trust, &env, err), 0);
	assert_false(fd_set_contains(&p.keep, 3));
	assert_false(fd_set_contains(&p.keep, 4));
	plan_free(&p);
	options_free(&o);

	/* --listen-fd: set anew, no inherited names, LISTEN_PIDFDID gone. */
	const char *const listen_fd[] = { "--listen-fds", "--listen-fd", "7:web", "c", NULL };
	assert_int_equal(build(&p, &o, listen_fd, &env, err), 0);
	assert_false(p.env.unset_listen);
	assert_true(p.env.unset_pidfdid);
	assert_string_equal(p.env.listen_env[0], "1");
	assert_string_equal(p.env.listen_env[2], "web");
	assert_int_equal(p.moves[0].dst, 3);
	plan_free(&p);
	options_free(&o);

	/* Malformed values are no error there: they are removed. */
	const struct plan_env bad = { .listen_pid = "x", .listen_fds = "y",
				      .jobserver_env = { "--jobserver-auth=x" },
				      .pid = 100, .secure = true };
	assert_int_equal(build(&p, &o, trust, &bad, err), 0);
	assert_true(p.env.unset_listen);
	assert_false(p.env.unset_jobserver[0]);
	plan_free(&p);
	options_free(&o);

	/* Without any variable: nothing to remove. */
	const struct plan_env none = { .pid = 100, .secure = true };
	assert_int_equal(build(&p, &o, trust, &none, err), 0);
	assert_false(p.env.unset_listen);
	plan_free(&p);
	options_free(&o);
}

/* The lines --list and --audit print. */
static void test_env_change_print(void **state)
{
	(void)state;
	struct env_change c = { .unset_listen = false };
	char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	env_change_free(&c); /* nothing to free: sets the defaults */
	c.unset_listen = true;
	c.listen_bad_fd = ENV_BAD_SECURE;
	c.unset_jobserver[0] = true;
	c.jobserver_bad_fd[0] = ENV_BAD_SECURE;
	c.unset_jobserver[1] = true;
	c.jobserver_bad_fd[1] = 5;
	c.unset_pidfdid = true;
	env_change_print(f, &c, "> ");
	fclose(f);
	assert_string_equal(buf,
		"> unset LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PIDFDID (closefds runs with raised privileges, AT_SECURE: it trusts none of them)\n"
		"> unset MAKEFLAGS (it names a jobserver descriptor, and closefds runs with raised privileges: AT_SECURE)\n"
		"> unset CARGO_MAKEFLAGS (jobserver descriptor 5 does not reach COMMAND)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobserver_withhold),
		cmocka_unit_test(test_jobserver_names_fd),
		cmocka_unit_test(test_listen_env_stale_open),
		cmocka_unit_test(test_plan_pidfdid),
		cmocka_unit_test(test_plan_secure),
		cmocka_unit_test(test_env_change_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
