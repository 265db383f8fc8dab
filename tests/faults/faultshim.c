/* faultshim.c: a test-only LD_PRELOAD library that makes the Nth call of
 * one function fail with a chosen errno, so that every system call
 * closefds makes can be made to fail in turn (issue: fault injection).
 *
 *   FAULT_FUNC=name   the function to fail (see the wrappers below)
 *   FAULT_NTH=n       which call fails (1 = the first)
 *   FAULT_ERRNO=e     the errno it fails with
 *   FAULT_MARK=path   created when the fault is injected, so the driver
 *                     knows when n has passed the last call
 *
 * close, dup2 (dup3 where there is no dup2), close_range, getdents64 and
 * pselect6 go through syscall(); their names here are "close", "dup2",
 * "close_range", "getdents64" and "pselect6" (pselect6_time64 too,
 * where the ABI has it); malloc, calloc and realloc share the name
 * "malloc".  With FAULT_FUNC=mmap the shim first grows the descriptor table
 * to 32768 slots (as an inherited large table would), so that the select
 * probe maps a bitmap and mmap is reached.  execvp removes LD_PRELOAD
 * before the real call, so COMMAND (the probe) runs without the shim. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

static long calls;

/* True when this call of `name` is the one to fail. */
/* dlsym returns an object pointer; through uintptr_t to a function pointer,
 * as POSIX requires to work. */
#define REAL(name) ((__typeof__(&name))(uintptr_t)dlsym(RTLD_NEXT, #name))

static int inject(const char *name)
{
	const char *f = getenv("FAULT_FUNC"), *n = getenv("FAULT_NTH");

	if (!f || !n || strcmp(f, name) != 0)
		return 0;
	if (++calls != atol(n))
		return 0;
	const char *mark = getenv("FAULT_MARK");
	if (mark) {
		/* The raw syscall: open() here would recurse into the wrapper. */
		long fd = syscall(SYS_openat, AT_FDCWD, mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			REAL(syscall)(SYS_close, fd); /* not counted as closefds' */
	}
	const char *e = getenv("FAULT_ERRNO");
	errno = e ? atoi(e) : EIO;
	return 1;
}


int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (inject("open"))
		return -1;
	return REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (inject("open"))
		return -1;
	return REAL(open64)(path, flags, mode);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (inject("fcntl"))
		return -1;
	return REAL(fcntl)(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (inject("fcntl"))
		return -1;
	return REAL(fcntl64)(fd, cmd, arg);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (inject("poll"))
		return -1;
	return REAL(poll)(fds, n, timeout);
}

/* What _FORTIFY_SOURCE makes of poll() where the array's size is known. */
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (inject("poll"))
		return -1;
	return REAL(__poll_chk)(fds, n, timeout, fdslen);
}

/* Linux releases the descriptor even when close() reports an error (EINTR,
 * EIO), so the injected failure closes it first, as the kernel would. */
int close(int fd)
{
	int r = REAL(close)(fd);

	if (r == 0 && inject("close"))
		return -1;
	return r;
}

int dup2(int a, int b)
{
	if (inject("dup2"))
		return -1;
	return REAL(dup2)(a, b);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (inject("read"))
		return -1;
	return REAL(read)(fd, buf, n);
}

ssize_t readlinkat(int dir, const char *path, char *buf, size_t n)
{
	if (inject("readlinkat"))
		return -1;
	return REAL(readlinkat)(dir, path, buf, n);
}

int fstat(int fd, struct stat *st)
{
	if (inject("fstat"))
		return -1;
	return REAL(fstat)(fd, st);
}

int fstatfs(int fd, struct statfs *st)
{
	if (inject("fstatfs"))
		return -1;
	return REAL(fstatfs)(fd, st);
}

int getrlimit(__rlimit_resource_t res, struct rlimit *rl)
{
	if (inject("getrlimit"))
		return -1;
	return REAL(getrlimit)(res, rl);
}

int setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	if (inject("setrlimit"))
		return -1;
	return REAL(setrlimit)(res, rl);
}

/* With _FILE_OFFSET_BITS=64 (meson's default) glibc's headers turn
 * getrlimit and setrlimit into these: closefds calls only them. */
int getrlimit64(__rlimit_resource_t res, struct rlimit64 *rl)
{
	if (inject("getrlimit"))
		return -1;
	return REAL(getrlimit64)(res, rl);
}

int setrlimit64(__rlimit_resource_t res, const struct rlimit64 *rl)
{
	if (inject("setrlimit"))
		return -1;
	return REAL(setrlimit64)(res, rl);
}

int getresuid(uid_t *r, uid_t *e, uid_t *s)
{
	if (inject("getresuid"))
		return -1;
	return REAL(getresuid)(r, e, s);
}

int getresgid(gid_t *r, gid_t *e, gid_t *s)
{
	if (inject("getresgid"))
		return -1;
	return REAL(getresgid)(r, e, s);
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	if (inject("setresuid"))
		return -1;
	return REAL(setresuid)(r, e, s);
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
	if (inject("setresgid"))
		return -1;
	return REAL(setresgid)(r, e, s);
}

int setenv(const char *name, const char *value, int overwrite)
{
	if (inject("setenv"))
		return -1;
	return REAL(setenv)(name, value, overwrite);
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* closefds closes through syscall(SYS_close) (fd_close: musl's close()
	 * hides EINTR); released first, as the close() wrapper above does. */
	if (nr == SYS_close) {
		long r = REAL(syscall)(nr, a[0]);
		if (r == 0 && inject("close"))
			return -1;
		return r;
	}
#ifdef SYS_dup2
	if (nr == SYS_dup2 && inject("dup2"))
		return -1;
#endif
	if (nr == SYS_dup3 && inject("dup2"))
		return -1;
	if (nr == SYS_close_range && inject("close_range"))
		return -1;
	if (nr == SYS_getdents64 && inject("getdents64"))
		return -1;
#ifdef SYS_pselect6
	if (nr == SYS_pselect6 && inject("pselect6"))
		return -1;
#endif
#ifdef SYS_pselect6_time64
	if (nr == SYS_pselect6_time64 && inject("pselect6"))
		return -1;
#endif
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* FAULT_COUNT=path: how many calls of FAULT_FUNC were made, written when
 * closefds execs COMMAND or exits (the driver picks which calls to fail
 * from it: a call site reached hundreds of times, like the fcntl of a
 * scan, need not be failed at every repetition). */
static void write_count(void)
{
	const char *path = getenv("FAULT_COUNT");
	char buf[32];

	if (!path)
		return;
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int n = 0;
	long v = calls;
	char tmp[32];
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < 30);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n++] = '\n';
	syscall(SYS_write, fd, buf, (long)n);
	REAL(syscall)(SYS_close, fd); /* not counted as closefds' */
}

__attribute__((destructor)) static void count_at_exit(void)
{
	write_count();
}

int execvp(const char *file, char *const argv[])
{
	if (inject("execvp"))
		return -1;
	write_count();
	unsetenv("LD_PRELOAD");
	return REAL(execvp)(file, argv);
}

/* Allocation: one counter, "malloc", for malloc, calloc and realloc.
 * glibc's own entry points, not dlsym: dlsym itself may allocate. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n)
{
	if (inject("malloc"))
		return NULL;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (inject("malloc"))
		return NULL;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (inject("malloc"))
		return NULL;
	return __libc_realloc(p, n);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (inject("sigaction"))
		return -1;
	return REAL(sigaction)(sig, act, old);
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (inject("sigprocmask"))
		return -1;
	return REAL(sigprocmask)(how, set, old);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (inject("mmap"))
		return MAP_FAILED;
	return REAL(mmap)(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	if (inject("mmap"))
		return MAP_FAILED;
	return REAL(mmap64)(addr, len, prot, flags, fd, off);
}

/* FAULT_FUNC=mmap: a table of 32768 slots (the kernel never shrinks it), by
 * opening slot 16384 and closing it again, so that the probe asks about
 * slot 32768, whose bitmap is mapped; the soft limit is raised for that
 * (when the hard limit allows) and put back.  (The wrappers called here count only their own
 * FAULT_FUNC.) */
#define BIG_TABLE_SLOT 16384

__attribute__((constructor)) static void grow_table(void)
{
	const char *f = getenv("FAULT_FUNC");
	struct rlimit rl, raised;

	if (!f || strcmp(f, "mmap") != 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	raised = rl;
	if (raised.rlim_cur <= BIG_TABLE_SLOT)
		raised.rlim_cur = BIG_TABLE_SLOT + 1;
	if (raised.rlim_cur > raised.rlim_max || setrlimit(RLIMIT_NOFILE, &raised) < 0)
		return;
	if (dup2(0, BIG_TABLE_SLOT) >= 0)
		close(BIG_TABLE_SLOT);
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* The large-file names: meson builds with _FILE_OFFSET_BITS=64, so closefds
 * calls these where the source says fstat and fstatfs (getrlimit64
 * and setrlimit64 are above; on
 * x86_64 as on i386).  They count as the plain names. */
int fstat64(int fd, struct stat64 *st)
{
	if (inject("fstat"))
		return -1;
	return REAL(fstat64)(fd, st);
}

int fstatfs64(int fd, struct statfs64 *st)
{
	if (inject("fstatfs"))
		return -1;
	return REAL(fstatfs64)(fd, st);
}
