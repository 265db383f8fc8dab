/* listen_select.h: --listen-fds=NAME[,NAME]...: the socket-activation
 * descriptors chosen by their LISTEN_FDNAMES entries.  systemd does not
 * define the order of the descriptors of several .socket units
 * (systemd/systemd#1188); the names are the reliable handle.  Pure. */
#ifndef CLOSEFDS_LISTEN_SELECT_H
#define CLOSEFDS_LISTEN_SELECT_H

#include <stddef.h>
#include <sys/types.h>

#include "options.h"

/* Check the list: non-empty names, each a valid descriptor name
 * (listen_name_valid), none twice.  arg NULL (plain --listen-fds) is fine.
 * Returns 0 or -1 with a message. */
int listen_select_parse(const char *arg, char *err, size_t errlen);

/* The descriptors whose LISTEN_FDNAMES entry is one of the names, for the
 * names in the order given and, for one name, in the order passed (a
 * .socket unit with two Listen lines gives both the unit's name).
 * LISTEN_FDNAMES absent means every name is "unknown", as for
 * sd_listen_fds_with_names(3).  *out (free it) holds them as --listen-fd
 * items: fd 3+i, the name pointing into fdnames or "unknown".  Returns 0,
 * -1 with a message (LISTEN_PID/LISTEN_FDS malformed or not for this
 * process, a name count that does not match LISTEN_FDS, a name that is not
 * there), or -ENOMEM. */
int listen_select(const char *names, const char *pid_s, const char *fds_s, const char *fdnames,
		  pid_t self, struct listen_fd **out, size_t *n, char *err, size_t errlen);

#endif
