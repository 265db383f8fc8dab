/* sdreader.c: a socket-activated service as libsystemd sees it, the real
 * reader of LISTEN_PID and LISTEN_FDS.  It loads libsystemd.so.0 at run
 * time (closefds must not link it), opens a file first as services do (a
 * configuration file, a log), then calls sd_listen_fds(0), and prints
 *
 *   n=N 3=KIND
 *
 * N what sd_listen_fds returned (a negative errno on a refused value), KIND
 * what descriptor 3 is then: socket, file (the one it opened itself: what
 * it would take for the socket if LISTEN_* still claimed 3), or closed.
 * Exit 77 with "skip: ..." when libsystemd.so.0 cannot be loaded. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int main(void)
{
	void *lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		printf("skip: cannot load libsystemd.so.0: %s\n", dlerror());
		return 77;
	}
	int (*sd_listen_fds)(int);
	/* POSIX: a function pointer through a void * (ISO C has no such cast) */
	*(void **)(&sd_listen_fds) = dlsym(lib, "sd_listen_fds");
	if (!sd_listen_fds) {
		printf("skip: libsystemd.so.0 has no sd_listen_fds: %s\n", dlerror());
		return 77;
	}
	/* The lowest free number: 3 if closefds closed the socket. */
	if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
		perror("open /dev/null");
		return 1;
	}
	int n = sd_listen_fds(0);
	struct stat st;
	const char *kind = fstat(3, &st) < 0 ? "closed" : S_ISSOCK(st.st_mode) ? "socket" : "file";
	printf("n=%d 3=%s\n", n, kind);
	return 0;
}
