/* execcmd.c: execvp, and the exit status conventions of env(1) and
 * friends: 127 not found, 126 found but not executable. */
#include "config.h"
#include "execcmd.h"

#include <errno.h>
#include <unistd.h>

int exec_command(char *const argv[])
{
	execvp(argv[0], argv);
	return (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
}
