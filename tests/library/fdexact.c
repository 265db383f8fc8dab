/* fdexact: the COMMAND of the library's fork stress test.  It checks that
 * it inherited exactly descriptors 0, 1 and 2 plus the ones named, each the
 * file named, and exits 0; otherwise it says what differs on stdout (as
 * TAP comments, "# fdexact: ...") and exits 1.
 *
 *   fdexact [-q] [FD=DEV:INO]...
 *
 * -q: only the exit status (for the controls, whose failures are expected).
 *
 * Every slot is asked with fcntl(F_GETFD), which sees every kind of
 * descriptor (O_PATH too, which poll and select do not), below the table
 * size: FDSize from /proc/self/status (the table covers every open
 * descriptor, whatever the limits), or where /proc cannot be read below
 * max(the hard RLIMIT_NOFILE, 65536).  Independent of libclosefds. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_NAMED 16

static long table_bound(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	struct rlimit rl;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		const char *p = strstr(buf, "\nFDSize:");
		if (p && atol(p + 8) > 0)
			return atol(p + 8);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max > 65536 && rl.rlim_max < (1 << 30))
		return (long)rl.rlim_max;
	return 65536;
}

int main(int argc, char *argv[])
{
	int named[MAX_NAMED];
	unsigned long long dev[MAX_NAMED], ino[MAX_NAMED];
	int n = 0, bad = 0, first = 1;
	bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;

	if (argc - 2 > MAX_NAMED) {
		printf("# fdexact: at most %d descriptors\n", MAX_NAMED);
		return 2;
	}
	if (quiet)
		first = 2;
	for (int i = first; i < argc; i++) {
		if (sscanf(argv[i], "%d=%llu:%llu", &named[n], &dev[n], &ino[n]) != 3) {
			printf("# fdexact: bad argument '%s'\n", argv[i]);
			return 2;
		}
		n++;
	}
	long bound = table_bound();
	for (long fd = 0; fd < bound; fd++) {
		if (fcntl((int)fd, F_GETFD) < 0)
			continue;
		int k = -1;
		for (int i = 0; i < n; i++)
			if (named[i] == fd)
				k = i;
		if (fd <= 2)
			continue;
		if (k < 0) {
			char link[256] = "", path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
			ssize_t l = readlink(path, link, sizeof(link) - 1);
			link[l > 0 ? l : 0] = '\0';
			if (bad++ < 4 && !quiet)
				printf("# fdexact: descriptor %ld is open (%s) and was not kept\n", fd, link);
			continue;
		}
		struct stat st;
		if (fstat((int)fd, &st) < 0 || st.st_dev != dev[k] || st.st_ino != ino[k]) {
			if (bad++ < 4 && !quiet)
				printf("# fdexact: descriptor %ld is not the file that was kept\n", fd);
		}
	}
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && bad++ < 4 && !quiet)
			printf("# fdexact: descriptor %d is closed\n", fd);
	for (int i = 0; i < n; i++)
		if (fcntl(named[i], F_GETFD) < 0 && bad++ < 4 && !quiet)
			printf("# fdexact: kept descriptor %d is closed\n", named[i]);
	return bad ? 1 : 0;
}
