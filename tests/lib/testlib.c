/* testlib.c: hostile environments, descriptors of every kind, and running
 * closefds with the probe.  See testlib.h. */
#include "testlib.h"
#include "seccomp_abi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The same number on every architecture (the unified table since 5.1). */
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif


struct env_desc {
	const char *name;
	enum tl_action act[TL_CALL_COUNT];
	int proc; /* 0: as it is, 1: unmounted, 2: a tmpfs over it */
	bool gvisor; /* close_range fails with EINVAL for a last descriptor above INT_MAX */
};

static const struct env_desc envs[TL_ENV_COUNT] = {
	[TL_PLAIN] = { "plain", { TL_ALLOW, TL_ALLOW, TL_ALLOW }, 0 },
	[TL_CR_EPERM] = { "close_range EPERM", { TL_EPERM, TL_ALLOW, TL_ALLOW }, 0 },
	[TL_CR_ENOSYS] = { "close_range ENOSYS", { TL_ENOSYS, TL_ALLOW, TL_ALLOW }, 0 },
	[TL_NO_PROC] = { "/proc unmounted", { TL_ALLOW, TL_ALLOW, TL_ALLOW }, 1 },
	[TL_TMPFS_PROC] = { "tmpfs over /proc", { TL_ALLOW, TL_ALLOW, TL_ALLOW }, 2 },
	[TL_CR_EPERM_NO_PROC] = { "close_range EPERM + /proc unmounted",
				  { TL_EPERM, TL_ALLOW, TL_ALLOW }, 1 },
	[TL_CR_TRAP] = { "close_range SIGSYS", { TL_TRAP, TL_ALLOW, TL_ALLOW }, 0 },
	[TL_CR_TRAP_NO_PROC] = { "close_range SIGSYS + /proc unmounted",
				 { TL_TRAP, TL_ALLOW, TL_ALLOW }, 1 },
	[TL_SEL_EPERM_NO_PROC] = { "close_range and select EPERM + /proc unmounted",
				   { TL_EPERM, TL_EPERM, TL_ALLOW }, 1 },
	[TL_SEL_TRAP_TMPFS_PROC] = { "close_range and select SIGSYS + tmpfs over /proc",
				     { TL_TRAP, TL_TRAP, TL_ALLOW }, 2 },
	[TL_POLL_EPERM_NO_PROC] = { "close_range and poll EPERM + /proc unmounted",
				    { TL_EPERM, TL_ALLOW, TL_EPERM }, 1 },
	[TL_ALL_EPERM_NO_PROC] = { "close_range, select and poll EPERM + /proc unmounted",
				   { TL_EPERM, TL_EPERM, TL_EPERM }, 1 },
	[TL_CR_GVISOR] = { "close_range EINVAL above INT_MAX (as gVisor)",
			   { TL_ALLOW, TL_ALLOW, TL_ALLOW }, 0, true },
};

const char *tl_env_name(enum tl_env env)
{
	return envs[env].name;
}

bool tl_env_blocks_close_range(enum tl_env env)
{
	return envs[env].act[TL_CALL_CLOSE_RANGE] != TL_ALLOW;
}

bool tl_env_hides_proc(enum tl_env env)
{
	return envs[env].proc != 0;
}

bool tl_env_blocks_select(enum tl_env env)
{
	return envs[env].act[TL_CALL_SELECT] != TL_ALLOW;
}

bool tl_env_blocks_poll(enum tl_env env)
{
	return envs[env].act[TL_CALL_POLL] != TL_ALLOW;
}

bool tl_env_traps(enum tl_env env)
{
	for (int c = 0; c < TL_CALL_COUNT; c++)
		if (envs[env].act[c] == TL_TRAP)
			return true;
	return false;
}

bool tl_env_bound_is_limit(enum tl_env env)
{
	return tl_env_hides_proc(env) && tl_env_blocks_select(env);
}

/* This ABI's syscall numbers for each call; -1 ends a list. */
static const long call_numbers[TL_CALL_COUNT][5] = {
	[TL_CALL_CLOSE_RANGE] = { __NR_close_range, -1 },
	[TL_CALL_SELECT] = {
#ifdef __NR_select
		__NR_select,
#endif
#ifdef __NR__newselect
		__NR__newselect,
#endif
#ifdef __NR_pselect6
		__NR_pselect6,
#endif
#ifdef __NR_pselect6_time64
		__NR_pselect6_time64,
#endif
		-1 },
	[TL_CALL_POLL] = {
#ifdef __NR_poll
		__NR_poll,
#endif
#ifdef __NR_ppoll
		__NR_ppoll,
#endif
#ifdef __NR_ppoll_time64
		__NR_ppoll_time64,
#endif
		-1 },
};

static unsigned action_value(enum tl_action a)
{
	switch (a) {
	case TL_EPERM:
		return SECCOMP_RET_ERRNO | EPERM;
	case TL_ENOSYS:
		return SECCOMP_RET_ERRNO | ENOSYS;
	case TL_TRAP:
		return SECCOMP_RET_TRAP;
	case TL_ALLOW:
		break;
	}
	return SECCOMP_RET_ALLOW;
}

int tl_seccomp(const enum tl_action act[TL_CALL_COUNT])
{
#ifdef TL_AUDIT_ARCH
	struct sock_filter f[32];
	unsigned short n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TL_AUDIT_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (int c = 0; c < TL_CALL_COUNT; c++) {
		if (act[c] == TL_ALLOW)
			continue;
		for (size_t i = 0; call_numbers[c][i] >= 0; i++) {
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							      (unsigned)call_numbers[c][i], 0, 1);
			f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action_value(act[c]));
		}
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { n, f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	(void)act;
	errno = ENOSYS;
	return -1;
#endif
}

/* gVisor's close_range: EINVAL when the last descriptor (the low 32 bits
 * of the second argument) is above INT_MAX (opencontainers/runc#4596). */
int tl_gvisor_close_range(void)
{
#ifdef TL_AUDIT_ARCH
	unsigned low = (unsigned)offsetof(struct seccomp_data, args[1]);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	low += 4;
#endif
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TL_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, low),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x7fffffffU, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int tl_block_close_range(int err)
{
	enum tl_action act[TL_CALL_COUNT] = { err == ENOSYS ? TL_ENOSYS : TL_EPERM, TL_ALLOW,
					      TL_ALLOW };

	return tl_seccomp(act);
}

bool tl_env_uses_seccomp(enum tl_env env)
{
	if (envs[env].gvisor)
		return true;
	for (int c = 0; c < TL_CALL_COUNT; c++)
		if (envs[env].act[c] != TL_ALLOW)
			return true;
	return false;
}

const char *tl_emulator(void)
{
	const char *e = getenv("CLOSEFDS_TEST_EMULATOR");

	return e && *e ? e : NULL;
}

/* Why a test's child failed before closefds ran: a MAP_SHARED page (no
 * descriptor: the child's table is what is tested), made by
 * tl_run_closefds() before its first fork and read by the parent after the
 * wait.  Set in the child only (in_run_child); elsewhere tl_fail() prints. */
#define CHILD_WHY_SIZE 1024
static char *child_why;
static bool in_run_child;

int tl_fail(const char *fmt, ...)
{
	int e = errno;
	char msg[CHILD_WHY_SIZE - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (in_run_child && child_why) {
		/* The first failure is the cause; the callers' are its echoes. */
		if (!child_why[0])
			snprintf(child_why, CHILD_WHY_SIZE, "%s: %s", msg, strerror(e));
	} else {
		fprintf(stderr, "testlib: %s: %s\n", msg, strerror(e));
	}
	errno = e;
	return -1;
}

pid_t tl_fork(void)
{
	/* Under load fork may fail for a moment (EAGAIN: the process or
	 * memory limits): wait and try again, up to about 10 s. */
	for (int i = 0;; i++) {
		pid_t pid = fork();
		if (pid >= 0 || errno != EAGAIN || i == 100)
			return pid;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

int tl_wait_bounded(pid_t pid, int seconds, int *status, bool *timed_out)
{
	sigset_t chld;
	struct timespec start, now;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	*timed_out = false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = (start.tv_sec + seconds - now.tv_sec) * 1000000000LL +
				 (start.tv_nsec - now.tv_nsec);
		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			*timed_out = true;
			return 0;
		}
		struct timespec ts = { (time_t)(left / 1000000000LL), (long)(left % 1000000000LL) };
		sigtimedwait(&chld, NULL, &ts);
	}
}

bool tl_seccomp_works(void)
{
	static int works = -1;
	int st;

	if (works >= 0)
		return works;
	fflush(stdout);
	pid_t pid = tl_fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (tl_block_close_range(EPERM) < 0)
			_exit(1);
		/* One slot far above any descriptor: closes nothing if let through. */
		long r = syscall(__NR_close_range, 0x7ffffff0U, 0x7ffffff0U, 0U);
		_exit(r < 0 && errno == EPERM ? 0 : 1);
	}
	works = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return works;
}

/* What the mount namespace of this process does to /proc: 0 nothing (the
 * one it started in), 1 unmounted, 2 a tmpfs over it.  tl_env_group() sets
 * it once for a whole group of cases; their children inherit it. */
static int proc_state;

/* A private mount namespace whose /proc is gone (unmounted) or is an
 * empty tmpfs, as in chroots and sandboxes. */
static int hide_proc(int how)
{
	if (unshare(CLONE_NEWNS) < 0)
		return tl_fail("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return tl_fail("mount / MS_REC|MS_PRIVATE");
	/* A proc for the probe's reports only (list_open), beside them, where
	 * closefds does not look: the reports then list the table instead of
	 * asking fcntl about every slot (20000 calls a report).  Without it
	 * they take the walk. */
	char own[128];
	snprintf(own, sizeof(own), "%s/proc", tl_workdir());
	if (mkdir(own, 0755) < 0 && errno != EEXIST)
		return tl_fail("mkdir %s", own);
	if (mount("proc", own, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		return tl_fail("mount proc on %s", own);
	if (how == 2 ? mount("tmpfs", "/proc", "tmpfs", 0, "size=64k") < 0
		     : umount2("/proc", MNT_DETACH) < 0)
		return tl_fail(how == 2 ? "mount tmpfs on /proc" : "umount2 /proc");
	proc_state = how;
	return 0;
}

int tl_env_apply(enum tl_env env)
{
	const struct env_desc *d = &envs[env];

	if (d->proc != proc_state) {
		if (!d->proc)
			return tl_fail("tl_env_apply(%s): this process has /proc hidden (a group of another environment)",
				       d->name);
		if (hide_proc(d->proc) < 0)
			return -1;
	}
	if (d->gvisor)
		return tl_gvisor_close_range() < 0 ? tl_fail("seccomp filter (%s)", d->name) : 0;
	if (tl_env_uses_seccomp(env) && tl_seccomp(d->act) < 0)
		return tl_fail("seccomp filter (%s)", d->name);
	return 0;
}

int tl_env_group(enum tl_env env, void (*fn)(void *arg), void *arg)
{
	struct counters {
		int number, failures, done;
	};
	struct counters *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	int st;

	if (c == MAP_FAILED) {
		printf("# tl_env_group(%s): mmap: %s\n", envs[env].name, strerror(errno));
		return -1;
	}
	c->number = tl_tap_number;
	c->failures = tl_tap_failures;
	c->done = 0;
	tl_workdir(); /* made here, so that the children share it and tl_cleanup() removes it */
	fflush(stdout);
	fflush(stderr);
	pid_t pid = tl_fork();
	if (pid < 0) {
		printf("# tl_env_group(%s): fork: %s\n", envs[env].name, strerror(errno));
		munmap(c, sizeof(*c));
		return -1;
	}
	if (pid == 0) {
		/* Gone with the test (killed by hand or by a timeout), not left
		 * running its cases. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* /proc hidden once for the group; the seccomp filters of env
		 * are left to each case's tl_env_apply(). */
		if (envs[env].proc && hide_proc(envs[env].proc) < 0)
			printf("# %s: cannot hide /proc for the group (each case tries again): %s\n",
			       envs[env].name, strerror(errno));
		fn(arg);
		c->number = tl_tap_number;
		c->failures = tl_tap_failures;
		c->done = 1;
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			printf("# tl_env_group(%s): waitpid: %s\n", envs[env].name, strerror(errno));
			break;
		}
	tl_tap_number = c->number;
	tl_tap_failures = c->failures;
	int done = c->done;
	munmap(c, sizeof(*c));
	if (!done) {
		/* Died: the lines it printed after its last flush are lost. */
		printf("# the child running the cases of %s died (wait status %#x)\n", envs[env].name,
		       (unsigned)st);
		tl_tap_failures++;
		return -1;
	}
	return 0;
}

/* The kinds of descriptor the tests place (testlib.h, enum tl_kind).  Kinds
 * marked "own inode" get a file of their own at every placement (created in
 * the work directory, then removed), so that a descriptor moved by -p is
 * told from every other by its identity.  The rest share one inode among
 * all their placements: /dev/null; the pty master (the ptmx node); epoll,
 * eventfd, signalfd, timerfd, inotify and io_uring (all on the kernel's one
 * anonymous inode, anon_inode:[...]); a pidfd (pidfs: one inode a process,
 * and every pidfd here is of the process itself).  Those are checked where
 * they stay in place, never as the source of a move. */
static const struct {
	const char *name;
	bool unique;
} kinds[TL_KIND_COUNT] = {
	[TL_FILE] = { "file", true },
	[TL_DIR] = { "directory", true },
	[TL_DEVNULL] = { "/dev/null", false },
	[TL_PIPE_R] = { "pipe read end", true },
	[TL_SOCKPAIR] = { "socketpair", true },
	[TL_TCP] = { "TCP listening", true },
	[TL_PATH_FILE] = { "O_PATH file", true },
	[TL_PATH_DIR] = { "O_PATH directory", true },
	[TL_PIPE_W] = { "pipe write end", true },
	[TL_FIFO] = { "FIFO", true },
	[TL_UNIX] = { "unix stream listening", true },
	[TL_UDP] = { "UDP", true },
	[TL_EPOLL] = { "epoll", false },
	[TL_EVENTFD] = { "eventfd", false },
	[TL_SIGNALFD] = { "signalfd", false },
	[TL_TIMERFD] = { "timerfd", false },
	[TL_INOTIFY] = { "inotify", false },
	[TL_MEMFD] = { "memfd", true },
	[TL_PIDFD] = { "pidfd", false },
	[TL_IO_URING] = { "io_uring", false },
	[TL_PTY_MASTER] = { "pty master", false },
	[TL_PTY_SLAVE] = { "pty slave", true },
};

const char *tl_kind_name(enum tl_kind kind)
{
	return kinds[kind].name;
}

bool tl_kind_unique(enum tl_kind kind)
{
	return kinds[kind].unique;
}

/* A fresh name in the work directory for a file, directory or FIFO of one
 * placement (removed once it is open). */
static void fresh_name(char *buf, size_t size)
{
	static unsigned counter;

	snprintf(buf, size, "%s/k.%ld.%u", tl_workdir(), (long)getpid(), counter++);
}

/* What open_kind() failed on, for tl_fail(). */
static const char *open_step;

static int open_fresh(int flags, bool dir, bool fifo)
{
	char path[160];
	int fd = -1, r, e;

	fresh_name(path, sizeof(path));
	if (dir) {
		open_step = "mkdir";
		r = mkdir(path, 0700);
	} else if (fifo) {
		open_step = "mkfifo";
		r = mkfifo(path, 0600);
	} else {
		open_step = "open (create)";
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		r = fd < 0 ? -1 : close(fd);
	}
	if (r < 0)
		return -1;
	open_step = "open";
	fd = open(path, flags | O_CLOEXEC);
	e = errno;
	if (dir)
		rmdir(path);
	else
		unlink(path);
	errno = e;
	return fd;
}

static int open_pair(int domain, int type, bool second)
{
	int p[2];

	open_step = domain == AF_UNIX ? "socketpair" : "pipe2";
	if ((domain == AF_UNIX ? socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, p) : pipe2(p, O_CLOEXEC)) < 0)
		return -1;
	close(p[!second]);
	return p[second];
}

static int open_socket(int domain, int type)
{
	struct sockaddr_in a;
	sa_family_t unix_family = AF_UNIX;
	int s;

	open_step = "socket";
	s = socket(domain, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	open_step = "bind";
	/* AF_UNIX: autobind (an address of only the family) picks a unique
	 * abstract name. */
	int r = domain == AF_UNIX ? bind(s, (struct sockaddr *)&unix_family, sizeof(unix_family))
				  : bind(s, (struct sockaddr *)&a, sizeof(a));
	if (r == 0 && type == SOCK_STREAM) {
		open_step = "listen";
		r = listen(s, 1);
	}
	if (r < 0) {
		int e = errno;
		close(s);
		errno = e;
		return -1;
	}
	return s;
}

static int open_pty(bool slave)
{
	char path[64];
	unsigned n;
	int unlock = 0;

	open_step = "open /dev/ptmx";
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || !slave)
		return m;
	open_step = "ioctl TIOCSPTLCK/TIOCGPTN";
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		int e = errno;
		close(m);
		errno = e;
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/pts/%u", n);
	open_step = "open /dev/pts/N";
	int s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	close(m);
	errno = e;
	return s;
}

static int open_kind(enum tl_kind kind)
{
	sigset_t usr2;
	unsigned long long uring_params[16] = { 0 }; /* struct io_uring_params: 120 bytes */

	switch (kind) {
	case TL_FILE:
		return open_fresh(O_RDONLY, false, false);
	case TL_DIR:
		return open_fresh(O_RDONLY | O_DIRECTORY, true, false);
	case TL_PATH_FILE:
		return open_fresh(O_PATH, false, false);
	case TL_PATH_DIR:
		return open_fresh(O_PATH | O_DIRECTORY, true, false);
	case TL_FIFO:
		return open_fresh(O_RDWR, false, true);
	case TL_DEVNULL:
		open_step = "open /dev/null";
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case TL_PIPE_R:
		return open_pair(0, 0, false);
	case TL_PIPE_W:
		return open_pair(0, 0, true);
	case TL_SOCKPAIR:
		return open_pair(AF_UNIX, SOCK_STREAM, false);
	case TL_TCP:
		return open_socket(AF_INET, SOCK_STREAM);
	case TL_UDP:
		return open_socket(AF_INET, SOCK_DGRAM);
	case TL_UNIX:
		return open_socket(AF_UNIX, SOCK_STREAM);
	case TL_EPOLL:
		open_step = "epoll_create1";
		return epoll_create1(EPOLL_CLOEXEC);
	case TL_EVENTFD:
		open_step = "eventfd";
		return eventfd(0, EFD_CLOEXEC);
	case TL_SIGNALFD:
		open_step = "signalfd";
		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		return signalfd(-1, &usr2, SFD_CLOEXEC);
	case TL_TIMERFD:
		open_step = "timerfd_create";
		return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	case TL_INOTIFY:
		open_step = "inotify_init1";
		return inotify_init1(IN_CLOEXEC);
	case TL_MEMFD:
		open_step = "memfd_create";
		return (int)syscall(__NR_memfd_create, "testlib", 1U /* MFD_CLOEXEC */);
	case TL_PIDFD:
		/* Close-on-exec by itself (the kernel's pidfd_open). */
		open_step = "pidfd_open";
		return (int)syscall(__NR_pidfd_open, getpid(), 0U);
	case TL_IO_URING:
		open_step = "io_uring_setup";
		return (int)syscall(__NR_io_uring_setup, 1U, uring_params);
	case TL_PTY_MASTER:
		return open_pty(false);
	case TL_PTY_SLAVE:
		return open_pty(true);
	case TL_KIND_COUNT:
		break;
	}
	open_step = "open_kind";
	errno = EINVAL;
	return -1;
}

const char *tl_kind_unavailable(enum tl_kind kind)
{
	static char why[TL_KIND_COUNT][128];
	static signed char tried[TL_KIND_COUNT];

	if (!tried[kind]) {
		int fd = open_kind(kind);
		tried[kind] = 1;
		if (fd < 0)
			snprintf(why[kind], sizeof(why[kind]), "%s: %s", open_step, strerror(errno));
		else
			close(fd);
	}
	return why[kind][0] ? why[kind] : NULL;
}

int tl_place(enum tl_kind kind, int fd)
{
	int t = open_kind(kind);

	if (t < 0)
		return tl_fail("tl_place(%s, %d): %s", kinds[kind].name, fd, open_step);
	if (t != fd) {
		if (dup2(t, fd) < 0) {
			int e = errno;
			close(t);
			errno = e;
			return tl_fail("tl_place(%s, %d): dup2(%d, %d)", kinds[kind].name, fd, t, fd);
		}
		close(t);
		return 0; /* dup2 leaves the new descriptor inheritable */
	}
	if (fcntl(fd, F_SETFD, 0) < 0)
		return tl_fail("tl_place(%s, %d): fcntl F_SETFD", kinds[kind].name, fd);
	return 0;
}

/* "dev:ino:ACCESS" with ACCESS r, w, rw or path (O_PATH): fstat and fcntl
 * both see every kind of file, O_PATH included (poll and select do not). */
void tl_identity(int fd, char *buf, size_t size)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0) {
		snprintf(buf, size, "-");
		return;
	}
	const char *acc = (fl & O_PATH)			 ? "path"
			  : (fl & O_ACCMODE) == O_RDONLY ? "r"
			  : (fl & O_ACCMODE) == O_WRONLY ? "w"
							 : "rw";
	snprintf(buf, size, "%lu:%lu:%s", (unsigned long)st.st_dev, (unsigned long)st.st_ino, acc);
}

/* A line of /proc/self/status without /proc: the masks from the calls. */
static void signal_state(char *ign, size_t ignlen, char *blk, size_t blklen)
{
	unsigned long long ignored = 0, blocked = 0;
	sigset_t set;

	sigprocmask(SIG_BLOCK, NULL, &set);
	for (int sig = 1; sig < 64 && sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			ignored |= 1ULL << (sig - 1);
		if (sigismember(&set, sig) == 1)
			blocked |= 1ULL << (sig - 1);
	}
	snprintf(ign, ignlen, "%llx", ignored);
	snprintf(blk, blklen, "%llx", blocked);
}

/* A record of getdents64 (the kernel's struct linux_dirent64). */
struct dirent64_raw {
	unsigned long long ino;
	long long off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0 /* linux/magic.h, which musl-gcc does not have */
#endif

/* The mount id of path (statx STATX_MNT_ID, Linux 5.8), or 0.  By the
 * system call into a buffer of the kernel's struct statx layout (256 bytes,
 * stx_mask at 0, stx_mnt_id at 144): musl 1.2.3 has neither statx() nor
 * the struct. */
static unsigned long long mount_id(const char *path)
{
#ifdef SYS_statx
	unsigned char sx[256] __attribute__((aligned(8)));
	unsigned int mask;
	unsigned long long id;

	if (syscall(SYS_statx, AT_FDCWD, path, AT_NO_AUTOMOUNT, 0x1000U /* STATX_MNT_ID */, sx) < 0)
		return 0;
	memcpy(&mask, sx, sizeof(mask));
	memcpy(&id, sx + 144, sizeof(id));
	return mask & 0x1000U ? id : 0;
#else
	(void)path;
	return 0;
#endif
}

/* Open ROOT/self/fd where ROOT is a proc mount of this process's own: a
 * procfs whose "self" is this process, and whose self/fd is no bind mount
 * of another process's (the same mount as ROOT; enginetest forges exactly
 * that).  The directory descriptor, or -1. */
static int open_own_fd_dir(const char *root)
{
	char path[600], link[32];
	struct statfs sfs;

	if (statfs(root, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return -1;
	snprintf(path, sizeof(path), "%s/self", root);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	if (strtol(link, NULL, 10) != (long)getpid())
		return -1;
	snprintf(path, sizeof(path), "%s/self/fd", root);
	unsigned long long root_id = mount_id(root);
	if (!root_id || mount_id(path) != root_id)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The open descriptors, listed from ROOT/self/fd (open_own_fd_dir), sorted,
 * without the directory's own.  How many (at most max), or -1: no such
 * /proc here, or more than max. */
static int list_from_proc(const char *root, int *fds, int max)
{
	/* getdents64 into a buffer on the stack: no malloc (a case may refuse
	 * mmap), no opendir. */
	char buf[8192] __attribute__((aligned(8)));
	int n = 0;
	int dir = open_own_fd_dir(root);

	if (dir < 0)
		return -1;
	for (;;) {
		long got = syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close(dir);
			if (got < 0)
				return -1;
			break;
		}
		for (long off = 0; off < got;) {
			const struct dirent64_raw *d = (const void *)(buf + off);
			off += d->reclen;
			if (d->name[0] < '0' || d->name[0] > '9')
				continue;
			int fd = (int)strtol(d->name, NULL, 10);
			if (fd == dir)
				continue;
			if (n == max) {
				close(dir);
				return -1;
			}
			fds[n++] = fd;
		}
	}
	qsort(fds, (size_t)n, sizeof(fds[0]), cmp_int);
	return n;
}

/* The report directory's "proc": a proc of this process's own that
 * hide_proc() mounts there for the environments without /proc. */
static int list_open(const char *report_path, int *fds, int max)
{
	char root[600];
	const char *slash = strrchr(report_path, '/');
	int n;

	/* Under qemu-user the table is qemu's, which is the guest's: the
	 * walk, which qemu passes through, sees the same (the reporter test
	 * compares them there too). */
	if (getenv("CLOSEFDS_TEST_REPORT_WALK"))
		return -1;
	if (slash) {
		snprintf(root, sizeof(root), "%.*s/proc", (int)(slash - report_path), report_path);
		if ((n = list_from_proc(root, fds, max)) >= 0)
			return n;
	}
	return list_from_proc("/proc", fds, max);
}

int tl_write_report(const char *path)
{
	/* List first, into memory; the report file is opened afterwards so it
	 * is not listed.  The descriptors are those a proc of this process's
	 * own lists (list_open: /proc, or the one hide_proc() mounts beside the
	 * reports where /proc is hidden from closefds), each checked with
	 * fcntl; without one, fcntl on every slot below the hard RLIMIT_NOFILE,
	 * and at least below TL_SCAN_MIN, where the tests place descriptors
	 * (also above a hard limit lowered after they were opened).  Both see
	 * O_PATH descriptors, and neither is what closefds uses: a proc
	 * closefds cannot see, or no /proc at all. */
	/* A static buffer, not malloc: a case may refuse mmap, and musl's
	 * malloc takes a megabyte from mmap only. */
	static char buf[1 << 20];
	size_t cap = sizeof(buf), len = 0;
	char ign[32], blk[32], cwd[512];
	uid_t r, e, s;
	gid_t rg, eg, sg;

	struct rlimit rl;
	static int listed[TL_MAX_FDS];
	int n_listed = list_open(path, listed, TL_MAX_FDS);
	int bound = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (1 << 20))
		bound = (int)rl.rlim_max;
	if (bound < TL_SCAN_MIN)
		bound = TL_SCAN_MIN;
	if (n_listed >= 0)
		bound = n_listed;
	for (int i = 0; i < bound; i++) {
		int fd = n_listed >= 0 ? listed[i] : i;
		int flags = fcntl(fd, F_GETFD);
		char id[48];
		if (flags < 0)
			continue;
		tl_identity(fd, id, sizeof(id));
		if (len + 100 > cap)
			break;
		len += (size_t)snprintf(buf + len, cap - len, "fd %d %s %d\n", fd, id,
					(flags & FD_CLOEXEC) != 0);
	}
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	signal_state(ign, sizeof(ign), blk, sizeof(blk));
	mode_t m = umask(0);
	umask(m);
	const char *var = getenv("CLOSEFDS_TEST_VAR");
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?");
	len += (size_t)snprintf(buf + len, cap - len,
				"ids %u %u %u %u %u %u\nsigign %s\nsigblk %s\ncwd %s\numask %03o\nenv %s\nend\n",
				r, e, s, rg, eg, sg, ign, blk, cwd, (unsigned)m, var ? var : "(unset)");
	/* Written under a temporary name and renamed: a reader never sees half a
	 * report (a probe killed while writing leaves none). */
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 && errno == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		/* A soft limit of 3 leaves no slot for the report: raise ours. */
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (out < 0)
		return tl_fail("tl_write_report: open %s", tmp);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(out, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			close(out);
			return tl_fail("tl_write_report: write %s (%zu of %zu bytes written)", tmp, done, len);
		}
		done += (size_t)n;
	}
	if (close(out) < 0)
		return tl_fail("tl_write_report: close %s", tmp);
	if (rename(tmp, path) < 0)
		return tl_fail("tl_write_report: rename %s", tmp);
	return 0;
}

static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	dst[strcspn(dst, "\n")] = '\0';
}

static void report_empty(struct tl_report *r)
{
	r->n = 0;
	r->ids[0] = r->sigign[0] = r->sigblk[0] = r->cwd[0] = r->umask[0] = r->env[0] = '\0';
}

int tl_read_report(const char *path, struct tl_report *rep)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	bool complete = false;

	report_empty(rep);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, "end\n") == 0)
			complete = true;
		int fd, cloexec;
		char id[48];
		if (sscanf(line, "fd %d %47s %d", &fd, id, &cloexec) == 3 && rep->n < TL_MAX_FDS) {
			rep->fd[rep->n] = fd;
			snprintf(rep->id[rep->n], sizeof(rep->id[0]), "%s", id);
			rep->cloexec[rep->n] = cloexec;
			rep->n++;
		} else if (strncmp(line, "ids ", 4) == 0) {
			copy_field(rep->ids, sizeof(rep->ids), line + 4);
		} else if (strncmp(line, "sigign ", 7) == 0) {
			copy_field(rep->sigign, sizeof(rep->sigign), line + 7);
		} else if (strncmp(line, "sigblk ", 7) == 0) {
			copy_field(rep->sigblk, sizeof(rep->sigblk), line + 7);
		} else if (strncmp(line, "cwd ", 4) == 0) {
			copy_field(rep->cwd, sizeof(rep->cwd), line + 4);
		} else if (strncmp(line, "umask ", 6) == 0) {
			copy_field(rep->umask, sizeof(rep->umask), line + 6);
		} else if (strncmp(line, "env ", 4) == 0) {
			copy_field(rep->env, sizeof(rep->env), line + 4);
		}
	}
	fclose(f);
	if (!complete)
		errno = EIO; /* no "end" line: cut short */
	return complete ? 0 : -1;
}

const char *tl_report_identity(const struct tl_report *r, int fd)
{
	for (int i = 0; i < r->n; i++)
		if (r->fd[i] == fd)
			return r->id[i];
	return NULL;
}

static char workdir[64];

const char *tl_workdir(void)
{
	if (!workdir[0]) {
		snprintf(workdir, sizeof(workdir), "/tmp/closefds-test.XXXXXX");
		if (!mkdtemp(workdir)) {
			perror("mkdtemp");
			exit(2);
		}
		chmod(workdir, 0755); /* the setuid case runs as nobody */
	}
	return workdir;
}

void tl_cleanup(void)
{
	char cmd[128];

	if (!workdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", workdir);
}

/* Drop the lines AddressSanitizer prints about a missing /proc ("==N==..."):
 * they are the sanitizer's, not closefds'. */
static void strip_sanitizer_noise(char *s)
{
	char *w = s;

	for (char *line = s; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "==", 2) != 0) {
			memmove(w, line, len);
			w += len;
		}
		line += len;
	}
	*w = '\0';
}

static void slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

const char *const *tl_wrapper;

const char *const tl_valgrind[] = {
	"/usr/bin/valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
	"--show-leak-kinds=definite,indirect,possible",
	"--errors-for-leak-kinds=definite,indirect,possible", NULL,
};

int tl_valgrind_option(int *argc, char ***argv)
{
	if (*argc < 2 || strcmp((*argv)[1], "--valgrind") != 0)
		return 0;
	if (access(tl_valgrind[0], X_OK) < 0) {
		printf("1..0 # SKIP %s is not installed\n", tl_valgrind[0]);
		return -1;
	}
	(*argv)[1] = (*argv)[0];
	(*argv)++;
	(*argc)--;
	tl_wrapper = tl_valgrind;
	return 1;
}

bool tl_valgrind_report(const struct tl_run *run)
{
	for (const char *l = run->err; *l;) {
		int pid, n = 0;
		if (sscanf(l, "==%d==%n", &pid, &n) == 1 && n > 0)
			return true;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return false;
}

int tl_run_closefds(const char *closefds, const char *probe, const char *const *args,
		    char *const *envp, tl_setup_fn setup, tl_setup_fn late, void *arg,
		    struct tl_run *run)
{
	char report[128], before[128], errfile[128];
	const char *argv[96];
	size_t a = 0;
	int st;

	snprintf(report, sizeof(report), "%s/after", tl_workdir());
	snprintf(before, sizeof(before), "%s/before", tl_workdir());
	snprintf(errfile, sizeof(errfile), "%s/stderr", tl_workdir());
	unlink(report);
	unlink(before);
	unlink(errfile);
	for (size_t i = 0; tl_wrapper && tl_wrapper[i] && a < 24; i++)
		argv[a++] = tl_wrapper[i];
	argv[a++] = closefds;
	for (size_t i = 0; args[i] && a < 90; i++)
		argv[a++] = args[i];
	argv[a++] = "--";
	argv[a++] = probe;
	argv[a++] = report;
	argv[a] = NULL;

	/* Emptied, not zeroed: two reports are 1.4 MB, and zeroing them for
	 * every run took an eighth of the system test's time. */
	report_empty(&run->after);
	report_empty(&run->before);
	run->status = -1;
	run->probe_ran = false;
	run->setup_failed = false;
	run->err[0] = '\0';
	if (!child_why) {
		void *p = mmap(NULL, CHILD_WHY_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			snprintf(run->err, sizeof(run->err), "testlib: mmap: %s", strerror(errno));
			return -1;
		}
		child_why = p;
	}
	child_why[0] = '\0';
	fflush(stdout);
	fflush(stderr);
	pid_t pid = tl_fork();
	if (pid < 0) {
		snprintf(run->err, sizeof(run->err), "testlib: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Every way out before the exec says why (tl_fail). */
		in_run_child = true;
		int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (e < 0) {
			tl_fail("open %s", errfile);
			_exit(90);
		}
		if (dup2(e, 2) < 0) {
			tl_fail("dup2(%d, 2)", e);
			_exit(90);
		}
		close(e);
		int o = open("/dev/null", O_WRONLY);
		if (o < 0 || dup2(o, 1) < 0) {
			tl_fail(o < 0 ? "open /dev/null" : "dup2(%d, 1)", o);
			_exit(90);
		}
		if (o != 1)
			close(o);
		if (setup && setup(arg) < 0) {
			tl_fail("the case's setup");
			_exit(91);
		}
		if (tl_write_report(before) < 0)
			_exit(92);
		if (late && late(arg) < 0) {
			tl_fail("the case's late setup");
			_exit(94);
		}
		extern char **environ;
		execve(argv[0], (char *const *)argv, envp ? envp : environ);
		tl_fail("execve %s", argv[0]);
		_exit(93);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			snprintf(run->err, sizeof(run->err), "testlib: waitpid: %s", strerror(errno));
			return -1;
		}
	}
	run->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (child_why[0]) {
		run->setup_failed = true;
		snprintf(run->err, sizeof(run->err), "test setup failed (status %d): %s", run->status,
			 child_why);
		return -1;
	}
	slurp(errfile, run->err, sizeof(run->err));
	if (!tl_wrapper) /* under valgrind its reports are the point */
		strip_sanitizer_noise(run->err);
	run->probe_ran = access(report, F_OK) == 0;
	if (tl_read_report(before, &run->before) < 0) {
		size_t o = strlen(run->err);
		snprintf(run->err + o, sizeof(run->err) - o,
			 "\ntestlib: cannot read the report written before the exec (%s): %s (status %d)",
			 before, strerror(errno), run->status);
		return -1;
	}
	if (run->probe_ran && tl_read_report(report, &run->after) < 0) {
		size_t o = strlen(run->err);
		snprintf(run->err + o, sizeof(run->err) - o,
			 "\ntestlib: cannot read the probe's report (%s): %s (status %d)", report,
			 strerror(errno), run->status);
		return -1;
	}
	return 0;
}

int tl_tap_number, tl_tap_failures;

void tl_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tl_tap_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tl_tap_failures += !ok;
}

int tl_seccomp_rules(const struct tl_rule *rules, size_t n)
{
#ifdef TL_AUDIT_ARCH
	struct sock_filter f[64];
	unsigned short k = 0;

	if (n > 28) {
		errno = E2BIG;
		return -1;
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TL_AUDIT_ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		unsigned ret = rules[i].action == TL_ALLOW ? SECCOMP_RET_ALLOW
			       : rules[i].action == TL_TRAP ? SECCOMP_RET_TRAP
							     : SECCOMP_RET_ERRNO | (unsigned)rules[i].err;
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)rules[i].nr,
						      0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { k, f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	(void)rules;
	(void)n;
	errno = ENOSYS;
	return -1;
#endif
}
