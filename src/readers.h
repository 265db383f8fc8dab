/* readers.h: the variables that name descriptors, read the way the programs
 * COMMAND runs read them: LISTEN_PID and LISTEN_FDS by libsystemd's
 * sd_listen_fds() (and by the plain decimal readers of go-systemd and Rust),
 * MAKEFLAGS, CARGO_MAKEFLAGS and MFLAGS by GNU make and by cargo's jobserver
 * crate.  Pure: no system calls. */
#ifndef CLOSEFDS_READERS_H
#define CLOSEFDS_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* sd_listen_fds() takes LISTEN_FDS from 1 to INT_MAX - 3 (2147483644). */
#define LISTEN_FDS_MAX 2147483644

/* LISTEN_PID (not NULL): LISTEN_PID_OURS when a reader takes it for self;
 * LISTEN_PID_MALFORMED when libsystemd refuses it (and no reader takes it
 * for self); LISTEN_PID_OTHER otherwise. */
enum listen_pid_reading { LISTEN_PID_MALFORMED = -1, LISTEN_PID_OTHER = 0, LISTEN_PID_OURS = 1 };
enum listen_pid_reading listen_pid_read(const char *s, pid_t self);

/* LISTEN_FDS (not NULL): *count = the most descriptors from 3 on that a
 * reader takes, at most INT_MAX - 2 (3 .. INT_MAX); 0 when none does.
 * Returns 0, or -1 when libsystemd refuses the value and no reader takes a
 * descriptor from it (then *count is 0). */
int listen_fds_read(const char *s, int *count);

/* What one reader of a jobserver variable takes from it. */
enum jobserver_kind {
	JOBSERVER_NONE,      /* no descriptor: none found, fifo:PATH, negative (-2,-2) */
	JOBSERVER_MALFORMED, /* a value the reader refuses (no descriptor either) */
	JOBSERVER_PIPE,      /* the descriptors r and w */
	JOBSERVER_UNKNOWN,   /* a descriptor closefds cannot tell: a number out of
			      * int's range, or a make variable reference */
};
struct jobserver_reading {
	const char *reader; /* "make", "the jobserver crate", ... */
	enum jobserver_kind kind;
	int r, w;           /* JOBSERVER_PIPE */
	/* Where the value is in the variable (start < end), for a rewrite;
	 * start == end: nowhere that a rewrite could change. */
	size_t start, end;
};

/* Calls visit(reading, ctx) for every reading of value: each jobserver
 * option make may take (it takes the last; every one is visited, since
 * closefds does not follow which words other options take as their
 * arguments), what make makes of a variable reference before the end of
 * the options (JOBSERVER_UNKNOWN), and what each version of the jobserver
 * crate takes.  Stops at the first nonzero return of visit and returns it;
 * 0 when every reading was visited. */
int jobserver_readings(const char *value,
		       int (*visit)(const struct jobserver_reading *rd, void *ctx), void *ctx);

/* What GNU make itself takes: the last jobserver option with a value.
 * Returns false when there is none (*rd is then JOBSERVER_NONE).  A make
 * variable reference before the end of the options makes it
 * JOBSERVER_UNKNOWN. */
bool jobserver_make_reading(const char *value, struct jobserver_reading *rd);

#endif
