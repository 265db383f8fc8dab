/* fdreport: a small COMMAND for the nofile/blocking and container tests,
 * linked statically where it can be so that it runs in a FROM scratch
 * image.  libc only.
 *
 *   fdreport report            what it inherited, one fact a line:
 *                              "nofile SOFT HARD", "openmax N",
 *                              "fd N nonblock=0|1 append=0|1 TYPE" per open
 *                              descriptor, "env NAME=VALUE" per LISTEN_*
 *   fdreport nonblock FD... -- COMMAND [ARG]...
 *                              set O_NONBLOCK on each FD, then exec COMMAND
 *   fdreport opath FD PATH -- COMMAND [ARG]...
 *                              open PATH with O_PATH at FD (inheritable: poll
 *                              and select cannot see it), then exec COMMAND
 *   fdreport closeloop ROUNDS  time a close() loop from 3 to
 *                              sysconf(_SC_OPEN_MAX) (what many programs do
 *                              before exec): "closeloop openmax N median_us U"
 *   fdreport serve             socket activation: accept one connection on
 *                              descriptor 3 (LISTEN_FDS, LISTEN_PID checked),
 *                              answer "hello" and exit 0; exit 3 if no
 *                              socket was passed
 *   fdreport connect PORT      connect to 127.0.0.1:PORT, copy what comes
 *                              to stdout until end-of-file */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *type_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "unknown";
	if (S_ISSOCK(st.st_mode))
		return "socket";
	if (S_ISFIFO(st.st_mode))
		return "fifo";
	if (S_ISCHR(st.st_mode))
		return "chardev";
	if (S_ISREG(st.st_mode))
		return "file";
	if (S_ISDIR(st.st_mode))
		return "directory";
	return "other";
}

static long open_max(void)
{
	long m = sysconf(_SC_OPEN_MAX);

	return m < 0 || m > (1L << 20) ? 1L << 20 : m;
}

static int report(void)
{
	struct rlimit rl;
	long max = open_max();

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	printf("nofile %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	printf("openmax %ld\n", max);
	/* Above the soft limit too: a descriptor kept above a lowered limit
	 * is exactly what the tests look for.  fcntl works on any number. */
	long top = (long)rl.rlim_max > max ? (long)rl.rlim_max : max;
	if (top > (1L << 20))
		top = 1L << 20;
	for (long fd = 0; fd < top; fd++) {
		int fl = fcntl((int)fd, F_GETFL);
		if (fl < 0)
			continue;
		printf("fd %ld nonblock=%d append=%d %s\n", fd, (fl & O_NONBLOCK) != 0,
		       (fl & O_APPEND) != 0, type_of((int)fd));
	}
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LISTEN_", 7) == 0)
			printf("env %s\n", *e);
	return fflush(stdout) == 0 ? 0 : 2;
}

static int nonblock(int argc, char *argv[])
{
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		int fd = atoi(argv[i]);
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			perror("fdreport nonblock");
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fputs("fdreport nonblock: no command\n", stderr);
		return 2;
	}
	execvp(argv[i + 1], &argv[i + 1]);
	perror(argv[i + 1]);
	return 127;
}

static int opath(int argc, char *argv[])
{
	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fputs("usage: fdreport opath FD PATH -- COMMAND [ARG]...\n", stderr);
		return 2;
	}
	int fd = atoi(argv[2]);
	int t = open(argv[3], O_PATH | O_CLOEXEC);
	if (t < 0 || (t != fd && dup2(t, fd) < 0) || (t == fd && fcntl(fd, F_SETFD, 0) < 0)) {
		perror("fdreport opath");
		return 2;
	}
	if (t != fd)
		close(t);
	execvp(argv[5], &argv[5]);
	perror(argv[5]);
	return 127;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int closeloop(int rounds)
{
	long max = sysconf(_SC_OPEN_MAX);
	long long *t;

	if (rounds < 1 || !(t = calloc((size_t)rounds, sizeof(*t))))
		return 2;
	for (int r = 0; r < rounds; r++) {
		long long t0 = now_ns();
		for (long fd = 3; fd < max; fd++)
			close((int)fd);
		t[r] = now_ns() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_ll);
	printf("closeloop openmax %ld median_us %.1f\n", max, (double)t[rounds / 2] / 1000.0);
	free(t);
	return 0;
}

static int serve(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	static const char hello[] = "hello from fdreport\n";

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1) {
		fprintf(stderr, "fdreport serve: no socket passed (LISTEN_PID %s, LISTEN_FDS %s)\n",
			pid ? pid : "unset", fds ? fds : "unset");
		return 3;
	}
	int c = accept(3, NULL, NULL);
	if (c < 0) {
		perror("fdreport serve: accept");
		return 3;
	}
	if (write(c, hello, sizeof(hello) - 1) != (ssize_t)sizeof(hello) - 1)
		return 2;
	close(c);
	return 0;
}

static int connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[4096];
	ssize_t n;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("fdreport connect");
		return 3;
	}
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 2;
	return n < 0 ? 2 : 0;
}

int main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report();
	if (argc >= 2 && strcmp(argv[1], "nonblock") == 0)
		return nonblock(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "opath") == 0)
		return opath(argc, argv);
	if (argc == 3 && strcmp(argv[1], "closeloop") == 0)
		return closeloop(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return connect_port(atoi(argv[2]));
	fputs("usage: fdreport report | nonblock FD... -- COMMAND [ARG]... | opath FD PATH -- COMMAND [ARG]... | closeloop ROUNDS | serve | connect PORT\n",
	      stderr);
	return 2;
}
