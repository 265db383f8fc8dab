/* privs.h: never hand COMMAND more privilege than the caller had. */
#ifndef CLOSEFDS_PRIVS_H
#define CLOSEFDS_PRIVS_H

/* If the real and effective (or saved) ids differ, as when closefds is
 * installed setuid or setgid, drop to the real ids for good.  Returns 0
 * (nothing raised, or dropped and verified) or -errno. */
int privs_drop(void);

#endif
