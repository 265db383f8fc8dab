/* fdprobe: the COMMAND the system tests run through closefds.  It writes
 * what it inherited (every open descriptor with its identity and flags, its
 * ids, signal masks, cwd, umask, one environment variable) to the file
 * named by its argument. */
#include <stdio.h>

#include "testlib.h"

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: fdprobe REPORT\n");
		return 2;
	}
	return tl_write_report(argv[1]) == 0 ? 0 : 3;
}
