/* fdreport: a small COMMAND for the nofile/blocking and container tests,
 * linked statically where it can be so that it runs in a FROM scratch
 * image.  libc only.
 *
 *   fdreport report [FILE]     what it inherited, one fact a line:
 *                              "nofile SOFT HARD", "openmax N", "pid N",
 *                              "fd N nonblock=0|1 append=0|1 TYPE" per open
 *                              descriptor, followed by "fdid N DEV:INO LINK"
 *                              (which file it is; LINK is where
 *                              /proc/self/fd/N points, "-" without /proc)
 *                              and, for a socket, "fdsock N listening=0|1
 *                              ADDR" (its local address: IP:PORT,
 *                              unix:PATH or "other"); "env NAME=VALUE" per
 *                              LISTEN_*.  To FILE (opened after the scan,
 *                              close-on-exec) instead of stdout if given.
 *   fdreport                   (no arguments) the same as `fdreport report`,
 *                              so that it can stand in for a server started
 *                              without arguments (contrib/container's CMD)
 *   fdreport nonblock FD... -- COMMAND [ARG]...
 *                              set O_NONBLOCK on each FD, then exec COMMAND
 *   fdreport hold FD... -- COMMAND [ARG]...
 *                              open "/" on each FD (a descriptor handed on,
 *                              as a runtime or an init would), then exec
 *                              COMMAND; FD followed by "p" (7p): O_PATH,
 *                              which poll and select cannot see
 *   fdreport opath FD PATH -- COMMAND [ARG]...
 *                              open PATH with O_PATH at FD (inheritable: poll
 *                              and select cannot see it), then exec COMMAND
 *   fdreport closeloop ROUNDS  time a close() loop from 3 to
 *                              sysconf(_SC_OPEN_MAX) (what many programs do
 *                              before exec): "closeloop openmax N median_us U"
 *   fdreport serve [FILE]      socket activation: accept one connection on
 *                              descriptor 3 (LISTEN_FDS, LISTEN_PID checked),
 *                              answer "hello" and exit 0; exit 3 if no
 *                              socket was passed.  With FILE, first write
 *                              the report to FILE as `report FILE` does
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
#include <sys/un.h>
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

/* "fdsock N listening=0|1 ADDR" for a socket: which one it is. */
static void print_socket(FILE *out, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int listening = 0;
	socklen_t ilen = sizeof(listening);
	char addr[INET6_ADDRSTRLEN + 16] = "other";

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) < 0)
		listening = 0;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		char ip[INET6_ADDRSTRLEN];
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
			if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)))
				snprintf(addr, sizeof(addr), "%s:%u", ip, ntohs(a->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
			if (inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip)))
				snprintf(addr, sizeof(addr), "[%s]:%u", ip, ntohs(a->sin6_port));
		} else if (ss.ss_family == AF_UNIX) {
			const struct sockaddr_un *a = (const struct sockaddr_un *)&ss;
			snprintf(addr, sizeof(addr), "unix:%.*s", (int)(sizeof(a->sun_path) - 1),
				 a->sun_path[0] ? a->sun_path : "(unnamed)");
		}
	}
	fprintf(out, "fdsock %d listening=%d %s\n", fd, listening != 0, addr);
}

/* "fdid N DEV:INO LINK": which file descriptor N is. */
static void print_identity(FILE *out, int fd)
{
	struct stat st;
	char path[64], link[4096];
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		link[0] = '-';
		n = 1;
	}
	link[n] = '\0';
	fprintf(out, "fdid %d %llu:%llu %s\n", fd, (unsigned long long)st.st_dev,
		(unsigned long long)st.st_ino, link);
	if (S_ISSOCK(st.st_mode))
		print_socket(out, fd);
}

static long open_max(void)
{
	long m = sysconf(_SC_OPEN_MAX);

	return m < 0 || m > (1L << 20) ? 1L << 20 : m;
}

/* The report goes to memory first (open_memstream opens no descriptor),
 * so that FILE, opened afterwards, is not in it. */
static int report(const char *file)
{
	struct rlimit rl;
	long max = open_max();
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	fprintf(out, "nofile %llu %llu\n", (unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max);
	fprintf(out, "openmax %ld\n", max);
	fprintf(out, "pid %ld\n", (long)getpid());
	/* Above the soft limit too: a descriptor kept above a lowered limit
	 * is exactly what the tests look for.  fcntl works on any number. */
	long top = (long)rl.rlim_max > max ? (long)rl.rlim_max : max;
	if (top > (1L << 20))
		top = 1L << 20;
	for (long fd = 0; fd < top; fd++) {
		int fl = fcntl((int)fd, F_GETFL);
		if (fl < 0)
			continue;
		fprintf(out, "fd %ld nonblock=%d append=%d %s\n", fd, (fl & O_NONBLOCK) != 0,
			(fl & O_APPEND) != 0, type_of((int)fd));
		print_identity(out, (int)fd);
	}
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LISTEN_", 7) == 0)
			fprintf(out, "env %s\n", *e);
	if (fclose(out) != 0)
		return 2;
	int fd = 1;
	if (file && (fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		perror(file);
		return 2;
	}
	int ok = write(fd, text, size) == (ssize_t)size;
	free(text);
	if (file && close(fd) < 0)
		ok = 0;
	return ok ? 0 : 2;
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

static int hold(int argc, char *argv[])
{
	int i;

	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		char *end;
		int fd = (int)strtol(argv[i], &end, 10);
		int p = open("/", (*end == 'p' ? O_PATH : O_RDONLY) | O_DIRECTORY | O_CLOEXEC);
		if (p < 0 || (p != fd && dup2(p, fd) < 0) ||
		    (p == fd && fcntl(fd, F_SETFD, 0) < 0)) {
			perror("fdreport hold");
			return 2;
		}
		if (p != fd)
			close(p);
	}
	if (i + 1 >= argc) {
		fputs("fdreport hold: no command\n", stderr);
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

static int serve(const char *file)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	static const char hello[] = "hello from fdreport\n";

	if (file && report(file) != 0)
		return 2;
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
	if (argc == 1)
		return report(NULL);
	if (argc >= 2 && strcmp(argv[1], "hold") == 0)
		return hold(argc, argv);
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "report") == 0)
		return report(argc == 3 ? argv[2] : NULL);
	if (argc >= 2 && strcmp(argv[1], "nonblock") == 0)
		return nonblock(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "opath") == 0)
		return opath(argc, argv);
	if (argc == 3 && strcmp(argv[1], "closeloop") == 0)
		return closeloop(atoi(argv[2]));
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "serve") == 0)
		return serve(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return connect_port(atoi(argv[2]));
	fputs("usage: fdreport [report [FILE]] | nonblock FD... -- COMMAND [ARG]... | hold FD... -- COMMAND [ARG]...\n"
	      "       | opath FD PATH -- COMMAND [ARG]... | closeloop ROUNDS | serve [FILE] | connect PORT\n",
	      stderr);
	return 2;
}
