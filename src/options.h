/* options.h: the command line, parsed into plain data.  Pure: no system
 * calls, errors come back as text for main() to print. */
#ifndef CLOSEFDS_OPTIONS_H
#define CLOSEFDS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "closemethod.h"
#include "decimal.h"
#include "fdset.h"
#include "moves.h"
#include "nofile.h"

struct listen_fd {
	int fd;
	const char *name; /* NULL: "unknown" */
	size_t name_len;
};

struct options {
	struct fd_set_ranges keep; /* every --keep-fd item, singles and ranges */
	int *keep_single;          /* --keep-fd items N: these must be open */
	size_t n_keep_single, cap_keep_single;
	struct fd_move *moves;     /* --pass-fd, in the order given */
	size_t n_moves, cap_moves;
	struct listen_fd *listen;   /* --listen-fd, in the order given */
	size_t n_listen, cap_listen;
	enum close_method method;
	bool list, verbose, help, version;
	bool listen_fds, keep_jobserver, audit, verify;
	const char *listen_fds_names; /* --listen-fds=NAME[,NAME]...; NULL: all */
	bool no_keep_fd_args;      /* --no-keep-fd-args */
	struct fd_set_ranges null_fds; /* --null: 0, 1, 2 to reopen on /dev/null */
	struct nofile_request nofile; /* --nofile; nofile.arg NULL if absent */
	struct fd_set_ranges blocking; /* --blocking */
	char **command;            /* COMMAND [ARG]..., NULL-terminated; NULL if absent */
};

void options_init(struct options *o);
void options_free(struct options *o);

/* Parse argv.  Returns 0, or -1 (a usage error) or -ENOMEM with a message
 * (without "closefds: ") in err.  Whether descriptors are open is checked
 * later. */
int options_parse(struct options *o, int argc, char *argv[], char *err, size_t errlen);

/* The pieces, exposed for the unit tests. */
int parse_keep_list(struct options *o, const char *arg, char *err, size_t errlen);
int parse_pass_fd(struct options *o, const char *arg, char *err, size_t errlen);
int parse_listen_fd(struct options *o, const char *arg, char *err, size_t errlen);

#endif
