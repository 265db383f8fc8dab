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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436 /* the same on every architecture */
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

bool tl_seccomp_works(void)
{
	static int works = -1;
	int st;

	if (works >= 0)
		return works;
	fflush(stdout);
	pid_t pid = fork();
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

/* A private mount namespace whose /proc is gone (unmounted) or is an
 * empty tmpfs, as in chroots and sandboxes. */
static int hide_proc(bool tmpfs)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (tmpfs)
		return mount("tmpfs", "/proc", "tmpfs", 0, "size=64k");
	return umount2("/proc", MNT_DETACH);
}

int tl_env_apply(enum tl_env env)
{
	const struct env_desc *d = &envs[env];

	if (d->proc && hide_proc(d->proc == 2) < 0)
		return -1;
	if (d->gvisor)
		return tl_gvisor_close_range();
	return tl_env_uses_seccomp(env) ? tl_seccomp(d->act) : 0;
}

static int open_kind(enum tl_kind kind)
{
	int p[2], s;
	struct sockaddr_in a;

	switch (kind) {
	case TL_FILE:
		return open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	case TL_DIR:
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case TL_DEVNULL:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case TL_PIPE_R:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case TL_SOCKPAIR:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case TL_TCP:
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0) {
			close(s);
			return -1;
		}
		return s;
	}
	return -1;
}

int tl_place(enum tl_kind kind, int fd)
{
	int t = open_kind(kind);

	if (t < 0)
		return -1;
	if (t != fd) {
		if (dup2(t, fd) < 0) {
			close(t);
			return -1;
		}
		close(t);
		return 0; /* dup2 leaves the new descriptor inheritable */
	}
	return fcntl(fd, F_SETFD, 0);
}

void tl_identity(int fd, char *buf, size_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
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

int tl_write_report(const char *path)
{
	/* List first, into memory; the report file is opened afterwards so it
	 * is not listed.  fcntl on every slot below the hard RLIMIT_NOFILE, and at
	 * least below TL_SCAN_MIN, where the tests place descriptors (also above
	 * a hard limit lowered after they were opened): independent of /proc,
	 * poll() and select(), which closefds uses. */
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap), ign[32], blk[32], cwd[512];
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (!buf)
		return -1;
	struct rlimit rl;
	int bound = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (1 << 20))
		bound = (int)rl.rlim_max;
	if (bound < TL_SCAN_MIN)
		bound = TL_SCAN_MIN;
	for (int fd = 0; fd < bound; fd++) {
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
				"ids %u %u %u %u %u %u\nsigign %s\nsigblk %s\ncwd %s\numask %03o\nenv %s\n",
				r, e, s, rg, eg, sg, ign, blk, cwd, (unsigned)m, var ? var : "(unset)");
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 && errno == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		/* A soft limit of 3 leaves no slot for the report: raise ours. */
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	int ok = out >= 0 && write(out, buf, len) == (ssize_t)len;
	if (out >= 0)
		close(out);
	free(buf);
	return ok ? 0 : -1;
}

static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	dst[strcspn(dst, "\n")] = '\0';
}

int tl_read_report(const char *path, struct tl_report *rep)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return -1;
	rep->n = 0;
	while (fgets(line, sizeof(line), f)) {
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
	return 0;
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

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (e < 0 || dup2(e, 2) < 0)
			_exit(90);
		close(e);
		int o = open("/dev/null", O_WRONLY);
		if (o < 0 || dup2(o, 1) < 0)
			_exit(90);
		if (o != 1)
			close(o);
		if (setup && setup(arg) < 0) {
			dprintf(2, "test setup failed: %s\n", strerror(errno));
			_exit(91);
		}
		if (tl_write_report(before) < 0)
			_exit(92);
		if (late && late(arg) < 0)
			_exit(94);
		extern char **environ;
		execve(argv[0], (char *const *)argv, envp ? envp : environ);
		_exit(93);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	run->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(errfile, run->err, sizeof(run->err));
	if (!tl_wrapper) /* under valgrind its reports are the point */
		strip_sanitizer_noise(run->err);
	run->probe_ran = access(report, F_OK) == 0;
	memset(&run->after, 0, sizeof(run->after));
	memset(&run->before, 0, sizeof(run->before));
	if (tl_read_report(before, &run->before) < 0)
		return -1;
	if (run->probe_ran && tl_read_report(report, &run->after) < 0)
		return -1;
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
