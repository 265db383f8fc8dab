/* test_plan.c: the --pass-fd schedule, plan_build, and the socket
 * activation and jobserver parsers (src/plan.c, src/activation.c). */
#include <limits.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activation.h"
#include "plan.h"
#include "errbuf.h"
#include "words.h"

#define SLOTS 64
#define TEMPS 64

/* Run ops on a model table: slot -> the id of the value it holds (its
 * original number; -1 empty), temps likewise.  Then every target must hold
 * its source's original value, and every slot that is neither a target nor
 * a temp must be untouched. */
static void check_schedule(const struct fd_move *moves, size_t n)
{
	int table[SLOTS], temp[TEMPS];
	struct pass_op *ops;
	size_t n_ops, n_temps;
	bool is_target[SLOTS] = { false };

	for (int i = 0; i < SLOTS; i++)
		table[i] = i;
	for (int i = 0; i < TEMPS; i++)
		temp[i] = -1;
	assert_int_equal(pass_schedule(moves, n, &ops, &n_ops, &n_temps), 0);
	for (size_t i = 0; i < n_ops; i++) {
		int from = ops[i].from, to = ops[i].to;
		int v = from >= 0 ? table[from] : temp[PASS_TEMP_INDEX(from)];
		assert_true(v >= 0); /* never copies from an empty temp */
		if (to >= 0)
			table[to] = v;
		else
			temp[PASS_TEMP_INDEX(to)] = v;
	}
	size_t real_moves = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(table[moves[i].dst], moves[i].src);
		is_target[moves[i].dst] = true;
		real_moves += moves[i].src != moves[i].dst;
	}
	for (int i = 0; i < SLOTS; i++)
		if (!is_target[i])
			assert_int_equal(table[i], i);
	assert_true(n_ops <= real_moves + n_temps);
	assert_true(n_temps <= real_moves / 2); /* a temp breaks a cycle of >= 2 */
	free(ops);
}

static void test_pass_schedule_cases(void **state)
{
	(void)state;
	static const struct {
		struct fd_move m[6];
		size_t n;
		size_t temps;
	} cases[] = {
		{ { { 3, 4 } }, 1, 0 },                                 /* a move */
		{ { { 3, 4 }, { 4, 3 } }, 2, 1 },                       /* a swap */
		{ { { 3, 4 }, { 4, 5 }, { 5, 3 } }, 3, 1 },             /* a 3-cycle */
		{ { { 3, 4 }, { 4, 5 }, { 5, 6 } }, 3, 0 },             /* a chain */
		{ { { 5, 6 }, { 4, 5 }, { 3, 4 } }, 3, 0 },             /* the chain reversed */
		{ { { 3, 10 }, { 3, 11 }, { 3, 12 } }, 3, 0 },          /* fan-out */
		{ { { 3, 10 }, { 3, 11 }, { 10, 3 } }, 3, 0 },          /* fan-out frees the cycle */
		{ { { 3, 4 }, { 4, 3 }, { 3, 5 }, { 4, 6 } }, 4, 0 },   /* swap with copies out */
		{ { { 7, 7 }, { 8, 8 } }, 2, 0 },                       /* src == dst: nothing */
		{ { { 1, 2 }, { 2, 1 }, { 3, 4 }, { 4, 3 } }, 4, 2 },   /* two swaps */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct pass_op *ops;
		size_t n_ops, n_temps;
		check_schedule(cases[c].m, cases[c].n);
		assert_int_equal(pass_schedule(cases[c].m, cases[c].n, &ops, &n_ops, &n_temps), 0);
		assert_int_equal(n_temps, cases[c].temps);
		free(ops);
	}
}

/* Thousands of random parallel assignments: distinct targets, any
 * sources (fan-out, chains, cycles, moves onto sources). */
static void test_pass_schedule_random(void **state)
{
	(void)state;
	srand(1123);
	for (int round = 0; round < 3000; round++) {
		struct fd_move m[20];
		bool used[41] = { false };
		size_t n = 0, want = 1 + (size_t)(rand() % 20);
		while (n < want) {
			int dst = rand() % 41;
			if (used[dst])
				continue;
			used[dst] = true;
			m[n].src = rand() % 41;
			m[n].dst = dst;
			m[n].listen = false;
			n++;
		}
		check_schedule(m, n);
	}
}

static int build(struct plan *p, struct options *o, const char *const *words,
		 const struct plan_env *env, char *err)
{
	static char *argv[WORDS_MAX]; /* o->command points into it after we return */
	int argc = words_to_argv(words, argv);

	options_init(o);
	plan_init(p);
	err[0] = '\0';
	if (options_parse(o, argc, argv, err, ERRBUF_SIZE) < 0)
		return -2;
	return plan_build(p, o, env, err, ERRBUF_SIZE);
}

static const struct plan_env no_env = { .pid = 100 };

static void test_plan_build_keep_set(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-k", "7,20-30", "-p", "5:1", "-p", "9:9", "-p", "5:8",
				      "-p", "5:8", "c", NULL };

	assert_int_equal(build(&p, &o, words, &no_env, err), 0);
	/* The same move twice counts once. */
	assert_int_equal(p.n_moves, 3);
	assert_int_equal(p.max_target, 9);
	/* 0-2, 7, 8, 9, 20-30: 7, 8 and 9 merge. */
	assert_int_equal(p.keep.n, 3);
	assert_int_equal(p.keep.v[0].lo, 0);
	assert_int_equal(p.keep.v[0].hi, 2);
	assert_int_equal(p.keep.v[1].lo, 7);
	assert_int_equal(p.keep.v[1].hi, 9);
	assert_int_equal(p.keep.v[2].lo, 20);
	assert_int_equal(p.keep.v[2].hi, 30);
	assert_false(fd_set_contains(&p.keep, 5)); /* a source only: closed */
	plan_free(&p);
	options_free(&o);
}

static void test_plan_build_conflicts(void **state)
{
	(void)state;
	static const struct {
		const char *words[8];
		const char *message;
	} cases[] = {
		{ { "-p", "3:7", "-p", "4:7", "c", NULL }, "descriptor 7 is the target of two moves (from 3 and 4)" },
		{ { "-k", "7", "-p", "3:7", "c", NULL }, "--pass-fd '3': target 7 is also kept" },
		{ { "-k", "5-10", "-p", "3:7", "c", NULL }, "--pass-fd '3': target 7 is also kept" },
		{ { "-p", "4", "-p", "3:4", "c", NULL }, "descriptor 4 is the target of two moves" },
		{ { "-k", "3", "--listen-fd", "5", "c", NULL }, "--listen-fd '5': target 3 is also kept" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;
		struct plan p;
		char err[ERRBUF_SIZE];
		assert_int_equal(build(&p, &o, cases[i].words, &no_env, err), -1);
		assert_true(strncmp(err, cases[i].message, strlen(cases[i].message)) == 0);
		plan_free(&p);
		options_free(&o);
	}
}

static void test_plan_build_listen(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const struct plan_env env = { .listen_pid = "100", .listen_fds = "2",
				      .listen_fdnames = "a:b", .pid = 100 };
	const char *const words[] = { "--listen-fds", "--listen-fd", "9:web", "--listen-fd", "8",
				      "c", NULL };

	assert_int_equal(build(&p, &o, words, &env, err), 0);
	assert_int_equal(p.listen_inherited, 2);
	assert_true(fd_set_contains(&p.keep, 3) && fd_set_contains(&p.keep, 4));
	/* --listen-fd moves go to 5, 6 in the order given. */
	assert_int_equal(p.n_moves, 2);
	assert_int_equal(p.moves[0].src, 9);
	assert_int_equal(p.moves[0].dst, 5);
	assert_int_equal(p.moves[1].src, 8);
	assert_int_equal(p.moves[1].dst, 6);
	assert_string_equal(p.env.listen_env[0], "4");
	assert_string_equal(p.env.listen_env[1], "100");
	assert_string_equal(p.env.listen_env[2], "a:b:web:unknown");
	plan_free(&p);
	options_free(&o);

	/* Another process's LISTEN_PID: nothing inherited; names start afresh. */
	const struct plan_env other = { .listen_pid = "99", .listen_fds = "2", .pid = 100 };
	assert_int_equal(build(&p, &o, words, &other, err), 0);
	assert_int_equal(p.listen_inherited, 0);
	assert_int_equal(p.moves[0].dst, 3);
	assert_string_equal(p.env.listen_env[0], "2");
	assert_string_equal(p.env.listen_env[2], "web:unknown");
	plan_free(&p);
	options_free(&o);
}

static void test_listen_env_parse(void **state)
{
	(void)state;
	char err[ERRBUF_SIZE];
	int n = -1;

	assert_int_equal(listen_env_parse(NULL, NULL, 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(listen_env_parse("5", NULL, 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(listen_env_parse("5", "3", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(listen_env_parse("6", "3", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	static const char *const bad_pid[] = { "", "x", "-5", "0", "99999999999" };
	for (size_t i = 0; i < sizeof(bad_pid) / sizeof(bad_pid[0]); i++)
		assert_int_equal(listen_env_parse(bad_pid[i], "1", 5, &n, err, sizeof(err)), -1);
	static const char *const bad_fds[] = { "", "x", "-1", "0", "1 ", "2147483645", "2147483646",
						"99999999999" };
	for (size_t i = 0; i < sizeof(bad_fds) / sizeof(bad_fds[0]); i++)
		assert_int_equal(listen_env_parse("5", bad_fds[i], 5, &n, err, sizeof(err)), -1);
	assert_int_equal(listen_env_parse("5", "2147483644", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2147483644);
	/* the forms sd_listen_fds() takes */
	assert_int_equal(listen_env_parse("+5", "1", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(listen_env_parse(" 5", "0x2", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(listen_env_parse("05", " 3", 5, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
}

static void test_listen_name_valid(void **state)
{
	(void)state;
	char long_name[300];

	assert_true(listen_name_valid("web", 3));
	assert_true(listen_name_valid("", 0));
	assert_false(listen_name_valid("a:b", 3));
	assert_false(listen_name_valid("a\tb", 3));
	assert_false(listen_name_valid("\x7f", 1));
	assert_false(listen_name_valid("\xc3\xa9", 2));
	memset(long_name, 'x', sizeof(long_name));
	assert_true(listen_name_valid(long_name, 255));
	assert_false(listen_name_valid(long_name, 256));
}

static void test_jobserver_parse(void **state)
{
	(void)state;
	static const struct {
		const char *flags;
		int found, r, w;
	} cases[] = {
		{ NULL, 0, 0, 0 },
		{ "", 0, 0, 0 },
		{ "-j4", 0, 0, 0 },
		{ " -j4 --jobserver-auth=3,4", 1, 3, 4 },
		{ "--jobserver-fds=5,6 -j", 1, 5, 6 },
		{ "--jobserver-fds=5,6 --jobserver-auth=7,8", 1, 7, 8 }, /* the last one */
		{ "--jobserver-auth=fifo:/tmp/GMfifo1", 0, 0, 0 },
		{ "--jobserver-auth=3,4 --jobserver-auth=fifo:/x", 0, 0, 0 },
		{ "--jobserver-auth=-2,-2", 0, 0, 0 },
		{ "--jobserver-auth=x", -1, 0, 0 },
		{ "--jobserver-auth=3", -1, 0, 0 },
		{ "--jobserver-auth=3,", -1, 0, 0 },
		{ "--jobserver-auth=", 0, 0, 0 }, /* make: an error, and no jobserver */
		/* sscanf("%d,%d") takes these */
		{ "--jobserver-auth=+3,+4", 1, 3, 4 },
		{ "--jobserver-auth=3,4x", 1, 3, 4 },
		{ "--jobserver-auth=3,4,5", 1, 3, 4 },
		{ "--jobserver-auth=03,04", 1, 3, 4 },
		{ "--jobserver-auth 3,4", 1, 3, 4 },
		/* After "--" come variables, not options. */
		{ "-j4 --jobserver-auth=3,4 -- --jobserver-auth=5,6", 1, 3, 4 },
		{ " -- --jobserver-auth=5,6", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[ERRBUF_SIZE];
		int r = -1, w = -1;
		assert_int_equal(jobserver_parse(cases[i].flags, &r, &w, err, sizeof(err)),
				 cases[i].found);
		if (cases[i].found == 1) {
			assert_int_equal(r, cases[i].r);
			assert_int_equal(w, cases[i].w);
		}
	}
}


/* The environment plan_build makes true: LISTEN_* unset when a descriptor
 * they claim does not reach COMMAND as it is, MAKEFLAGS' jobserver withheld
 * when its pipe does not. */
static void test_plan_build_env_truth(void **state)
{
	(void)state;
	static const struct {
		const char *words[8];
		const char *listen_fds;
		const char *makeflags;
		bool unset_listen;
		int listen_bad_fd;
		const char *new_makeflags; /* NULL: unchanged */
	} cases[] = {
		/* socket activation without --listen-fds: 3 is closed */
		{ { "c", NULL }, "1", NULL, true, 3, NULL },
		{ { "--listen-fds", "c", NULL }, "2", NULL, false, -1, NULL },
		{ { "-k", "3", "c", NULL }, "1", NULL, false, -1, NULL },
		{ { "-k", "3-4", "c", NULL }, "2", NULL, false, -1, NULL },
		{ { "-k", "3", "c", NULL }, "2", NULL, true, 4, NULL },
		{ { "-k", "4", "c", NULL }, "1", NULL, true, 3, NULL },
		/* moved away, or replaced by a move */
		{ { "-p", "3:7", "c", NULL }, "1", NULL, true, 3, NULL },
		{ { "-p", "5:3", "c", NULL }, "1", NULL, true, 3, NULL },
		{ { "-p", "3", "c", NULL }, "1", NULL, false, -1, NULL },
		{ { "c", NULL }, "x", NULL, true, -1, NULL },
		{ { "c", NULL }, "0", NULL, true, -1, NULL }, /* sd_listen_fds() refuses 0 */
		/* the jobserver */
		{ { "c", NULL }, NULL, " -j4 --jobserver-auth=3,4", false, -1, " -j4 --jobserver-auth=-2,-2" },
		{ { "c", NULL }, NULL, "-j --jobserver-fds=3,4", false, -1, "-j --jobserver-fds=-2,-2" },
		{ { "--keep-jobserver", "c", NULL }, NULL, "-j4 --jobserver-auth=3,4", false, -1, NULL },
		{ { "-k", "3,4", "c", NULL }, NULL, "-j4 --jobserver-auth=3,4", false, -1, NULL },
		{ { "-k", "3", "c", NULL }, NULL, "-j4 --jobserver-auth=3,4", false, -1,
		  "-j4 --jobserver-auth=-2,-2" },
		{ { "-k", "3,4", "-p", "9:4", "c", NULL }, NULL, "-j4 --jobserver-auth=3,4", false, -1,
		  NULL }, /* refused: target 4 is also kept (checked below) */
		{ { "c", NULL }, NULL, "-j4 --jobserver-auth=fifo:/tmp/f", false, -1, NULL },
		{ { "c", NULL }, NULL, "-j4 --jobserver-auth=-2,-2", false, -1, NULL },
		{ { "c", NULL }, NULL, "-j4 --jobserver-auth=x", false, -1, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;
		struct plan p;
		char err[ERRBUF_SIZE];
		const struct plan_env env = { .listen_pid = cases[i].listen_fds ? "100" : NULL,
					      .listen_fds = cases[i].listen_fds,
					      .jobserver_env = { cases[i].makeflags, NULL, NULL },
					      .pid = 100 };
		int r = build(&p, &o, cases[i].words, &env, err);
		if (strcmp(cases[i].words[0], "-k") == 0 && cases[i].words[2] &&
		    strcmp(cases[i].words[2], "-p") == 0) {
			assert_int_equal(r, -1);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(p.env.unset_listen, cases[i].unset_listen);
			if (cases[i].unset_listen)
				assert_int_equal(p.env.listen_bad_fd, cases[i].listen_bad_fd);
			if (cases[i].new_makeflags)
				assert_string_equal(p.env.makeflags[0], cases[i].new_makeflags);
			else
				assert_null(p.env.makeflags[0]);
		}
		plan_free(&p);
		options_free(&o);
	}

	/* Another process's LISTEN_PID: not ours, left alone. */
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "c", NULL };
	const struct plan_env other = { .listen_pid = "99", .listen_fds = "1", .pid = 100 };
	assert_int_equal(build(&p, &o, words, &other, err), 0);
	assert_false(p.env.unset_listen);
	plan_free(&p);
	options_free(&o);
}


/* CARGO_MAKEFLAGS (read first by cargo's jobserver crate) and MFLAGS get
 * the same treatment as MAKEFLAGS, each for the pipe it names. */
static void test_plan_build_cargo_makeflags(void **state)
{
	(void)state;
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];
	const char *const words[] = { "-k", "3,4", "c", NULL };
	const struct plan_env env = {
		.jobserver_env = { "-j4 --jobserver-auth=3,4", "-j8 --jobserver-fds=5,6 -- V=1",
				   "-j --jobserver-auth=7,8" },
		.pid = 100,
	};

	assert_int_equal(build(&p, &o, words, &env, err), 0);
	assert_null(p.env.makeflags[0]); /* 3 and 4 are kept */
	assert_string_equal(p.env.makeflags[1], "-j8 --jobserver-fds=-2,-2 -- V=1");
	assert_int_equal(p.env.jobserver_bad_fd[1], 5);
	/* each variable on its own: the one before was changed too */
	assert_string_equal(p.env.makeflags[2], "-j --jobserver-auth=-2,-2");
	plan_free(&p);
	options_free(&o);
}

/* Finding 7 of issue 15, as a class: every form in which the readers take
 * LISTEN_PID for this process (sd_listen_fds(): white space, '+', 0x, 0o,
 * 0b and C's octal prefixes; go-systemd: leading zeros in decimal), and
 * every form in which GNU make takes the jobserver pipe (sscanf "%d,%d":
 * '+', blanks, leading zeros, anything after; the option's other
 * spellings), with descriptor 3 closed: the LISTEN_* go, the jobserver is
 * withheld.  A stricter parser left them. */
static void test_plan_build_reader_forms(void **state)
{
	(void)state;
	static const char *const pids[] = {
		"100", "+100", " 100", "\t\n\r 100", "\v100", " +100", "0x64", "0X64", "0144",
		"0o144", "0O144", "0b1100100", "0100", "00100", "+0100",
	};
	static const char *const not_ours[] = { "101", "0x65", "100 ", "1 00", "+ 100", "-100",
						"4294967396", "x" };
	static const char *const flags[] = {
		"-j4 --jobserver-auth=3,4", "-j4 --jobserver-auth=+3,+4", "-j4 --jobserver-auth=3,4x",
		"-j4 --jobserver-auth=3,4,5", "-j4 --jobserver-auth=03,04", "-j4 --jobserver-auth=\\ 3,4",
		"-j4 --jobserver-auth 3,4", "-j4 --jobserver-a=3,4", "-j4 --jobserver-fds=+3,4x",
		"--jobserver-auth=3,4\t-j4", "k --jobserver-fds=5,6 --jobserver-auth=3,4",
		"-j4 -- --jobserver-auth=3,4",
	};
	const char *const words[] = { "c", NULL };
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		const struct plan_env env = { .listen_pid = pids[i], .listen_fds = "1", .pid = 100 };
		assert_int_equal(build(&p, &o, words, &env, err), 0);
		if (!p.env.unset_listen)
			fail_msg("LISTEN_PID='%s' is this process for a reader, but LISTEN_* stay",
				 pids[i]);
		plan_free(&p);
		options_free(&o);
	}
	for (size_t i = 0; i < sizeof(not_ours) / sizeof(not_ours[0]); i++) {
		const struct plan_env env = { .listen_pid = not_ours[i], .listen_fds = "1", .pid = 100 };
		assert_int_equal(build(&p, &o, words, &env, err), 0);
		if (p.env.unset_listen)
			fail_msg("LISTEN_PID='%s' is no reader's pid 100, but LISTEN_* go", not_ours[i]);
		plan_free(&p);
		options_free(&o);
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct plan_env env = { .jobserver_env = { flags[i], flags[i], flags[i] },
					      .pid = 100 };
		assert_int_equal(build(&p, &o, words, &env, err), 0);
		for (int v = 0; v < 3; v++)
			if (!p.env.makeflags[v] || strstr(p.env.makeflags[v], "3,") ||
			    strstr(p.env.makeflags[v], "3,4"))
				fail_msg("'%s' names the pipe 3,4 for a reader, but became '%s'", flags[i],
					 p.env.makeflags[v] ? p.env.makeflags[v] : "(unchanged)");
		plan_free(&p);
		options_free(&o);
	}
}

/* Issue 15, finding 12: counts near INT_MAX are a clear error, not an int
 * overflow that ends as "out of memory". */
static void test_plan_build_listen_overflow(void **state)
{
	(void)state;
	static const struct {
		const char *fds;
		const char *needle;
	} cases[] = {
		{ "2147483645", "invalid LISTEN_FDS '2147483645'" },
		{ "2147483647", "invalid LISTEN_FDS '2147483647'" },
		{ "2147483644", "larger than sd_listen_fds() takes (2147483644)" },
		{ "2147483643", "LISTEN_FDNAMES would be" },
	};
	const char *const words[] = { "--listen-fds", "--listen-fd", "0", "c", NULL };
	struct options o;
	struct plan p;
	char err[ERRBUF_SIZE];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct plan_env env = { .listen_pid = "100", .listen_fds = cases[i].fds,
					      .pid = 100 };
		int r = build(&p, &o, words, &env, err);
		if (r != -1 || !strstr(err, cases[i].needle))
			fail_msg("LISTEN_FDS=%s --listen-fds --listen-fd 0: %d '%s', want -1 '...%s...'",
				 cases[i].fds, r, err, cases[i].needle);
		plan_free(&p);
		options_free(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_schedule_cases),
		cmocka_unit_test(test_pass_schedule_random),
		cmocka_unit_test(test_plan_build_keep_set),
		cmocka_unit_test(test_plan_build_conflicts),
		cmocka_unit_test(test_plan_build_listen),
		cmocka_unit_test(test_listen_env_parse),
		cmocka_unit_test(test_listen_name_valid),
		cmocka_unit_test(test_jobserver_parse),
		cmocka_unit_test(test_plan_build_env_truth),
		cmocka_unit_test(test_plan_build_cargo_makeflags),
		cmocka_unit_test(test_plan_build_reader_forms),
		cmocka_unit_test(test_plan_build_listen_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
