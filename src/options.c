/* options.c: command line parsing.
 *
 * Numbers are strict decimal (decimal.c). */
#include "config.h"
#include "options.h"

#include "errbuf.h"

#include "activation.h"
#include "blocking.h"
#include "listen_select.h"
#include "nullfds.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	fd_set_init(&o->keep);
	fd_set_init(&o->blocking);
	fd_set_init(&o->null_fds);
	o->method = METHOD_AUTO;
}

void options_free(struct options *o)
{
	fd_set_free(&o->keep);
	fd_set_free(&o->blocking);
	fd_set_free(&o->null_fds);
	free(o->keep_single);
	free(o->moves);
	free(o->listen);
	options_init(o);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static const char *number_problem(int r)
{
	return r == -ERANGE ? "number too large" : "not a decimal number";
}

/* One item of a --keep-fd list: "N" or "N-M". */
static int parse_keep_item(struct options *o, const char *arg, const char *s, size_t len,
			   char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	int lo = 0, hi = 0, r;

	if (len == 0)
		return errbuf_set(err, errlen, "invalid --keep-fd list '%s': empty item", arg);
	if (!dash) {
		r = parse_fd_number(s, len, &lo);
		if (r < 0)
			return errbuf_set(err, errlen, "invalid --keep-fd list '%s': '%.*s': %s", arg,
				    (int)len, s, number_problem(r));
		if (grow((void **)&o->keep_single, &o->cap_keep_single, o->n_keep_single,
			 sizeof(*o->keep_single)) < 0)
			return errbuf_nomem(err, errlen);
		o->keep_single[o->n_keep_single++] = lo;
		hi = lo;
	} else {
		size_t left = (size_t)(dash - s);
		r = parse_fd_number(s, left, &lo);
		if (r == 0)
			r = parse_fd_number(dash + 1, len - left - 1, &hi);
		if (r < 0)
			return errbuf_set(err, errlen, "invalid --keep-fd list '%s': '%.*s': %s", arg,
				    (int)len, s,
				    r == -ERANGE ? "number too large" : "not a range N-M");
		if (hi < lo)
			return errbuf_set(err, errlen, "invalid --keep-fd list '%s': '%.*s': reversed range",
				    arg, (int)len, s);
	}
	if (fd_set_add(&o->keep, lo, hi) < 0)
		return errbuf_nomem(err, errlen);
	return 0;
}

int parse_keep_list(struct options *o, const char *arg, char *err, size_t errlen)
{
	const char *s = arg;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int r = parse_keep_item(o, arg, s, len, err, errlen);
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int parse_pass_fd(struct options *o, const char *arg, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t left = colon ? (size_t)(colon - arg) : strlen(arg);
	struct fd_move m = { .listen = false };
	int r;

	r = parse_fd_number(arg, left, &m.src);
	if (r == 0 && colon)
		r = parse_fd_number(colon + 1, strlen(colon + 1), &m.dst);
	else if (r == 0)
		m.dst = m.src;
	if (r < 0)
		return errbuf_set(err, errlen, "invalid --pass-fd '%s': expected FD or FD:TARGET (%s)", arg,
			    number_problem(r));
	if (grow((void **)&o->moves, &o->cap_moves, o->n_moves, sizeof(*o->moves)) < 0)
		return errbuf_nomem(err, errlen);
	o->moves[o->n_moves++] = m;
	return 0;
}

int parse_listen_fd(struct options *o, const char *arg, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t left = colon ? (size_t)(colon - arg) : strlen(arg);
	struct listen_fd l = { .name = NULL, .name_len = 0 };
	int r = parse_fd_number(arg, left, &l.fd);

	if (r < 0)
		return errbuf_set(err, errlen, "invalid --listen-fd '%s': expected FD or FD:NAME (%s)", arg,
			    number_problem(r));
	if (colon) {
		l.name = colon + 1;
		l.name_len = strlen(l.name);
		if (!listen_name_valid(l.name, l.name_len))
			return errbuf_set(err, errlen,
				    "invalid --listen-fd '%s': a name is at most 255 printable ASCII characters, no ':'",
				    arg);
	}
	if (grow((void **)&o->listen, &o->cap_listen, o->n_listen, sizeof(*o->listen)) < 0)
		return errbuf_nomem(err, errlen);
	o->listen[o->n_listen++] = l;
	return 0;
}

/* Long-only options: values past any character. */
enum {
	OPT_LISTEN_FDS = 256,
	OPT_LISTEN_FD,
	OPT_KEEP_JOBSERVER,
	OPT_AUDIT,
	OPT_VERIFY,
	OPT_NOFILE,
	OPT_BLOCKING,
	OPT_NO_KEEP_FD_ARGS,
	OPT_NULL,
};

static const struct option long_options[] = {
	{ "keep-fd", required_argument, NULL, 'k' },
	{ "pass-fd", required_argument, NULL, 'p' },
	{ "method", required_argument, NULL, 'm' },
	{ "list", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "listen-fds", optional_argument, NULL, OPT_LISTEN_FDS },
	{ "listen-fd", required_argument, NULL, OPT_LISTEN_FD },
	{ "keep-jobserver", no_argument, NULL, OPT_KEEP_JOBSERVER },
	{ "audit", no_argument, NULL, OPT_AUDIT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "nofile", required_argument, NULL, OPT_NOFILE },
	{ "blocking", optional_argument, NULL, OPT_BLOCKING },
	{ "no-keep-fd-args", no_argument, NULL, OPT_NO_KEEP_FD_ARGS },
	{ "null", required_argument, NULL, OPT_NULL },
	{ NULL, 0, NULL, 0 },
};

/* --null replaces 0, 1 or 2: a --pass-fd onto the same one, or --blocking
 * of it (which would clear the flag on the /dev/null closefds opens, not on
 * what the caller shares), asks for two things at once. */
static int null_conflicts(const struct options *o, char *err, size_t errlen)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (!fd_set_contains(&o->null_fds, fd))
			continue;
		for (size_t i = 0; i < o->n_moves; i++)
			if (o->moves[i].dst == fd)
				return errbuf_set(err, errlen,
						  "--null and --pass-fd '%d:%d' both replace descriptor %d",
						  o->moves[i].src, fd, fd);
		if (fd_set_contains(&o->blocking, fd))
			return errbuf_set(err, errlen,
					  "--null and --blocking both name descriptor %d (/dev/null is opened blocking)",
					  fd);
	}
	return 0;
}

int options_parse(struct options *o, int argc, char *argv[], char *err, size_t errlen)
{
	int c, r;

	/* '+': stop at the first non-option, so COMMAND's own options are its
	 * own.  ':': report a missing argument as ':' rather than '?'.
	 * optind = 0 makes glibc and musl start afresh (the unit tests parse
	 * many command lines in one process). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:k:p:m:lvhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'k':
			if ((r = parse_keep_list(o, optarg, err, errlen)) < 0)
				return r;
			break;
		case 'p':
			if ((r = parse_pass_fd(o, optarg, err, errlen)) < 0)
				return r;
			break;
		case 'm':
			if (parse_method(optarg, &o->method) < 0)
				return errbuf_set(err, errlen,
					    "invalid --method '%s': expected auto, close_range, proc, poll or loop",
					    optarg);
			break;
		case OPT_LISTEN_FDS:
			o->listen_fds = true;
			o->listen_fds_names = optarg; /* NULL: all of them */
			if ((r = listen_select_parse(optarg, err, errlen)) < 0)
				return r;
			break;
		case OPT_LISTEN_FD:
			if ((r = parse_listen_fd(o, optarg, err, errlen)) < 0)
				return r;
			break;
		case OPT_KEEP_JOBSERVER:
			o->keep_jobserver = true;
			break;
		case OPT_AUDIT:
			o->audit = true;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_NOFILE:
			if (nofile_parse(optarg, &o->nofile, err, errlen) < 0)
				return -1;
			break;
		case OPT_BLOCKING:
			if ((r = blocking_parse(optarg, &o->blocking, err, errlen)) < 0)
				return r;
			break;
		case OPT_NO_KEEP_FD_ARGS:
			o->no_keep_fd_args = true;
			break;
		case OPT_NULL:
			if ((r = nullfds_parse(optarg, &o->null_fds, err, errlen)) < 0)
				return r;
			break;
		case 'l':
			o->list = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'V':
			o->version = true;
			return 0;
		case ':':
			/* A required argument is the next word, whatever it is, so it
			 * is missing only after the last one: name that.  (Not
			 * argv[optind - 1]: musl moves optind past argc here.) */
			return errbuf_set(err, errlen, "option '%s' requires an argument", argv[argc - 1]);
		default:
			/* A long option without an argument given one ("--verify=1"):
			 * optopt is its value, which is no character for the
			 * long-only ones. */
			for (const struct option *lo = long_options; optopt && lo->name; lo++)
				if (lo->val == optopt && lo->has_arg == no_argument)
					return errbuf_set(err, errlen, "option '--%s' does not take an argument",
							  lo->name);
			if (optopt > 0 && optopt < 256)
				return errbuf_set(err, errlen, "invalid option '-%c'", optopt);
			return errbuf_set(err, errlen, "unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (o->audit && o->verify)
		return errbuf_set(err, errlen, "--audit and --verify cannot be combined (--audit closes nothing)");
	if ((r = null_conflicts(o, err, errlen)) < 0)
		return r;
	if (optind < argc)
		o->command = &argv[optind];
	else if (!o->list)
		return errbuf_set(err, errlen, "no command given");
	return 0;
}
