/* test_readers.c: LISTEN_PID, LISTEN_FDS and the jobserver variables read
 * by each reader's rules (src/readers.c): every form a reader takes and
 * refuses, table by table.  The libsystemd rows were checked against
 * Debian 12's libsystemd.so.0 (systemd 252) with sd_listen_fds(); the rows
 * marked C23 are what glibc 2.38 and later add (a "0b" prefix in strtol
 * itself), which older libcs refuse: counted as taken. */
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

#include "readers.h"

#define SELF 1234 /* 0x4d2, 02322, 0b10011010010 */

static void test_listen_pid_read(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		pid_t self;
		enum listen_pid_reading want;
	} cases[] = {
		{ "1234", SELF, LISTEN_PID_OURS },
		/* libsystemd's parse_pid(): white space, sign, base prefixes */
		{ "+1234", SELF, LISTEN_PID_OURS },
		{ " 1234", SELF, LISTEN_PID_OURS },
		{ " \t\n\r1234", SELF, LISTEN_PID_OURS },
		{ "\v1234", SELF, LISTEN_PID_OURS }, /* strtoul skips \v and \f too */
		{ "\f+1234", SELF, LISTEN_PID_OURS },
		{ " +1234", SELF, LISTEN_PID_OURS },
		{ "0x4d2", SELF, LISTEN_PID_OURS },
		{ "0X4D2", SELF, LISTEN_PID_OURS },
		{ "\t0x4d2", SELF, LISTEN_PID_OURS },
		{ "02322", SELF, LISTEN_PID_OURS }, /* C's octal */
		{ "0o2322", SELF, LISTEN_PID_OURS },
		{ "0O2322", SELF, LISTEN_PID_OURS },
		{ "0b10011010010", SELF, LISTEN_PID_OURS },
		{ "0B10011010010", SELF, LISTEN_PID_OURS },
		{ "+0b10011010010", SELF, LISTEN_PID_OURS },   /* C23 */
		{ "0b0b10011010010", SELF, LISTEN_PID_OURS },  /* C23 */
		/* leading zeros: octal for libsystemd, decimal for go-systemd */
		{ "01234", SELF, LISTEN_PID_OURS },
		{ "001234", SELF, LISTEN_PID_OURS },
		{ "01234", 668, LISTEN_PID_OURS },
		{ "0001234", 668, LISTEN_PID_OURS },
		/* '-' after a white space systemd does not skip: negated modulo
		 * 2^64 (64-bit long) or 2^32 (32-bit long) */
		{ "\v-18446744073709550382", SELF, LISTEN_PID_OURS },
		{ "\v-4294966062", SELF, LISTEN_PID_OURS },
		{ "0b\v-1", SELF, LISTEN_PID_MALFORMED },
		/* another process */
		{ "1235", SELF, LISTEN_PID_OTHER },
		{ "0x4d3", SELF, LISTEN_PID_OTHER },
		{ "1", SELF, LISTEN_PID_OTHER },
		{ "2147483647", SELF, LISTEN_PID_OTHER },
		/* refused by libsystemd, and no reader's self */
		{ "", SELF, LISTEN_PID_MALFORMED },
		{ " ", SELF, LISTEN_PID_MALFORMED },
		{ "x", SELF, LISTEN_PID_MALFORMED },
		{ "12x", SELF, LISTEN_PID_MALFORMED },
		{ "1234 ", SELF, LISTEN_PID_MALFORMED },   /* nothing may follow */
		{ "1234\n", SELF, LISTEN_PID_MALFORMED },
		{ "12 34", SELF, LISTEN_PID_MALFORMED },
		{ "1_234", SELF, LISTEN_PID_MALFORMED },
		{ "1234.", SELF, LISTEN_PID_MALFORMED },
		{ "+ 1234", SELF, LISTEN_PID_MALFORMED },
		{ "++1234", SELF, LISTEN_PID_MALFORMED },
		{ "+0o2322", SELF, LISTEN_PID_MALFORMED }, /* "0o" only right after the blanks */
		{ "0x", SELF, LISTEN_PID_MALFORMED },
		{ "0o", SELF, LISTEN_PID_MALFORMED },
		{ "0b", SELF, LISTEN_PID_MALFORMED },
		{ "0b2", SELF, LISTEN_PID_MALFORMED },
		{ "0o8", SELF, LISTEN_PID_MALFORMED },
		{ "09", SELF, LISTEN_PID_MALFORMED },      /* not octal */
		{ "0", SELF, LISTEN_PID_MALFORMED },
		{ "-0", SELF, LISTEN_PID_MALFORMED },
		{ "-1234", SELF, LISTEN_PID_MALFORMED },
		{ "2147483648", SELF, LISTEN_PID_MALFORMED },
		{ "4294968530", SELF, LISTEN_PID_MALFORMED }, /* 2^32 + 1234: no wrap */
		{ "18446744073709552850", SELF, LISTEN_PID_MALFORMED },
		{ "99999999999999999999999999", SELF, LISTEN_PID_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum listen_pid_reading got = listen_pid_read(cases[i].s, cases[i].self);
		if (got != cases[i].want)
			fail_msg("LISTEN_PID '%s' (self %d): got %d, want %d", cases[i].s,
				 (int)cases[i].self, got, cases[i].want);
	}
}

static void test_listen_fds_read(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ret, count;
	} cases[] = {
		{ "1", 0, 1 },
		{ "2", 0, 2 },
		{ "+1", 0, 1 },
		{ " 1", 0, 1 },
		{ "\v1", 0, 1 },
		{ "01", 0, 1 },
		{ "0x1", 0, 1 },
		{ "+0x1", 0, 1 },
		{ "0o1", 0, 1 },
		{ "0b1", 0, 1 },
		{ "+0b1", 0, 1 },   /* C23 */
		{ "0x10", 0, 16 },
		{ "0o10", 0, 8 },
		{ "010", 0, 10 },   /* 8 for libsystemd, 10 for go-systemd: the most */
		{ "017", 0, 17 },
		{ "0b11", 0, 3 },
		{ "2147483644", 0, 2147483644 },
		/* beyond libsystemd's range, but go-systemd's Atoi takes them:
		 * every descriptor from 3 to INT_MAX */
		{ "2147483645", 0, INT_MAX - 2 },
		{ "2147483647", 0, INT_MAX - 2 },
		{ "99999999999", 0, INT_MAX - 2 },
		/* refused by every reader */
		{ "", -1, 0 },
		{ " ", -1, 0 },
		{ "x", -1, 0 },
		{ "1x", -1, 0 },
		{ "1 ", -1, 0 },
		{ "1\n", -1, 0 },
		{ "1 2", -1, 0 },
		{ "0", -1, 0 },
		{ "-1", -1, 0 },
		{ "-0x1", -1, 0 },
		{ "0x", -1, 0 },
		{ "0x1g", -1, 0 },
		{ "4294967297x", -1, 0 },
		{ "+0o1", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int count = -7;
		int ret = listen_fds_read(cases[i].s, &count);
		if (ret != cases[i].ret || count != cases[i].count)
			fail_msg("LISTEN_FDS '%s': got %d count %d, want %d count %d", cases[i].s, ret,
				 count, cases[i].ret, cases[i].count);
	}
}

#define NONE JOBSERVER_NONE
#define BAD JOBSERVER_MALFORMED
#define PIPE JOBSERVER_PIPE
#define UNKNOWN JOBSERVER_UNKNOWN

/* What GNU make takes: jobserver_make_reading(). */
static void test_jobserver_make_reading(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool found;
		enum jobserver_kind kind;
		int r, w;
	} cases[] = {
		{ "", false, NONE, -1, -1 },
		{ "-j4", false, NONE, -1, -1 },
		{ "k -j4", false, NONE, -1, -1 },
		{ " -j4 --jobserver-auth=3,4", true, PIPE, 3, 4 },
		{ "--jobserver-fds=5,6 -j", true, PIPE, 5, 6 },
		{ "\n\t--jobserver-auth=3,4", true, PIPE, 3, 4 },
		/* sscanf("%d,%d"): a sign, blanks, leading zeros, anything after */
		{ "--jobserver-auth=+3,+4", true, PIPE, 3, 4 },
		{ "--jobserver-auth=3,4x", true, PIPE, 3, 4 },
		{ "--jobserver-auth=3,4,5", true, PIPE, 3, 4 },
		{ "--jobserver-auth=03,004", true, PIPE, 3, 4 },
		{ "--jobserver-auth=\\ 3,\\ +4", true, PIPE, 3, 4 },
		{ "--jobserver-auth=\\\n3,4", true, PIPE, 3, 4 },
		{ "--jobserver-auth=3\\,4", true, PIPE, 3, 4 },
		{ "--jobserver\\-auth=3,4", true, PIPE, 3, 4 },
		{ "--jobserver-auth=2147483647,4", true, PIPE, 2147483647, 4 },
		{ "--jobserver-auth=0,1", true, PIPE, 0, 1 },
		/* refused: no descriptor (make 4.3 stops, 4.4 runs -j1) */
		{ "--jobserver-auth=x", true, BAD, -1, -1 },
		{ "--jobserver-auth=3", true, BAD, -1, -1 },
		{ "--jobserver-auth=3,", true, BAD, -1, -1 },
		{ "--jobserver-auth=3;4", true, BAD, -1, -1 },
		{ "--jobserver-auth=3 ,4", true, BAD, -1, -1 },
		{ "--jobserver-auth=0x3,4", true, BAD, -1, -1 },
		{ "--jobserver-auth=+ 3,4", true, BAD, -1, -1 },
		{ "--jobserver-auth=$$3,4", true, BAD, -1, -1 },
		{ "--jobserver-auth", false, NONE, -1, -1 }, /* no argument */
		/* no descriptor */
		{ "--jobserver-auth=fifo:/tmp/GMfifo1", true, NONE, -1, -1 },
		{ "--jobserver-auth=-2,-2", true, NONE, -1, -1 },
		{ "--jobserver-auth=3,-2", true, NONE, -1, -1 },
		{ "--jobserver-auth=-1,4", true, NONE, -1, -1 },
		{ "--jobserver-auth=-2147483648,4", true, NONE, -1, -1 },
		{ "--jobserver-auth=", false, NONE, -1, -1 },
		/* beyond int: truncated (glibc, 64-bit; musl) or clamped (glibc, 32-bit) */
		{ "--jobserver-auth=4294967299,4", true, UNKNOWN, -1, -1 },
		{ "--jobserver-auth=2147483648,4", true, UNKNOWN, -1, -1 },
		{ "--jobserver-auth=3,-2147483649", true, UNKNOWN, -1, -1 },
		{ "--jobserver-auth=99999999999999999999999,4", true, UNKNOWN, -1, -1 },
		/* make variable references: expanded before the words are split */
		{ "--jobserver-auth=$(FD),4", true, UNKNOWN, -1, -1 },
		{ "-j4 $(FLAGS)", true, UNKNOWN, -1, -1 },
		{ "-j4 --jobserver-auth=3,4 ${X}", true, UNKNOWN, -1, -1 },
		{ "-j4 --jobserver-auth=3,4 -- V=$(X)", true, PIPE, 3, 4 },
		{ "-j4 --jobserver-auth=3,4 -- V=$$X", true, PIPE, 3, 4 },
		/* several: the last one with a value */
		{ "--jobserver-fds=5,6 --jobserver-auth=7,8", true, PIPE, 7, 8 },
		{ "--jobserver-auth=7,8 --jobserver-fds=5,6", true, PIPE, 5, 6 },
		{ "--jobserver-auth=3,4 --jobserver-auth=", true, PIPE, 3, 4 },
		{ "--jobserver-auth=3,4 --jobserver-auth=fifo:/x", true, NONE, -1, -1 },
		{ "--jobserver-auth=3,4 --jobserver-auth=-2,-2", true, NONE, -1, -1 },
		/* the forms getopt_long takes */
		{ "--jobserver-auth 3,4", true, PIPE, 3, 4 },
		{ "--jobserver-auth\t3,4 -j2", true, PIPE, 3, 4 },
		{ "--jobserver-a=3,4", true, PIPE, 3, 4 },
		{ "--jobserver-f=3,4", true, PIPE, 3, 4 },
		{ "--jobse=3,4", true, PIPE, 3, 4 }, /* make 4.1 and older */
		{ "--jobs=3,4", false, NONE, -1, -1 },
		{ "--jobserver-authx=3,4", false, NONE, -1, -1 },
		{ "---jobserver-auth=3,4", false, NONE, -1, -1 },
		{ "-jobserver-auth=3,4", false, NONE, -1, -1 },
		{ "X--jobserver-auth=3,4", false, NONE, -1, -1 },
		{ "--jobserver-auth=3,4\t-j2", true, PIPE, 3, 4 },
		{ "--jobserver-auth=3,4\\ -j2", true, PIPE, 3, 4 },
		/* "--" ends the options, unless an option takes it as its argument */
		{ "-j4 --jobserver-auth=3,4 -- --jobserver-auth=5,6", true, PIPE, 3, 4 },
		{ " -- --jobserver-auth=5,6", false, NONE, -1, -1 },
		{ "-k -- --jobserver-auth=5,6", false, NONE, -1, -1 },
		{ "-I -- --jobserver-auth=5,6", true, PIPE, 5, 6 },
		{ "-kC -- --jobserver-auth=5,6", true, PIPE, 5, 6 },
		{ "kC -- --jobserver-auth=5,6", true, PIPE, 5, 6 },
		{ "--directory -- --jobserver-auth=5,6", true, PIPE, 5, 6 },
		{ "--directory=x -- --jobserver-auth=5,6", false, NONE, -1, -1 },
		{ "-\\- --jobserver-auth=5,6", false, NONE, -1, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jobserver_reading rd;
		bool found = jobserver_make_reading(cases[i].v, &rd);
		bool ok = found == cases[i].found && rd.kind == cases[i].kind &&
			  (rd.kind != PIPE || (rd.r == cases[i].r && rd.w == cases[i].w));
		if (!ok)
			fail_msg("make reads '%s': got found %d kind %d %d,%d; want found %d kind %d %d,%d",
				 cases[i].v, found, rd.kind, rd.r, rd.w, cases[i].found, cases[i].kind,
				 cases[i].r, cases[i].w);
	}
	struct jobserver_reading rd;
	assert_false(jobserver_make_reading(NULL, &rd));
}

struct crate_seen {
	struct jobserver_reading rd[2];
	size_t n;
};

static int record_crates(const struct jobserver_reading *rd, void *ctx)
{
	struct crate_seen *seen = ctx;

	if (strncmp(rd->reader, "the jobserver crate", 19) == 0 && seen->n < 2)
		seen->rd[seen->n++] = *rd;
	return 0;
}

/* What the jobserver crate takes: 0.1.28 and later ([0]), before ([1]). */
static void test_jobserver_crate_reading(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		enum jobserver_kind kind[2];
		int r[2], w[2];
	} cases[] = {
		{ "-j4", { NONE, NONE }, { -1, -1 }, { -1, -1 } },
		{ "-j4 --jobserver-auth=3,4", { PIPE, PIPE }, { 3, 3 }, { 4, 4 } },
		{ "--jobserver-auth=+3,+4", { PIPE, PIPE }, { 3, 3 }, { 4, 4 } },
		{ "--jobserver-auth=-3,4", { NONE, NONE }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=03,04 -j", { PIPE, PIPE }, { 3, 3 }, { 4, 4 } },
		{ "--jobserver-auth=3,4x", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=3,4,5", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth= 3,4", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=3,4\t-j2", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=2147483648,4", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=", { BAD, BAD }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=fifo:/x", { NONE, NONE }, { -1, -1 }, { -1, -1 } },
		{ "--jobserver-auth=-2,-2", { NONE, NONE }, { -1, -1 }, { -1, -1 } },
		/* which one: the last auth (else fds), or the first fds (else auth) */
		{ "--jobserver-fds=5,6 --jobserver-auth=7,8", { PIPE, PIPE }, { 7, 5 }, { 8, 6 } },
		{ "--jobserver-auth=3,4 --jobserver-auth=5,6", { PIPE, PIPE }, { 5, 3 }, { 6, 4 } },
		{ "--jobserver-fds=3,4 --jobserver-fds=5,6", { PIPE, PIPE }, { 5, 3 }, { 6, 4 } },
		/* no words: anywhere in the value, after "--" too */
		{ "X--jobserver-auth=3,4", { PIPE, PIPE }, { 3, 3 }, { 4, 4 } },
		{ "-j4 -- --jobserver-auth=5,6", { PIPE, PIPE }, { 5, 5 }, { 6, 6 } },
		{ "--jobserver-auth 3,4", { NONE, NONE }, { -1, -1 }, { -1, -1 } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct crate_seen seen = { .n = 0 };
		assert_int_equal(jobserver_readings(cases[i].v, record_crates, &seen), 0);
		assert_int_equal(seen.n, 2);
		for (size_t k = 0; k < 2; k++) {
			const struct jobserver_reading *rd = &seen.rd[k];
			bool ok = rd->kind == cases[i].kind[k] &&
				  (rd->kind != PIPE || (rd->r == cases[i].r[k] && rd->w == cases[i].w[k]));
			if (!ok)
				fail_msg("%s reads '%s': got kind %d %d,%d; want kind %d %d,%d",
					 rd->reader, cases[i].v, rd->kind, rd->r, rd->w,
					 cases[i].kind[k], cases[i].r[k], cases[i].w[k]);
		}
	}
}

struct all_seen {
	char text[512];
};

static int record_all(const struct jobserver_reading *rd, void *ctx)
{
	struct all_seen *seen = ctx;
	size_t len = strlen(seen->text);

	snprintf(seen->text + len, sizeof(seen->text) - len, "%s%d:%d,%d", len ? " " : "", rd->kind,
		 rd->r, rd->w);
	return 0;
}

/* Every jobserver option make may take is visited, not only the last. */
static void test_jobserver_readings_every_option(void **state)
{
	(void)state;
	struct all_seen seen = { .text = "" };
	const char *v = "--jobserver-auth=3,4 -I --jobserver-auth=5,6 --jobserver-auth 7,8";

	assert_int_equal(jobserver_readings(v, record_all, &seen), 0);
	/* make: 3,4, 5,6, 7,8; the crates: the last auth= (5,6), the first (3,4) */
	assert_string_equal(seen.text, "2:3,4 2:5,6 2:7,8 2:5,6 2:3,4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_pid_read),
		cmocka_unit_test(test_listen_fds_read),
		cmocka_unit_test(test_jobserver_make_reading),
		cmocka_unit_test(test_jobserver_crate_reading),
		cmocka_unit_test(test_jobserver_readings_every_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
