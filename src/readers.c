/* readers.c: LISTEN_PID, LISTEN_FDS and the jobserver variables, read by
 * their readers' own rules.
 *
 * Whether a variable still names a descriptor COMMAND does not get must be
 * decided the way COMMAND's libraries read it: a parser stricter than the
 * reader calls "another process's" or "malformed" what the reader takes for
 * its own (LISTEN_PID=+1234, --jobserver-auth=3,4x) and leaves the variable
 * naming a closed descriptor, and COMMAND then takes the first file it
 * opens for the socket or the jobserver pipe.  The rules below follow each
 * reader's source (written here anew, not copied); where versions differ,
 * a value counts for what any of them takes from it.
 *
 * libsystemd, sd_listen_fds() in src/libsystemd/sd-daemon/sd-daemon.c (the
 * same in systemd 252, Debian 12's, and 258): parse_pid() for LISTEN_PID,
 * safe_atoi() for LISTEN_FDS, in src/basic/parse-util.c.  Both skip
 * systemd's WHITESPACE (" \t\n\r"), then take a "0b"/"0B" (binary) or
 * "0o"/"0O" (octal) prefix (mangle_base), then call strtoul/strtol with
 * base 0 (or 2 or 8 after a prefix), which skips any C white space again,
 * takes a sign, and a "0x" (hex) or a "0" (octal) prefix; nothing may
 * follow the digits.  So "+1234", " 1234", "\v1234", "0x4d2", "02322" and
 * "0o2322" are all 1234, and "01234" is 668.  parse_pid() reads an unsigned
 * long and refuses 0, values above INT_MAX, and a '-' right after the
 * prefix; a '-' after a C white space that systemd's WHITESPACE lacks
 * ("\v-...") is negated modulo 2^N instead (N: the width of long, 64 or 32,
 * both counted).  safe_atoi() wants an int, sd_listen_fds() a count from 1
 * to INT_MAX - 3.  glibc 2.38 and later, with C23 features (systemd builds
 * with _GNU_SOURCE), also take a "0b" prefix in strtol itself ("+0b101");
 * older libcs stop at the 'b' and the value is refused, so accepting it
 * counts for both.
 *
 * Plain decimal readers: go-systemd's activation.Files() (strconv.Atoi)
 * and Rust crates (str::parse) take an optional sign and decimal digits:
 * "01234" is 1234 for them.
 *
 * LISTEN_PIDFDID (systemd 258) narrows "ours" for libsystemd 258 only;
 * older readers ignore it, so it decides nothing here (activation.c removes
 * it with the others). */
#include "config.h"
#include "readers.h"

#include <limits.h>
#include <string.h>

#define SD_WHITESPACE " \t\n\r"

/* isspace() in the C locale. */
static bool c_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_in_base(int c, unsigned base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'z')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

struct c_number {
	bool negative, overflow; /* overflow: the magnitude is above ULLONG_MAX */
	unsigned long long magnitude;
};

/* strtol/strtoul's scan in the C locale (glibc 2.38+ with C23, a superset
 * of older libcs): white space, a sign, a base prefix, digits.  Returns the
 * end of the digits, or s when there are none ("no conversion"). */
static const char *c_strto(const char *s, unsigned base, struct c_number *n)
{
	const char *p = s;

	*n = (struct c_number){ .negative = false };
	while (c_isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		n->negative = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_in_base((unsigned char)p[2], 16) >= 0) {
		base = 16;
		p += 2;
	} else if ((base == 0 || base == 2) && p[0] == '0' && (p[1] == 'b' || p[1] == 'B') &&
		   digit_in_base((unsigned char)p[2], 2) >= 0) {
		base = 2;
		p += 2;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	const char *digits = p;
	for (int d; (d = digit_in_base((unsigned char)*p, base)) >= 0; p++) {
		if (n->magnitude > (ULLONG_MAX - (unsigned)d) / base)
			n->overflow = true; /* strtol reads on to the end of the digits */
		else
			n->magnitude = n->magnitude * base + (unsigned)d;
	}
	return p == digits ? s : p;
}

/* systemd's mangle_base(): "0b" and "0o" prefixes, else base 0. */
static const char *sd_mangle_base(const char *s, unsigned *base)
{
	*base = 0;
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		*base = 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		*base = 8;
	return *base ? s + 2 : s;
}

/* safe_atoi(): an int, nothing after it. */
static bool sd_safe_atoi(const char *s, int *out)
{
	struct c_number n;
	unsigned base;

	s += strspn(s, SD_WHITESPACE);
	s = sd_mangle_base(s, &base);
	const char *end = c_strto(s, base, &n);
	/* strtol gives a long; "(long)(int)l != l" then wants an int, so the
	 * width of long does not matter. */
	if (end == s || *end != '\0' || n.overflow ||
	    n.magnitude > (n.negative ? (unsigned long long)INT_MAX + 1 : (unsigned long long)INT_MAX))
		return false;
	*out = n.negative ? (int)(-(long long)n.magnitude) : (int)n.magnitude;
	return true;
}

/* parse_pid() where long has `bits` bits (safe_atolu: strtoul). */
static bool sd_parse_pid(const char *s, unsigned bits, long long *pid)
{
	unsigned long long max = bits == 64 ? ULLONG_MAX : 0xffffffffULL;
	struct c_number n;
	unsigned base;

	s += strspn(s, SD_WHITESPACE);
	s = sd_mangle_base(s, &base);
	const char *end = c_strto(s, base, &n);
	if (end == s || *end != '\0' || n.overflow || n.magnitude > max)
		return false;
	/* strtoul negates a "-N" modulo 2^bits; safe_atolu refuses it only when
	 * the '-' is the first character it sees. */
	unsigned long long v = n.negative ? (0 - n.magnitude) & max : n.magnitude;
	if (v != 0 && s[0] == '-')
		return false;
	if (v == 0 || v > INT_MAX) /* pid_is_valid(), and pid_t is an int */
		return false;
	*pid = (long long)v;
	return true;
}

/* strconv.Atoi, str::parse: a sign and decimal digits, nothing else.
 * Values beyond int's range are clamped (they name no pid, and claim every
 * descriptor from 3 on). */
static bool decimal_read(const char *s, long long *out)
{
	bool negative = *s == '-';
	long long v = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if (v <= INT_MAX)
			v = v * 10 + (*s - '0');
	if (*s != '\0')
		return false;
	*out = negative ? -v : v;
	return true;
}

enum listen_pid_reading listen_pid_read(const char *s, pid_t self)
{
	static const unsigned widths[] = { 64, 32 };
	bool libsystemd_takes = false;
	long long pid;

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (sd_parse_pid(s, widths[i], &pid)) {
			libsystemd_takes = true;
			if (pid == self)
				return LISTEN_PID_OURS;
		}
	if (decimal_read(s, &pid) && pid == self)
		return LISTEN_PID_OURS;
	return libsystemd_takes ? LISTEN_PID_OTHER : LISTEN_PID_MALFORMED;
}

int listen_fds_read(const char *s, int *count)
{
	long long dec;
	int n;
	bool libsystemd_takes = sd_safe_atoi(s, &n) && n >= 1 && n <= LISTEN_FDS_MAX;

	*count = libsystemd_takes ? n : 0;
	if (decimal_read(s, &dec) && dec > *count)
		*count = dec > INT_MAX - 2 ? INT_MAX - 2 : (int)dec;
	return libsystemd_takes || *count > 0 ? 0 : -1;
}

/* --- GNU make -------------------------------------------------------------
 * make reads MAKEFLAGS as $(MAKEFLAGS) (main.c, decode_env_switches, 4.3
 * and 4.4): the value is expanded first, "$$" to "$" and any other '$'
 * starting a variable reference ("--jobserver-auth=$(FD),4" is the pipe
 * 3,4 with FD=3), then leading white space is skipped and the rest split
 * into words at blanks (space, tab), a backslash taking the next character
 * as it is; the words go to getopt_long, which stops at "--" and takes
 * "--jobserver-auth=VALUE", "--jobserver-auth VALUE" and any unambiguous
 * abbreviation ("--jobserver-a=", and in make 4.1 and older, which had
 * only --jobserver-fds, "--jobse=").  The last one wins (decode_switches).
 * jobserver_parse_auth() (posixos.c) takes "fifo:PATH" (4.4), else
 * sscanf(VALUE, "%d,%d"): white space, a sign, decimal digits, a comma,
 * the same again, and anything after ("+3,+4", "3,4x" and "3,4,5" are the
 * pipe 3,4).  A negative number means no pipe (-2,-2 is how make withholds
 * it).  A number beyond int is stored truncated or clamped, depending on
 * the libc: JOBSERVER_UNKNOWN. */

/* The next character of a word at *pos as make reads it, -1 at the end of
 * the word (an unescaped blank, or the end of the value).  *reference is
 * set at a '$' that starts a variable reference. */
static int make_char(const char *v, size_t *pos, bool *reference)
{
	char c = v[*pos];

	if (c == '\0' || c == ' ' || c == '\t')
		return -1;
	if (c == '\\' && v[*pos + 1] != '\0')
		c = v[++*pos]; /* the backslash goes, the next character stays */
	if (c == '$' && v[*pos + 1] == '$')
		++*pos; /* "$$" is one '$' (expanded before the backslash is seen) */
	else if (c == '$')
		*reference = true;
	++*pos;
	return (unsigned char)c;
}

static int make_peek(const char *v, size_t pos, bool *reference)
{
	return make_char(v, &pos, reference);
}

struct make_word {
	size_t start, end;   /* in the value */
	char head[24];       /* its first characters, as make reads them */
	size_t len;          /* its length, as make reads it */
	size_t value;        /* where the text after the first '=' starts; 0: no '=' */
	int last;            /* its last character */
	bool reference;
};

/* The word at *pos (after the blanks before it); false at the end. */
static bool make_next_word(const char *v, size_t *pos, struct make_word *w)
{
	while (v[*pos] == ' ' || v[*pos] == '\t')
		++*pos;
	if (v[*pos] == '\0')
		return false;
	*w = (struct make_word){ .start = *pos, .last = -1 };
	for (int c; (c = make_char(v, pos, &w->reference)) >= 0; w->len++) {
		if (w->len < sizeof(w->head))
			w->head[w->len] = (char)c;
		if (c == '=' && w->value == 0)
			w->value = *pos;
		w->last = c;
	}
	w->end = *pos;
	return true;
}

/* "--NAME" or "--NAME=...", NAME one that getopt_long may take for
 * --jobserver-auth or --jobserver-fds. */
static bool make_jobserver_option(const struct make_word *w)
{
	static const char *const names[] = { "jobserver-auth", "jobserver-fds" };
	size_t name_len = 0;

	if (w->len < 2 || w->head[0] != '-' || w->head[1] != '-')
		return false;
	while (2 + name_len < w->len && 2 + name_len < sizeof(w->head) &&
	       w->head[2 + name_len] != '=')
		name_len++;
	if (name_len < 5 || 2 + name_len == sizeof(w->head)) /* "jobse" at least */
		return false;
	for (size_t i = 0; i < 2; i++)
		if (name_len <= strlen(names[i]) && memcmp(w->head + 2, names[i], name_len) == 0)
			return true;
	return false;
}

/* Whether w may be an option that takes the next word as its argument
 * (then a "--" after it does not end the options): a long option without
 * '=', or short options ending in one that needs an argument (-C, -f, -I,
 * -o, -W, -E; the first word gets a '-' when it has none and no '='). */
static bool make_may_take_next(const struct make_word *w, bool first)
{
	bool dash = w->len > 0 && w->head[0] == '-';

	if (w->len > 2 && w->head[0] == '-' && w->head[1] == '-')
		return w->value == 0;
	if (!dash && !(first && w->value == 0))
		return false;
	return w->last >= 0 && strchr("CfIoWE", w->last) != NULL;
}

/* One %d of sscanf: white space, a sign, decimal digits. */
static bool make_scan_int(const char *v, size_t *pos, bool *reference, int *out, bool *overflow)
{
	unsigned long long m = 0;
	bool negative = false;
	int c;

	while ((c = make_peek(v, *pos, reference)) >= 0 && c_isspace(c))
		make_char(v, pos, reference);
	if (c == '+' || c == '-') {
		negative = c == '-';
		make_char(v, pos, reference);
		c = make_peek(v, *pos, reference);
	}
	if (c < '0' || c > '9')
		return false;
	for (; c >= '0' && c <= '9'; c = make_peek(v, *pos, reference)) {
		if (m <= INT_MAX)
			m = m * 10 + (unsigned)(c - '0');
		make_char(v, pos, reference);
	}
	if (m > (negative ? (unsigned long long)INT_MAX + 1 : (unsigned long long)INT_MAX))
		*overflow = true;
	else
		*out = negative ? (int)(-(long long)m) : (int)m;
	return true;
}

/* jobserver_parse_auth() on the value that starts at start. */
static void make_parse_auth(const char *v, size_t start, struct jobserver_reading *rd)
{
	bool reference = false, overflow = false;
	size_t pos = start;
	char head[5];
	size_t n = 0;
	int r = -1, w = -1, c;

	*rd = (struct jobserver_reading){ .reader = "make", .kind = JOBSERVER_MALFORMED,
					  .r = -1, .w = -1, .start = start };
	for (size_t p = start; n < sizeof(head) && (c = make_char(v, &p, &reference)) >= 0;)
		head[n++] = (char)c;
	for (size_t p = start; make_char(v, &p, &reference) >= 0;)
		rd->end = p;
	if (rd->end < start)
		rd->end = start;
	if (reference) {
		rd->kind = JOBSERVER_UNKNOWN;
		return;
	}
	if (n == sizeof(head) && memcmp(head, "fifo:", 5) == 0) {
		rd->kind = JOBSERVER_NONE;
		return;
	}
	if (!make_scan_int(v, &pos, &reference, &r, &overflow) ||
	    make_char(v, &pos, &reference) != ',' ||
	    !make_scan_int(v, &pos, &reference, &w, &overflow))
		return; /* make 4.3 dies, 4.4 runs -j1 */
	if (overflow)
		rd->kind = JOBSERVER_UNKNOWN;
	else if (r < 0 || w < 0)
		rd->kind = JOBSERVER_NONE;
	else
		*rd = (struct jobserver_reading){ .reader = "make", .kind = JOBSERVER_PIPE, .r = r,
						  .w = w, .start = rd->start, .end = rd->end };
}

/* Every jobserver option make may take, then the reference if there is
 * one before the end of the options. */
static int make_readings(const char *v, int (*visit)(const struct jobserver_reading *, void *),
			 void *ctx)
{
	struct make_word w, next;
	struct jobserver_reading rd;
	bool reference = false, first = true, may_take = false;
	size_t pos = 0;
	int r;

	while (c_isspace((unsigned char)v[pos]))
		pos++;
	while (make_next_word(v, &pos, &w)) {
		if (w.len == 2 && w.head[0] == '-' && w.head[1] == '-' && !w.reference && !may_take)
			break; /* the end of the options */
		reference |= w.reference;
		if (make_jobserver_option(&w)) {
			size_t after = pos;
			if (w.value) {
				make_parse_auth(v, w.value, &rd);
			} else if (make_next_word(v, &after, &next)) {
				make_parse_auth(v, next.start, &rd);
			} else {
				rd = (struct jobserver_reading){ .reader = "make",
								 .kind = JOBSERVER_MALFORMED };
			}
			if ((r = visit(&rd, ctx)) != 0)
				return r;
		}
		may_take = make_may_take_next(&w, first);
		first = false;
	}
	if (reference) {
		rd = (struct jobserver_reading){ .reader = "make (a variable reference)",
						 .kind = JOBSERVER_UNKNOWN, .r = -1, .w = -1 };
		return visit(&rd, ctx);
	}
	return 0;
}

struct make_last {
	struct jobserver_reading rd;
	bool found;
};

static int keep_last(const struct jobserver_reading *rd, void *ctx)
{
	struct make_last *last = ctx;

	/* An empty value is an error for make, which keeps the one before.  The
	 * reading of a variable reference comes last and wins: it may expand
	 * to any option. */
	if (rd->start < rd->end || rd->kind == JOBSERVER_UNKNOWN) {
		last->rd = *rd;
		last->found = true;
	}
	return 0;
}

bool jobserver_make_reading(const char *value, struct jobserver_reading *rd)
{
	struct make_last last = { .rd = { .reader = "make", .kind = JOBSERVER_NONE, .r = -1, .w = -1 } };

	if (value)
		(void)make_readings(value, keep_last, &last);
	*rd = last.rd;
	return last.found;
}

/* --- cargo's jobserver crate ------------------------------------------------
 * jobserver-rs, src/lib.rs (from_env, find_jobserver_auth) and src/unix.rs
 * (Client::open, from_pipe): the first of CARGO_MAKEFLAGS, MAKEFLAGS and
 * MFLAGS that is set; no word splitting: the text after the last
 * "--jobserver-auth=" (else the last "--jobserver-fds="), up to the next
 * space (0.1.28 and later, since January 2024), or after the first
 * "--jobserver-fds=" (else the first "--jobserver-auth=") (0.1.27 and
 * older: Debian 12 has 0.1.24).  "fifo:PATH" names no descriptor; else it
 * is split at the first comma and each side parsed as an i32 (a sign and
 * decimal digits, nothing else: "3,4x" and "3,4,5" are refused); a
 * negative number means no jobserver. */

static const char *find_key(const char *v, const char *key, bool last)
{
	const char *found = NULL;

	for (const char *p = strstr(v, key); p; p = strstr(p + 1, key)) {
		found = p + strlen(key);
		if (!last)
			break;
	}
	return found;
}

/* Rust's i32::from_str on s[0..len). */
static bool rust_i32(const char *s, size_t len, int *out)
{
	unsigned long long m = 0;
	bool negative = len > 0 && s[0] == '-';
	size_t i = len > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;

	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		m = m * 10 + (unsigned)(s[i] - '0');
		if (m > (unsigned long long)INT_MAX + 1)
			return false;
	}
	if (!negative && m > INT_MAX)
		return false;
	*out = negative ? (int)(-(long long)m) : (int)m;
	return true;
}

static void crate_read(const char *v, bool new_crate, struct jobserver_reading *rd)
{
	const char *keys[2] = { "--jobserver-auth=", "--jobserver-fds=" };
	const char *val = NULL;

	if (!new_crate) {
		keys[0] = "--jobserver-fds=";
		keys[1] = "--jobserver-auth=";
	}
	for (size_t i = 0; i < 2 && !val; i++)
		val = find_key(v, keys[i], new_crate);
	*rd = (struct jobserver_reading){
		.reader = new_crate ? "the jobserver crate (0.1.28 and later)"
				    : "the jobserver crate (before 0.1.28)",
		.kind = JOBSERVER_NONE, .r = -1, .w = -1,
	};
	if (!val)
		return;
	size_t len = strcspn(val, " ");
	const char *comma = memchr(val, ',', len);
	int r, w;

	rd->start = (size_t)(val - v);
	rd->end = rd->start + len;
	if (len >= 5 && memcmp(val, "fifo:", 5) == 0)
		return;
	if (!comma || !rust_i32(val, (size_t)(comma - val), &r) ||
	    !rust_i32(comma + 1, len - (size_t)(comma - val) - 1, &w)) {
		rd->kind = JOBSERVER_MALFORMED;
		return;
	}
	if (r >= 0 && w >= 0) {
		rd->kind = JOBSERVER_PIPE;
		rd->r = r;
		rd->w = w;
	}
}

int jobserver_readings(const char *value,
		       int (*visit)(const struct jobserver_reading *rd, void *ctx), void *ctx)
{
	struct jobserver_reading rd;
	int r;

	if (!value)
		return 0;
	if ((r = make_readings(value, visit, ctx)) != 0)
		return r;
	for (int i = 0; i < 2; i++) {
		crate_read(value, i == 0, &rd);
		if ((r = visit(&rd, ctx)) != 0)
			return r;
	}
	return 0;
}
