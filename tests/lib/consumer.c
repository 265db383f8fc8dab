/* consumer.c: a program built against the installed libclosefds (by
 * tests/lib/installed.sh, with pkg-config, shared and static): the header's
 * version is the library's, and a descriptor opened here is closed and one
 * kept survives. */
#include <closefds.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
	int keep[] = { b };

	if (a < 0 || b < 0) {
		perror("open");
		return 1;
	}
	if (strcmp(closefds_version(), CLOSEFDS_VERSION_STRING) != 0) {
		fprintf(stderr, "library %s, header %s\n", closefds_version(), CLOSEFDS_VERSION_STRING);
		return 1;
	}
	if (closefds_check(3, keep, 1, NULL) < 1 || closefds_close_except(3, keep, 1, 0) != 0 ||
	    fcntl(a, F_GETFD) != -1 || fcntl(b, F_GETFD) == -1 || closefds_check(3, keep, 1, NULL) != 0 ||
	    closefds_table_size() <= b) {
		fprintf(stderr, "libclosefds did not close %d and keep %d\n", a, b);
		return 1;
	}
	printf("libclosefds %s: closed %d, kept %d\n", closefds_version(), a, b);
	return 0;
}
