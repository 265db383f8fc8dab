/* testhooks.c: the test-only hooks of testhooks.h, linked into
 * closefds-testhooks alone. */
#include "config.h"
#include "testhooks.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decimal.h"
#include "fdflags.h"

int testhook_leak_prepare(void)
{
	const char *s = getenv("CLOSEFDS_TEST_LEAK_FD");
	int fd;

	if (!s || parse_fd_number(s, strlen(s), &fd) < 0)
		return -1;
	return fd_open_state(fd) == 1 ? fd : -1;
}

/* A copy would not survive: the scans close every descriptor not kept. */
void testhook_leak(int fd)
{
	int n = open("/dev/null", O_RDONLY);

	if (n >= 0 && n != fd) {
		dup2(n, fd);
		close(n);
	}
}
