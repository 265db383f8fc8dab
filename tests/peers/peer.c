/* peer.c: the programs the socket activation tests run.
 *
 *   peer server            print "server: LISTEN_FDS=n LISTEN_PID=ok|wrong
 *                          LISTEN_FDNAMES=names" on stderr ("unset" for a
 *                          variable that is not set), then accept one
 *                          connection on descriptor 3 (passed by socket
 *                          activation) and answer the same words after
 *                          "hello"; exit 3 with "no socket on 3" if 3 is
 *                          not a listening socket
 *   peer client PORT       connect to 127.0.0.1:PORT, print what comes back
 *                          (retrying while nothing listens yet)
 *   peer listen-fd CLOSEFDS [ARGS...]
 *                          open two listening sockets at 5 and 6, run
 *                          CLOSEFDS --listen-fd 5:web --listen-fd 6 ARGS --
 *                          peer check PORT5 PORT6
 *   peer check PORT PORT   the child: LISTEN_FDS=2, LISTEN_PID is its own pid,
 *                          LISTEN_FDNAMES=web:unknown, 3 and 4 are listening
 *                          sockets on those ports; exit 0 or print why not
 *   peer fds               print the open descriptors below 65536, found with
 *                          fcntl (no /proc needed)
 *   peer socket3 CMD [ARG...]
 *                          put a listening socket at descriptor 3 and exec CMD
 *   peer euid              print the effective user ID (the setuid control) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int listening = 0;
	socklen_t ll = sizeof(listening);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 || a.sin_family != AF_INET ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) < 0 || !listening)
		return -1;
	return ntohs(a.sin_port);
}

static int server(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	char env[384], answer[400];

	snprintf(env, sizeof(env), "LISTEN_FDS=%s LISTEN_PID=%s LISTEN_FDNAMES=%s",
		 fds ? fds : "unset", !pid ? "unset" : atol(pid) == (long)getpid() ? "ok" : "wrong",
		 names ? names : "unset");
	fprintf(stderr, "server: %s\n", env);
	if (port_of(3) < 0) {
		fprintf(stderr, "no socket on 3\n");
		return 3;
	}
	int c = accept(3, NULL, NULL);
	if (c < 0)
		return 4;
	int n = snprintf(answer, sizeof(answer), "hello %s\n", env);
	if (n < 0 || (size_t)n >= sizeof(answer) || write(c, answer, (size_t)n) != n)
		return 5;
	close(c);
	return 0;
}

static int client(const char *port)
{
	struct sockaddr_in a;
	char buf[256];

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int tries = 0; tries < 100; tries++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return 2;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			ssize_t n;
			while ((n = read(s, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stdout);
			close(s);
			return 0;
		}
		close(s);
		usleep(50000);
	}
	fprintf(stderr, "nothing listens on port %s\n", port);
	return 1;
}

static int listener_at(int fd)
{
	struct sockaddr_in a;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		return -1;
	/* socket() took the lowest free number, which may be fd itself */
	if (s != fd && (dup2(s, fd) < 0 || close(s) < 0))
		return -1;
	return port_of(fd);
}

static int listen_fd(int argc, char *argv[], const char *self)
{
	char p5[16], p6[16];
	const char *args[32];
	int n = 0;

	snprintf(p5, sizeof(p5), "%d", listener_at(5));
	snprintf(p6, sizeof(p6), "%d", listener_at(6));
	args[n++] = argv[2];
	args[n++] = "--listen-fd";
	args[n++] = "5:web";
	args[n++] = "--listen-fd";
	args[n++] = "6";
	for (int i = 3; i < argc && n < 24; i++)
		args[n++] = argv[i];
	args[n++] = "--";
	args[n++] = self;
	args[n++] = "check";
	args[n++] = p5;
	args[n++] = p6;
	args[n] = NULL;
	execv(argv[2], (char *const *)args);
	perror("execv");
	return 127;
}

static int check(const char *p3, const char *p4)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	char self[32];

	snprintf(self, sizeof(self), "%ld", (long)getpid());
	if (!fds || strcmp(fds, "2") != 0 || !pid || strcmp(pid, self) != 0 || !names ||
	    strcmp(names, "web:unknown") != 0) {
		printf("LISTEN_FDS=%s LISTEN_PID=%s (self %s) LISTEN_FDNAMES=%s\n", fds ? fds : "-",
		       pid ? pid : "-", self, names ? names : "-");
		return 1;
	}
	if (port_of(3) != atoi(p3) || port_of(4) != atoi(p4)) {
		printf("ports on 3 and 4: %d %d, expected %s %s\n", port_of(3), port_of(4), p3, p4);
		return 1;
	}
	/* Everything else was closed, the moved 5 and 6 included. */
	for (int fd = 5; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) != -1) {
			printf("descriptor %d is still open\n", fd);
			return 1;
		}
	}
	printf("ok\n");
	return 0;
}

static int socket3(char *argv[])
{
	if (listener_at(3) < 0) {
		perror("socket at 3");
		return 126;
	}
	execvp(argv[0], argv);
	perror("execvp");
	return 127;
}

static int fds(void)
{
	const char *sep = "";

	for (int fd = 0; fd < 65536; fd++) {
		if (fcntl(fd, F_GETFD) != -1) {
			printf("%s%d", sep, fd);
			sep = " ";
		}
	}
	printf("\n");
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "server") == 0)
		return server();
	if (argc == 3 && strcmp(argv[1], "client") == 0)
		return client(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "listen-fd") == 0)
		return listen_fd(argc, argv, argv[0]);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "fds") == 0)
		return fds();
	if (argc >= 3 && strcmp(argv[1], "socket3") == 0)
		return socket3(argv + 2);
	if (argc == 2 && strcmp(argv[1], "euid") == 0)
		return printf("%ld\n", (long)geteuid()) < 0;
	fprintf(stderr, "usage: peer server | client PORT | listen-fd CLOSEFDS [ARGS] | check P P | fds | socket3 CMD... | euid\n");
	return 2;
}
