/* activation.h: systemd-style socket activation (sd_listen_fds(3)) and the
 * GNU make jobserver, as seen in environment strings.  Pure: the caller
 * reads the environment (secure_getenv) and passes the values in. */
#ifndef CLOSEFDS_ACTIVATION_H
#define CLOSEFDS_ACTIVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LISTEN_FDS_START 3
#define FDNAME_MAX 255

/* LISTEN_PID and LISTEN_FDS (either may be NULL).  Sets *count to the
 * number of descriptors from 3 on that were passed to this process: 0 when
 * a variable is absent or LISTEN_PID names another process.  Returns 0, or
 * -1 with a message for malformed values. */
int listen_env_parse(const char *pid_s, const char *fds_s, pid_t self, int *count, char *err,
		     size_t errlen);

/* A --listen-fd name: ASCII, no control characters, no ':', at most 255
 * bytes (systemd's fdname_is_valid). */
bool listen_name_valid(const char *name, size_t len);

/* The R and W of the last --jobserver-auth=R,W or --jobserver-fds=R,W word
 * in MAKEFLAGS.  Returns 1 with *r, *w set; 0 when there is none, or the
 * jobserver is a named fifo (make 4.4 "fifo:PATH", nothing to keep); -1
 * with a message when the value is malformed. */
int jobserver_parse(const char *makeflags, int *r, int *w, char *err, size_t errlen);

#endif
