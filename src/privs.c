/* privs.c: dropping raised ids.
 *
 * closefds needs no privilege at all, so a setuid or setgid installation
 * (by mistake, or by an attacker hoping to ride it) must not give COMMAND
 * any.  Order: groups first, since setresuid() to an unprivileged uid would
 * take away the right to change gids.  Then verify, the way OpenSSH's
 * permanently_set_uid() does: every id is the real one, and the old
 * effective uid cannot be taken back. */
#include "config.h"
#include "privs.h"

#include <errno.h>
#include <unistd.h>

int privs_drop(void)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid == euid && ruid == suid && rgid == egid && rgid == sgid)
		return 0;
	if (setresgid(rgid, rgid, rgid) < 0 || setresuid(ruid, ruid, ruid) < 0)
		return -errno;

	uid_t u[3];
	gid_t g[3];
	if (getresuid(&u[0], &u[1], &u[2]) < 0 || getresgid(&g[0], &g[1], &g[2]) < 0)
		return -errno;
	for (int i = 0; i < 3; i++)
		if (u[i] != ruid || g[i] != rgid)
			return -EPERM;
	/* Root may take any id back by right: the test means something only for
	 * an unprivileged caller. */
	if (ruid != 0 && euid != ruid && setresuid((uid_t)-1, euid, (uid_t)-1) == 0)
		return -EPERM; /* the old effective uid came back */
	if (egid != rgid && ruid != 0 && setresgid((gid_t)-1, egid, (gid_t)-1) == 0)
		return -EPERM;
	return 0;
}
