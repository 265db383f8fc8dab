/* faulttest.c: fault injection.  Every library call closefds makes that can
 * fail is made to fail, one call at a time (faultshim.so, LD_PRELOAD), and
 * the outcome must be one of:
 *   - exit 125, one "closefds: ..." line, and COMMAND not run; or
 *   - COMMAND runs with exactly the descriptor set asked for (numbers and
 *     identities), as a correct fallback would give;
 *   - for execvp only: 126 or 127.
 * Never an exec with the wrong set.
 *
 * For each function, errno, scenario and environment, the Nth call is made
 * to fail for N = 1, 2, ... until the shim reports the fault was not
 * reached.  One TAP line per function x errno x scenario x environment.
 *
 * Usage: faulttest CLOSEFDS FAULTSHIM_SO
 *        faulttest --probe REPORT   (what closefds runs: lists its table) */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_N 400

/* --probe: write "fd dev ino" for every open descriptor below 65536
 * (fcntl loop: independent of /proc), then exit. */
static int probe(const char *report)
{
	char buf[65536];
	size_t len = 0;

	for (int fd = 0; fd < 65536; fd++) {
		struct stat st;
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0)
			continue;
		if (fstat(fd, &st) < 0 || len > sizeof(buf) - 100)
			return 3;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d %lu %lu %d\n", fd,
					(unsigned long)st.st_dev, (unsigned long)st.st_ino,
					(flags & FD_CLOEXEC) != 0);
	}
	int out = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0 || write(out, buf, len) != (ssize_t)len)
		return 3;
	close(out);
	return 0;
}

struct slot {
	int fd;
	const char *path; /* what the descriptor must be in the child; NULL: closed */
};

/* The table every scenario starts from, and what COMMAND must get: 5 kept,
 * 6 passed as 9, 10 and 11 swapped, the rest closed. */
static const struct slot start_table[] = {
	{ 5, "/etc/passwd" }, { 6, "/etc/hostname" }, { 7, "/etc/group" },
	{ 10, "/etc/hosts" }, { 11, "/etc/services" }, { 40, "/dev/null" },
	{ 300, "/etc/shells" },
};
/* Sorted by descriptor; the scenario says where /etc/hostname goes. */
static const struct slot want_table[] = {
	{ -1, "/etc/hostname" }, { 5, "/etc/passwd" }, { 10, "/etc/services" },
	{ 11, "/etc/hosts" },
};

struct scenario {
	const char *name;
	int hostname_at; /* where 6 (/etc/hostname) must end up */
	const char *args[12];
};

static const struct scenario scenarios[] = {
	{ "auto", 9, { "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "close_range", 9, { "-m", "close_range", "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "proc", 9, { "-m", "proc", "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "poll", 9, { "-m", "poll", "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "loop", 9, { "-m", "loop", "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "verify", 9, { "--verify", "-k", "5", "-p", "6:9", "-p", "10:11", "-p", "11:10", NULL } },
	{ "listen-fd", 3, { "--listen-fd", "6:x", "-k", "5", "-p", "10:11", "-p", "11:10", NULL } },
};

struct fault {
	const char *func;
	int errnos[4];
};

static const struct fault faults[] = {
	{ "open", { EMFILE, ENOENT, EACCES, 0 } },
	/* Not EBADF: the only way F_GETFD fails on Linux, and a truthful "not
	 * open", which closefds believes by design. */
	{ "fcntl", { EPERM, EMFILE, EINVAL, 0 } },
	{ "poll", { EINVAL, ENOMEM, EINTR, 0 } },
	{ "close", { EINTR, EIO, 0 } },
	{ "dup2", { EBADF, EBUSY, EINTR, EMFILE } },
	{ "read", { EIO, EINTR, 0 } },
	{ "readlink", { EACCES, 0 } },
	{ "fstat", { EIO, 0 } },
	{ "fstatfs", { ENOSYS, 0 } },
	{ "statfs", { ENOSYS, 0 } },
	{ "getrlimit", { EPERM, 0 } },
	{ "getresuid", { EPERM, 0 } },
	{ "getresgid", { EPERM, 0 } },
	{ "setenv", { ENOMEM, 0 } },
	{ "close_range", { EPERM, ENOSYS, EINVAL, 0 } },
	{ "getdents64", { EIO, EINVAL, 0 } },
	{ "execvp", { EACCES, ENOENT, 0 } },
};

/* close_range -> EPERM for everything this process execs, as container
 * seccomp profiles that predate it do. */
static int block_close_range(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int place(const char *path, int fd)
{
	int t = open(path, O_RDONLY | O_CLOEXEC);

	if (t < 0)
		return -1;
	if (t != fd && (dup2(t, fd) < 0 || close(t) < 0))
		return -1;
	/* Inheritable: a close-on-exec one would be closed by the execve of
	 * closefds itself. */
	return fcntl(fd, F_SETFD, 0);
}

struct outcome {
	char errfile[512];
	int status;
	char err[512];
	char report[8192];
	int ran;
};

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static int run_one(const char *closefds, const char *shim, const char *self,
		   const struct scenario *sc, int blocked, const char *func, int err, int nth,
		   const char *dir, struct outcome *o)
{
	char report[512], errfile[512], mark[512], env_nth[32], env_errno[32];
	char env_func[64], env_mark[600], env_preload[600];
	const char *argv[32];
	size_t a = 0;

	snprintf(report, sizeof(report), "%s/report", dir);
	snprintf(errfile, sizeof(errfile), "%s/stderr", dir);
	snprintf(o->errfile, sizeof(o->errfile), "%s", errfile);
	snprintf(mark, sizeof(mark), "%s/mark", dir);
	unlink(report);
	unlink(errfile);
	unlink(mark);
	snprintf(env_func, sizeof(env_func), "FAULT_FUNC=%s", func);
	snprintf(env_nth, sizeof(env_nth), "FAULT_NTH=%d", nth);
	snprintf(env_errno, sizeof(env_errno), "FAULT_ERRNO=%d", err);
	snprintf(env_mark, sizeof(env_mark), "FAULT_MARK=%s", mark);
	snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", shim);
	char *envp[] = { env_func, env_nth, env_errno, env_mark, env_preload,
			 (char *)"PATH=/usr/bin:/bin", NULL };

	argv[a++] = closefds;
	for (size_t i = 0; sc->args[i]; i++)
		argv[a++] = sc->args[i];
	argv[a++] = "--";
	argv[a++] = self;
	argv[a++] = "--probe";
	argv[a++] = report;
	argv[a] = NULL;

	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (e < 0 || dup2(e, 2) < 0)
			_exit(99);
		close(e);
		for (size_t i = 0; i < sizeof(start_table) / sizeof(start_table[0]); i++)
			if (place(start_table[i].path, start_table[i].fd) < 0)
				_exit(98);
		if (blocked && block_close_range() < 0)
			_exit(97);
		execve(closefds, (char *const *)argv, envp);
		_exit(96);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	read_file(errfile, o->err, sizeof(o->err));
	o->ran = access(report, F_OK) == 0;
	o->report[0] = '\0';
	if (o->ran)
		read_file(report, o->report, sizeof(o->report));
	return access(mark, F_OK) == 0; /* 1: the fault was injected */
}

/* The report must list exactly 0, 1, 2 and want_table, with the right
 * identities, none close-on-exec (a close-on-exec one would not have
 * reached the probe at all, so that is checked by presence). */
static int report_ok(const char *report, const struct scenario *sc, const char *errfile,
		     char *why, size_t whylen)
{
	char expect[1024];
	size_t len = 0;
	struct stat st;

	for (int fd = 0; fd <= 2; fd++) {
		if (fd < 2 ? fstat(fd, &st) < 0 : stat(errfile, &st) < 0)
			return 0;
		len += (size_t)snprintf(expect + len, sizeof(expect) - len, "%d %lu %lu 0\n", fd,
					(unsigned long)st.st_dev, (unsigned long)st.st_ino);
	}
	/* want_table is sorted but for /etc/hostname, whose place varies: emit it
	 * in order. */
	for (int fd = 3; fd <= 11; fd++) {
		const struct slot *w = NULL;
		for (size_t i = 0; i < sizeof(want_table) / sizeof(want_table[0]); i++)
			if ((want_table[i].fd < 0 ? sc->hostname_at : want_table[i].fd) == fd)
				w = &want_table[i];
		if (!w)
			continue;
		if (stat(w->path, &st) < 0)
			return 0;
		len += (size_t)snprintf(expect + len, sizeof(expect) - len, "%d %lu %lu 0\n",
					fd, (unsigned long)st.st_dev,
					(unsigned long)st.st_ino);
	}
	if (strcmp(expect, report) == 0)
		return 1;
	snprintf(why, whylen, "expected table:\n%s# got:\n%s", expect, report);
	return 0;
}

/* A refusal: one "closefds: ..." line (--verify may list several problems
 * before its verdict: every line must then be closefds' own). */
static int one_line(const char *s)
{
	if (!*s)
		return 0;
	for (const char *line = s; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "closefds: ", 10) != 0 || !strchr(line, '\n'))
			return 0;
	}
	return 1;
}

int main(int argc, char *argv[])
{
	char dir[] = "/tmp/closefds-faults.XXXXXX", self[4096], why[4096];
	int test = 0, failed = 0;
	long runs = 0, injected = 0, refused = 0, fell_back = 0;

	if (argc == 3 && strcmp(argv[1], "--probe") == 0)
		return probe(argv[2]);
	if (argc != 3) {
		fprintf(stderr, "usage: faulttest CLOSEFDS FAULTSHIM_SO\n");
		return 2;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || !mkdtemp(dir))
		return 2;
	self[n] = '\0';

	size_t nsc = sizeof(scenarios) / sizeof(scenarios[0]);
	size_t nf = sizeof(faults) / sizeof(faults[0]);
	size_t per_scenario = 1; /* the baseline */
	for (size_t f = 0; f < nf; f++)
		for (size_t e = 0; e < 4 && faults[f].errnos[e]; e++)
			per_scenario++;
	printf("1..%zu\n", 2 * nsc * per_scenario);
	for (int blocked = 0; blocked <= 1; blocked++) {
		for (size_t s = 0; s < nsc; s++) {
			/* The baseline, nothing injected: the exact table, or 125 for a
			 * forced close_range where close_range is blocked. */
			struct outcome base;
			int want_refusal = blocked && strcmp(scenarios[s].name, "close_range") == 0;
			int inj0 = run_one(argv[1], argv[2], self, &scenarios[s], blocked, "none", 0, 1,
					   dir, &base);
			int base_ok = inj0 == 0 &&
				      (want_refusal ? base.status == 125 && !base.ran && one_line(base.err)
						    : base.status == 0 && base.ran &&
							      report_ok(base.report, &scenarios[s], base.errfile,
									why, sizeof(why)));
			test++;
			printf("%s %d - baseline, %s%s: %s\n", base_ok ? "ok" : "not ok", test,
			       scenarios[s].name, blocked ? ", close_range blocked" : "",
			       want_refusal ? "refused" : "exact table");
			if (!base_ok) {
				failed++;
				printf("# status %d, stderr: %s# %s\n", base.status, base.err, why);
				continue;
			}
			for (size_t f = 0; f < nf; f++) {
				for (size_t e = 0; e < 4 && faults[f].errnos[e]; e++) {
					int err = faults[f].errnos[e];
					const char *func = faults[f].func;
					char name[200];
					test++;
					snprintf(name, sizeof(name), "%s -> %s, %s%s", func,
						 strerrorname_np(err), scenarios[s].name,
						 blocked ? ", close_range blocked" : "");
					int bad = 0, nth;
					why[0] = '\0';
					for (nth = 1; nth <= MAX_N && !bad; nth++) {
						struct outcome o;
						int inj = run_one(argv[1], argv[2], self, &scenarios[s],
								  blocked, func, err, nth, dir, &o);
						runs++;
						if (inj < 0) {
							snprintf(why, sizeof(why), "fork/wait failed");
							bad = 1;
							break;
						}
						if (!inj && o.status == base.status && o.ran == base.ran)
							break; /* past the last call: as the baseline */
						injected += inj;
						int is_exec = strcmp(func, "execvp") == 0;
						if (o.status == 125 && !o.ran && one_line(o.err)) {
							refused++;
						} else if (is_exec && (o.status == 126 || o.status == 127) &&
							   !o.ran && one_line(o.err)) {
							refused++;
						} else if (o.status == 0 && o.ran &&
							   report_ok(o.report, &scenarios[s], o.errfile, why, sizeof(why))) {
							fell_back++;
						} else {
							char tmp[1024];
							snprintf(tmp, sizeof(tmp),
								 "call %d: status %d, probe %s, stderr: %s\n", nth,
								 o.status, o.ran ? "ran" : "did not run", o.err);
							strncat(why, tmp, sizeof(why) - strlen(why) - 1);
							bad = 1;
						}
						if (!inj)
							break;
					}
					if (nth > MAX_N) {
						snprintf(why, sizeof(why), "more than %d calls", MAX_N);
						bad = 1;
					}
					if (bad) {
						failed++;
						printf("not ok %d - %s\n", test, name);
						for (char *line = strtok(why, "\n"); line; line = strtok(NULL, "\n"))
							printf("# %s\n", line);
					} else {
						printf("ok %d - %s (%d calls)\n", test, name, nth - 1);
					}
				}
			}
		}
	}
	printf("# %ld runs, %ld faults injected: %ld refused with a message, %ld fell back correctly\n",
	       runs, injected, refused, fell_back);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return failed ? 1 : 0;
}
