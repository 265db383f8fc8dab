/* sysfault.c: every system call closefds makes, failed through a seccomp
 * filter, in every scenario, with every action: EPERM, ENOSYS, EINVAL, EIO,
 * EINTR (every call answers EINTR, for ever), EBUSY (for ever too: what
 * dup2 answers while another thread opens its target) and a trap
 * (SIGSYS).
 *
 * The outcome of each run must be one of:
 *   - exit 0 and COMMAND (this program with --report) saw exactly the descriptor set
 *     the scenario asks for (numbers, device:inode, no FD_CLOEXEC), computed
 *     here from the scenario; with --list, exit 0 and a line for every open
 *     descriptor, COMMAND not run;
 *   - exit 125, COMMAND not run, closefds' own words on stderr: one
 *     "closefds: " line (with -v or --verify, every line such a line);
 *   - where the failed call is execve: 126 or 127 and such a line.
 * Never a leak, a missing or wrong descriptor, a death by signal, or a hang:
 * each run gets 0.5 s of CPU time (ITIMER_PROF; a retry without end spins)
 * and 5 s of wall time, then it is killed and reported as a hang.
 *
 * How the filter reaches closefds and not COMMAND: a filter installed
 * before the exec of closefds would apply to ld.so and libc's start-up, and
 * is inherited by COMMAND.  So the test runs closefds-sysfault, a static
 * non-PIE test build whose first act in main() (testhook_start,
 * sysfault_hook.c) installs the filter from CLOSEFDS_TEST_SECCOMP, and the
 * filter acts only on calls whose instruction pointer lies in closefds's
 * own text (libc's included: static) or its vDSO.  COMMAND is the dynamic
 * PIE probe, mapped elsewhere: it reports the real table.  Two controls
 * check both halves: a failed execve must stop closefds (126), and a failed
 * getcwd, a call only the probe makes, must not reach the probe.
 *
 * The table of calls below was derived with strace (see CALLS), and the
 * test checks it: where strace is installed, it traces closefds-sysfault
 * through every scenario and a few failure paths and fails if closefds makes
 * a call from main() to the exec that the table does not list.  The same
 * traces say which calls each scenario makes: failing one it never makes
 * gives its baseline again, so those runs are skipped (all run without
 * strace).  Calls failed every time hide their later call sites (every
 * fcntl failing refuses in the repair of 0-2), so a few sites are rows of
 * their own, reached by conditions on the arguments (see sites).
 *
 * Usage: sysfault CLOSEFDS-SYSFAULT.  TAP output, the plan last. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* CALLS: the system calls closefds makes after main() begins, up to and
 * including the execve of COMMAND.  Derived with
 *   strace -f -qq -e trace=all -o OUT closefds-static ... -- /bin/true
 * over auto, every -m method, -k singles and ranges, -p moves and swaps,
 * --verify, --list, --audit, -v, --nofile, --blocking, with close_range
 * answered EPERM, ENOSYS, EINVAL above INT_MAX and SIGSYS, select and poll
 * blocked, /proc unmounted and a tmpfs over it, a standard stream closed,
 * and on the failure paths (a refusal, a failed exec, a trap), keeping the
 * calls made after the first fcntl(0, F_GETFD) of stdio_repair() (before it:
 * the static start-up, which no filter installed in main() can reach).
 * x86_64 with glibc 2.36 and musl 1.2.3 (Linux 6.18); i386 with qemu-i386
 * -strace; other ABIs get the union by name, each where it exists.  Extra
 * names cost nothing where strace runs: the matrix fails only the calls a
 * scenario makes (see made_calls).  The strace check (strace_check) keeps
 * this list honest: a call missing here fails the test, by name.  Not
 * here, and why (printed as SKIPs): */
static const struct {
	const char *name;
	const char *why;
} untestable[] = {
	{ "exit_group", "a filter refusing exit_group leaves glibc's _exit looping (then exit, then "
			"a crash): no outcome closefds can choose" },
	{ "rt_sigreturn", "it returns from the SIGSYS handler itself: failed or trapped, the "
			  "signal frame is lost whatever closefds does" },
};

struct call {
	const char *name;
	long nr;
};

#define CALL(n) { #n, __NR_##n }
static const struct call calls[] = {
#if defined(__x86_64__) && !defined(__ILP32__)
	CALL(close), CALL(close_range), CALL(dup2), CALL(execve), CALL(fcntl),
	CALL(fstatfs), CALL(getdents64), CALL(getpid), CALL(getresgid), CALL(getresuid),
	CALL(ioctl), CALL(mmap), CALL(mprotect), CALL(munmap), CALL(newfstatat),
	CALL(openat), CALL(poll), CALL(prlimit64), CALL(pselect6), CALL(read),
	CALL(readlink), CALL(rt_sigaction), CALL(rt_sigprocmask), CALL(statfs), CALL(write),
	/* Since 63f3efe (main): select where pselect6 is refused, readlinkat in
	 * the check that /proc is this process's own. */
	CALL(readlinkat), CALL(select),
#ifndef __GLIBC__
	/* musl: stdio writes with writev, open() is open, fstat is fstat, and
	 * malloc grows the heap with brk. */
	CALL(brk), CALL(fstat), CALL(open), CALL(writev),
#endif
#elif defined(__i386__)
	/* From qemu-i386 -strace of the static build (the host that derived
	 * the list runs no i386 code natively); clock_gettime64 is a real call
	 * there (no vDSO), ugetrlimit a fallback of prlimit64. */
	CALL(brk), CALL(clock_gettime64), CALL(close), CALL(close_range), CALL(dup2),
	CALL(execve), CALL(fcntl64), CALL(fstatat64), CALL(fstatfs64), CALL(getdents64),
	CALL(getpid), CALL(getresgid32), CALL(getresuid32), CALL(ioctl), CALL(mmap2),
	CALL(mprotect), CALL(munmap), CALL(openat), CALL(poll), CALL(prlimit64),
	CALL(pselect6_time64), CALL(read), CALL(readlink), CALL(rt_sigaction),
	CALL(rt_sigprocmask), CALL(statfs64), CALL(statx), CALL(ugetrlimit), CALL(write),
	CALL(_newselect), CALL(readlinkat), CALL(select),
#ifndef __GLIBC__
	CALL(fstat64), CALL(open), CALL(writev),
#endif
#else
#ifdef __NR_close_range
	CALL(close_range),
#else
	{ "close_range", 436 },
#endif
	CALL(close), CALL(dup3), CALL(execve), CALL(fcntl), CALL(fstatfs),
	CALL(getdents64), CALL(getpid), CALL(getresgid), CALL(getresuid), CALL(ioctl),
	CALL(mmap), CALL(mprotect), CALL(munmap), CALL(newfstatat), CALL(openat),
	CALL(ppoll), CALL(prlimit64), CALL(pselect6), CALL(read), CALL(readlinkat),
	CALL(rt_sigaction), CALL(rt_sigprocmask), CALL(statfs), CALL(write),
#endif
};
#define N_CALLS (sizeof(calls) / sizeof(calls[0]))

struct action {
	const char *name;
	const char *spec; /* the hook's ACTION */
	int err;          /* 0: a trap */
};

static const struct action actions[] = {
	{ "EPERM", "1", EPERM }, { "ENOSYS", "38", ENOSYS }, { "EINVAL", "22", EINVAL },
	{ "EIO", "5", EIO },     { "EINTR", "4", EINTR },   { "EBUSY", "16", EBUSY },
	{ "trap", "trap", 0 },
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

/* The descriptor table every run starts from (0-2 as the runner sets them:
 * /dev/null, a file for stdout, one for stderr). */
enum kind { K_FILE, K_OPATH_DIR, K_DIR, K_PIPE_R, K_PIPE_W, K_SOCK, K_DEVNULL, K_OPATH_FILE,
	    K_TCP };
static const char *const kind_name[] = { "file", "O_PATH directory", "directory", "pipe read end",
					 "pipe write end", "socketpair", "/dev/null",
					 "O_PATH file", "TCP socket" };
static struct slot {
	int fd;
	enum kind kind;
} layout[] = {
	{ 3, K_FILE },    { 4, K_OPATH_DIR },   { 5, K_DIR },          { 6, K_PIPE_R },
	{ 7, K_PIPE_W },  { 8, K_SOCK },        { 9, K_DEVNULL },      { 10, K_OPATH_FILE },
	{ 150, K_OPATH_DIR }, { 1500, K_TCP }, { 19990, K_FILE }, /* lowered below a small hard limit */
};
#define N_SLOTS (sizeof(layout) / sizeof(layout[0]))

enum mode { M_RUN, M_LIST, M_AUDIT };

struct move {
	int src, dst;
};

struct scenario {
	const char *name;
	const char *args[14];
	const char *base[6]; /* calls answered EPERM in every run: the environment */
	bool no_proc;        /* /proc unmounted (the test's own mount namespace) */
	bool stdin_closed;   /* 0 closed at start: closefds opens /dev/null there */
	bool chatty;         /* -v or --verify: more than one line is closefds' own */
	enum mode mode;
	int keep[4];         /* kept as they are; -1 ends (0 is a descriptor) */
	int range_lo, range_hi; /* a kept range, or 0, -1 */
	struct move moves[2];
	int n_moves;
	int caller_sigsys;   /* SIGSYS as the caller leaves it: 0 default, BLOCKS, IGNORES */
};
#define BLOCKS 1
#define IGNORES 2

#define NOKEEP { -1 }
static const struct scenario scenarios[] = {
	{ "auto", { NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "-m poll", { "-m", "poll", NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0, -1,
	  { { 0, 0 } }, 0 },
	{ "-m loop", { "-m", "loop", NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0, -1,
	  { { 0, 0 } }, 0 },
	{ "-m proc", { "-m", "proc", NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0, -1,
	  { { 0, 0 } }, 0 },
	{ "-m close_range", { "-m", "close_range", NULL }, { NULL }, false, false, false, M_RUN,
	  NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "-k 5 -k 100-300 -p 6:9 -p 9:6 --verify",
	  { "-k", "5", "-k", "100-300", "-p", "6:9", "-p", "9:6", "--verify", NULL }, { NULL },
	  false, false, true, M_RUN, { 5, -1 }, 100, 300, { { 6, 9 }, { 9, 6 } }, 2 },
	{ "--nofile=safe --blocking=0", { "--nofile=safe", "--blocking=0", NULL }, { NULL }, false,
	  false, false, M_RUN, NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "-v", { "-v", NULL }, { NULL }, false, false, true, M_RUN, NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "--list -k 4 -p 8:12", { "--list", "-k", "4", "-p", "8:12", NULL }, { NULL }, false, false,
	  false, M_LIST, NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "--audit", { "--audit", NULL }, { NULL }, false, false, true, M_AUDIT, NOKEEP, 0, -1,
	  { { 0, 0 } }, 0 },
	{ "-v -k 3-2000, close_range and select EPERM", { "-v", "-k", "3-2000", NULL },
	  { "close_range", "pselect6", "pselect6_time64", "select", "_newselect" }, false, false, true, M_RUN, NOKEEP, 3,
	  2000, { { 0, 0 } }, 0 },
	{ "stdin closed", { NULL }, { NULL }, false, true, false, M_RUN, NOKEEP, 0, -1, { { 0, 0 } },
	  0 },
	/* The caller's SIGSYS blocked, or ignored: execve keeps either, and
	 * closefds puts it back before the exec; the last call of that must
	 * still be one whose trap it catches. */
	{ "SIGSYS blocked by the caller", { NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0,
	  -1, { { 0, 0 } }, 0, BLOCKS },
	{ "SIGSYS ignored by the caller", { NULL }, { NULL }, false, false, false, M_RUN, NOKEEP, 0,
	  -1, { { 0, 0 } }, 0, IGNORES },
	{ "-v --verify, /proc unmounted", { "-v", "--verify", NULL }, { NULL }, true, false, true,
	  M_RUN, NOKEEP, 0, -1, { { 0, 0 } }, 0 },
	{ "-v -m loop, close_range and select EPERM, /proc unmounted", { "-v", "-m", "loop", NULL },
	  { "close_range", "pselect6", "pselect6_time64", "select", "_newselect" }, true, false, true, M_RUN, NOKEEP, 0, -1,
	  { { 0, 0 } }, 0 },
	{ "--audit -k 3-20, /proc unmounted", { "--audit", "-k", "3-20", NULL }, { NULL }, true,
	  false, true, M_AUDIT, NOKEEP, 3, 20, { { 0, 0 } }, 0 },
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

#define CPU_BUDGET_USEC 500000
#define WALL_SECONDS 5
#define HOOK_EXIT 120
#define STRACE "/usr/bin/strace"
#define TRACED_WALL_SECONDS 60

static const char *closefds;
static char probe[4096], probe_procfs[256] = "/proc";
static char path_before[256], path_after[256], path_err[256], path_out[256], path_trace[256];
static char devnull_id[48];
static int high_fd;

static long call_nr(const char *name)
{
	for (size_t i = 0; i < N_CALLS; i++)
		if (strcmp(calls[i].name, name) == 0)
			return calls[i].nr;
	return -1;
}

/* Call sites that the first call of their kind hides: failing every fcntl
 * refuses in the repair of 0-2, every rt_sigaction and rt_sigprocmask in
 * the set-up of SIGSYS, so the later sites of those calls are never failed
 * that way.  Each is reached by conditions on the arguments (the hook's
 * @ARG syntax) and recognised in strace's lines by its words. */
#ifdef __NR_fcntl64
#define FCNTL "fcntl64"
#else
#define FCNTL "fcntl"
#endif
static const struct site {
	const char *label, *call;
	const char *cond_pre; /* the conditions: cond_pre, value, cond_post */
	long value;
	const char *cond_post;
	const char *words, *words2; /* in strace's line, after the name */
	bool fd_from_3;             /* the first argument is 3 or more */
} sites[] = {
	{ "fcntl(fd >= 3)", FCNTL, "@0>", 3, "", NULL, NULL, true },
	{ "fcntl(F_SETFD)", FCNTL, "@1=", F_SETFD, "", "F_SETFD", NULL, false },
	{ "fcntl(F_GETFL)", FCNTL, "@1=", F_GETFL, "", "F_GETFL", NULL, false },
	{ "fcntl(F_DUPFD_CLOEXEC)", FCNTL, "@1=", F_DUPFD_CLOEXEC, "", "F_DUPFD_CLOEXEC", NULL, false },
	/* signals_restore(): the caller's SIGPIPE back, no old action wanted;
	 * the caller's mask back.  The SIGSYS handler is still installed, so a
	 * trap there can be handled. */
	{ "rt_sigaction(SIGPIPE restored)", "rt_sigaction", "@0=", SIGPIPE, "@2=0",
	  "(SIGPIPE, {",
	  "}, NULL,", false },
	{ "rt_sigprocmask(mask restored)", "rt_sigprocmask", "@0=", SIG_SETMASK, "@1!0",
	  "(SIG_SETMASK, [", NULL, false },
	/* The caller's SIG_IGN back, last, where the caller ignores SIGSYS:
	 * the handler is in place until that call is made. */
	{ "rt_sigaction(SIGSYS restored)", "rt_sigaction", "@0=", SIGSYS, "@2=0",
	  "(SIGSYS, {", "}, NULL,", false },
	/* --nofile setting the limit (getrlimit is prlimit64 too). */
	{ "prlimit64(setting)", "prlimit64", "@2!", 0, "", "RLIMIT_NOFILE, {", NULL, false },
};
#define N_SITES (sizeof(sites) / sizeof(sites[0]))

/* The rows of the matrix: every call, then every site. */
struct row {
	const char *label, *call;
	long nr;
	char cond[48];
	const struct site *site;
};
#define MAX_ROWS (N_CALLS + N_SITES)
static struct row rows[MAX_ROWS];
static size_t n_rows;

static void rows_init(void)
{
	for (size_t c = 0; c < N_CALLS; c++)
		rows[n_rows++] = (struct row){ calls[c].name, calls[c].name, calls[c].nr, "", NULL };
	for (size_t s = 0; s < N_SITES; s++) {
		long nr = call_nr(sites[s].call);
		if (nr < 0)
			continue;
		struct row *r = &rows[n_rows++];
		*r = (struct row){ sites[s].label, sites[s].call, nr, "", &sites[s] };
		snprintf(r->cond, sizeof(r->cond), "%s%ld%s", sites[s].cond_pre, sites[s].value,
			 sites[s].cond_post);
	}
}

/* strace's line for the call, from its name on: is it this row's? */
static bool row_matches(const struct row *r, const char *name, const char *line)
{
	const struct site *s = r->site;

	if (strcmp(r->call, name) != 0)
		return false;
	if (!s)
		return true;
	if (s->fd_from_3 && atoi(line + strlen(name) + 1) < 3)
		return false;
	return (!s->words || strstr(line, s->words)) && (!s->words2 || strstr(line, s->words2));
}

/* The hook's CLOSEFDS_TEST_SECCOMP: the fault ("NR[@...]:ACTION", or NULL)
 * first (the first rule that matches wins), then the scenario's
 * environment. */
static void filter_spec(char *buf, size_t len, const struct scenario *sc, const char *fault)
{
	size_t n = 0;

	buf[0] = '\0';
	if (fault)
		n += (size_t)snprintf(buf, len, "%s", fault);
	for (size_t i = 0; i < 6 && sc->base[i]; i++) {
		long b = call_nr(sc->base[i]);
		if (b >= 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%ld:1", n ? "," : "", b);
	}
}

static int open_kind(enum kind k, int pipe_fds[2])
{
	switch (k) {
	case K_FILE:
		return open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	case K_OPATH_DIR:
		return open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	case K_DIR:
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case K_PIPE_R:
	case K_PIPE_W:
		return fcntl(pipe_fds[k == K_PIPE_R ? 0 : 1], F_DUPFD_CLOEXEC, 3);
	case K_DEVNULL:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case K_OPATH_FILE:
		return open("/etc/passwd", O_PATH | O_CLOEXEC);
	case K_SOCK:
	case K_TCP:
		break;
	}
	return -1;
}

/* Put the scenario's table in place: every other descriptor closed. */
static int place_table(const struct scenario *sc)
{
	int pipe_fds[2] = { -1, -1 };
	struct rlimit rl;

	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
		for (rlim_t fd = 3; fd < rl.rlim_max && fd < (1U << 20); fd++)
			close((int)fd);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	/* The pipe first, its ends out of the layout's way (at 200 and up). */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0 || (pipe_fds[0] = fcntl(p[0], F_DUPFD_CLOEXEC, 200)) < 0 ||
	    (pipe_fds[1] = fcntl(p[1], F_DUPFD_CLOEXEC, 200)) < 0 || close(p[0]) < 0 || close(p[1]) < 0)
		return -1;
	for (size_t i = 0; i < N_SLOTS; i++) {
		const struct slot *s = &layout[i];
		if (s->kind == K_SOCK || s->kind == K_TCP) {
			if (tl_place(s->kind == K_SOCK ? TL_SOCKPAIR : TL_TCP, s->fd) < 0)
				return -1;
			continue;
		}
		int t = open_kind(s->kind, pipe_fds);
		if (t < 0)
			return -1;
		if (t == s->fd ? fcntl(t, F_SETFD, 0) < 0 : dup2(t, s->fd) < 0 || close(t) < 0)
			return -1;
	}
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	if (sc->stdin_closed)
		close(0);
	/* The identities, in the probe's format. */
	FILE *f = fopen(path_before, "we");
	if (!f)
		return -1;
	for (int fd = 0; fd < 3; fd++) {
		char id[48];
		tl_identity(fd, id, sizeof(id));
		if (strcmp(id, "-") != 0)
			fprintf(f, "fd %d %s 0\n", fd, id);
	}
	for (size_t i = 0; i < N_SLOTS; i++) {
		char id[48];
		tl_identity(layout[i].fd, id, sizeof(id));
		fprintf(f, "fd %d %s 0\n", layout[i].fd, id);
	}
	fputs("end\n", f);
	return fclose(f);
}

/* COMMAND: "sysfault --report PATH PROCFS", a dynamic PIE program (mapped
 * away from closefds-sysfault's text, so the filter leaves it alone).  It
 * lists the descriptors it inherited from PROCFS/self/fd, which sees every
 * kind (O_PATH too, which poll and select miss), after checking that PROCFS
 * is a procfs, and writes each with its identity (fstat) and FD_CLOEXEC
 * (fcntl) in the format tl_read_report() reads.  tests/lib/fdprobe scans
 * every slot below 20000 with fcntl instead: 88 ms a run on this kind of
 * host, minutes for the matrix.  Where the scenario hides /proc from
 * closefds, a procfs is mounted elsewhere for the probe alone. */
static int report(const char *path, const char *procfs)
{
	char dir[512], buf[16384];
	size_t len = 0;
	struct statfs sfs;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/self/fd", procfs);
	DIR *d = opendir(dir);
	if (!d || fstatfs(dirfd(d), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return 3;
	while ((e = readdir(d))) {
		char *end, id[48];
		long fd = strtol(e->d_name, &end, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || fd == dirfd(d))
			continue;
		int flags = fcntl((int)fd, F_GETFD);
		tl_identity((int)fd, id, sizeof(id));
		if (flags < 0 || len > sizeof(buf) - 100)
			return 3;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "fd %ld %s %d\n", fd, id,
					(flags & FD_CLOEXEC) != 0);
	}
	char cwd[512];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?"); /* the control's sign: see controls() */
	/* "end": tl_read_report takes a report without it for one cut short. */
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "cwd %s\nend\n", cwd);
	closedir(d);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = out >= 0 && write(out, buf, len) == (ssize_t)len;
	return out >= 0 && close(out) == 0 && ok ? 0 : 3;
}

struct outcome {
	int status; /* exit status, or -1 */
	int sig;    /* the signal that ended it, or 0 */
	bool wall_timeout;
	bool probe_ran;
	char err[4096];
	char err1[4096]; /* err on one line, for TAP */
	char out[8192];
	struct tl_report before, after;
};

static void slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	/* More than fits (--verify may print a line per slot): whole lines only. */
	char *last = n == (ssize_t)size - 1 ? strrchr(buf, '\n') : NULL;
	if (last)
		last[1] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Fork; in the child set the table up and exec argv with the filter spec
 * (NULL: none); wait at most WALL_SECONDS (traced: TRACED_WALL_SECONDS, and
 * no CPU budget, which strace's own work would spend).  -1 if the harness
 * failed, errno set or the reason on stdout. */
static int run(const struct scenario *sc, const char *spec, const char *const *argv, bool traced,
	       struct outcome *o)
{
	sigset_t chld;
	int st;

	unlink(path_before);
	unlink(path_after);
	o->wall_timeout = o->probe_ran = false;
	o->before.n = o->after.n = 0;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		int e = open(path_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int w = open(path_out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int n = open("/dev/null", O_RDONLY);
		if (e < 0 || w < 0 || n < 0 || dup2(n, 0) < 0 || dup2(w, 1) < 0 || dup2(e, 2) < 0)
			_exit(90);
		if (sc->caller_sigsys == BLOCKS) {
			sigset_t sys;
			sigemptyset(&sys);
			sigaddset(&sys, SIGSYS);
			sigprocmask(SIG_BLOCK, &sys, NULL);
		} else if (sc->caller_sigsys == IGNORES) {
			signal(SIGSYS, SIG_IGN);
		}
		if (place_table(sc) < 0) {
			dprintf(2, "sysfault: setting up the table failed: %s\n", strerror(errno));
			_exit(91);
		}
		if (spec && setenv("CLOSEFDS_TEST_SECCOMP", spec, 1) < 0)
			_exit(92);
		struct itimerval cpu = { { 0, 0 }, { 0, CPU_BUDGET_USEC } };
		if (!traced && setitimer(ITIMER_PROF, &cpu, NULL) < 0)
			_exit(93);
		execv(argv[0], (char *const *)argv);
		_exit(94);
	}
	if (tl_wait_bounded(pid, traced ? TRACED_WALL_SECONDS : WALL_SECONDS, &st, &o->wall_timeout) < 0)
		return -1;
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	slurp(path_err, o->err, sizeof(o->err));
	size_t k = 0;
	for (const char *c = o->err; *c && k < sizeof(o->err1) - 4; c++) {
		if (*c != '\n')
			o->err1[k++] = *c;
		else if (c[1]) {
			memcpy(o->err1 + k, " | ", 3);
			k += 3;
		}
	}
	o->err1[k] = '\0';
	slurp(path_out, o->out, sizeof(o->out));
	o->probe_ran = access(path_after, F_OK) == 0;
	if (o->status >= 90 && o->status <= 94 && !o->probe_ran) {
		printf("# harness: the child failed to set up or exec (%d): %s\n", o->status, o->err1);
		return -1;
	}
	if (tl_read_report(path_before, &o->before) < 0)
		return -1;
	if (o->probe_ran && tl_read_report(path_after, &o->after) < 0)
		return -1;
	return 0;
}

/* closefds-sysfault ARGS -- fdprobe REPORT, optionally under strace. */
static void build_argv(const struct scenario *sc, bool traced, const char **argv, size_t max)
{
	size_t a = 0;

	if (traced) {
		static const char *const st[] = { STRACE, "-f", "-qq", "-e", "trace=all", "-o" };
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			argv[a++] = st[i];
		argv[a++] = path_trace;
		argv[a++] = "--";
	}
	argv[a++] = closefds;
	for (size_t i = 0; sc->args[i] && a < max - 6; i++)
		argv[a++] = sc->args[i];
	argv[a++] = "--";
	argv[a++] = probe;
	argv[a++] = "--report";
	argv[a++] = path_after;
	argv[a++] = probe_procfs;
	argv[a] = NULL;
}

static bool in_keep(const struct scenario *sc, int fd)
{
	if (fd <= 2 || sc->mode == M_AUDIT)
		return true;
	for (size_t i = 0; i < 4 && sc->keep[i] >= 0; i++)
		if (sc->keep[i] == fd)
			return true;
	return fd >= sc->range_lo && fd <= sc->range_hi;
}

/* What COMMAND must get: fd -> identity, from the table before. */
static const char *expected_id(const struct scenario *sc, const struct tl_report *before, int fd)
{
	for (int i = 0; i < sc->n_moves; i++)
		if (sc->moves[i].dst == fd)
			return tl_report_identity(before, sc->moves[i].src);
	if (fd == 0 && sc->stdin_closed)
		return devnull_id; /* closefds opened /dev/null there */
	return in_keep(sc, fd) ? tl_report_identity(before, fd) : NULL;
}

static const char *slot_kind(int fd)
{
	for (size_t i = 0; i < N_SLOTS; i++)
		if (layout[i].fd == fd)
			return kind_name[layout[i].kind];
	return fd <= 2 ? "standard stream" : "?";
}

static bool exact_table(const struct scenario *sc, const struct outcome *o, char *why, size_t len)
{
	const struct tl_report *a = &o->after, *b = &o->before;

	for (int i = 0; i < a->n; i++) {
		const char *want = expected_id(sc, b, a->fd[i]);
		if (!want) {
			snprintf(why, len, "leak: descriptor %d (%s) reached COMMAND", a->fd[i],
				 slot_kind(a->fd[i]));
			return false;
		}
		if (strcmp(want, a->id[i]) != 0) {
			snprintf(why, len, "descriptor %d is %s, expected %s", a->fd[i], a->id[i], want);
			return false;
		}
		if (a->cloexec[i]) {
			snprintf(why, len, "descriptor %d reached COMMAND close-on-exec", a->fd[i]);
			return false;
		}
	}
	for (int fd = 0; fd < 3; fd++)
		if (expected_id(sc, b, fd) && !tl_report_identity(a, fd)) {
			snprintf(why, len, "descriptor %d is missing", fd);
			return false;
		}
	for (size_t i = 0; i < N_SLOTS; i++) {
		int fd = layout[i].fd;
		if (expected_id(sc, b, fd) && !tl_report_identity(a, fd)) {
			snprintf(why, len, "kept descriptor %d (%s) is missing", fd, slot_kind(fd));
			return false;
		}
	}
	return true;
}

/* --list: a line "N\t..." for every descriptor open at start. */
static bool full_listing(const struct outcome *o, char *why, size_t len)
{
	for (int i = 0; i < o->before.n; i++) {
		char key[32];
		int fd = o->before.fd[i];
		snprintf(key, sizeof(key), "\n%d\t", fd);
		if (!strstr(o->out, key)) {
			snprintf(why, len, "--list has no line for descriptor %d (%s)", fd, slot_kind(fd));
			return false;
		}
	}
	return true;
}

/* Only closefds' own lines; exactly one unless the scenario is chatty. */
static bool own_lines(const char *s, bool chatty, char *why, size_t len)
{
	int lines = 0;

	for (const char *l = s; *l;) {
		const char *nl = strchr(l, '\n');
		if (strncmp(l, "closefds: ", 10) != 0 || !nl) {
			snprintf(why, len, "stderr has a line not closefds' own: '%.*s'",
				 (int)(nl ? nl - l : (long)strlen(l)), l);
			return false;
		}
		lines++;
		l = nl + 1;
	}
	if (lines == 0 || (!chatty && lines != 1)) {
		snprintf(why, len, "%d lines on stderr, expected one 'closefds: ' line", lines);
		return false;
	}
	return true;
}

/* The verdict on one run; why says what went wrong.  *refused: 125. */
static bool judge(const struct scenario *sc, const char *call, const struct outcome *o,
		  bool *refused, char *why, size_t len)
{
	bool is_exec = call && strcmp(call, "execve") == 0;
	/* musl's stdio writes with writev. */
	bool is_write = call && (strcmp(call, "write") == 0 || strcmp(call, "writev") == 0);

	*refused = false;
	if (o->wall_timeout) {
		snprintf(why, len, "hang: no exit within %d s (killed)", WALL_SECONDS);
		return false;
	}
	if (o->sig == SIGPROF) {
		snprintf(why, len, "hang: %.1f s of CPU time and no exit (a retry without end?)",
			 CPU_BUDGET_USEC / 1e6);
		return false;
	}
	if (o->sig) {
		snprintf(why, len, "killed by signal %d (%s)%s", o->sig, strsignal(o->sig),
			 o->probe_ran ? " after COMMAND ran" : "");
		return false;
	}
	if (o->status == HOOK_EXIT) {
		snprintf(why, len, "harness: the test hook failed: %s", o->err1);
		return false;
	}
	if (o->status == 125) {
		*refused = true;
		if (o->probe_ran) {
			snprintf(why, len, "exit 125 but COMMAND ran");
			return false;
		}
		/* A failed write leaves closefds nothing to say it with. */
		return is_write || own_lines(o->err, sc->chatty, why, len);
	}
	if (o->status == 126 || o->status == 127) {
		if (!is_exec) {
			snprintf(why, len, "exit %d for a failed %s: %s", o->status, call ? call : "-",
				 o->err1);
			return false;
		}
		if (o->probe_ran) {
			snprintf(why, len, "exit %d but COMMAND ran", o->status);
			return false;
		}
		return is_write || own_lines(o->err, true, why, len);
	}
	if (o->status != 0) {
		snprintf(why, len, "exit %d%s: %s", o->status,
			 o->probe_ran ? " from COMMAND" : "", o->err1);
		return false;
	}
	if (sc->mode == M_LIST) {
		if (o->probe_ran) {
			snprintf(why, len, "--list ran COMMAND");
			return false;
		}
		return full_listing(o, why, len);
	}
	if (!o->probe_ran) {
		snprintf(why, len, "exit 0 but COMMAND did not run");
		return false;
	}
	return exact_table(sc, o, why, len);
}

/* Failures by call x action (a bitmap of scenarios) and by scenario.  A
 * failure that is the scenario's own baseline failure again (same words)
 * is counted apart: the fault added nothing to it. */
static unsigned long fail_mask[MAX_ROWS][N_ACTIONS];
static int fail_by_scenario[N_SCENARIOS], baseline_by_scenario[N_SCENARIOS];
static int refusals, runs, hangs, deaths, leaks, as_baseline;

static void record(size_t c, size_t a, size_t s, const char *why, bool same_as_baseline)
{
	fail_by_scenario[s]++;
	if (same_as_baseline) {
		baseline_by_scenario[s]++;
		as_baseline++;
		return;
	}
	fail_mask[c][a] |= 1UL << s;
	if (strncmp(why, "hang", 4) == 0)
		hangs++;
	else if (strncmp(why, "killed", 6) == 0)
		deaths++;
	else if (strncmp(why, "leak", 4) == 0 || strstr(why, "--list has no line"))
		leaks++;
}

/* The controls: the filter stops closefds's own execve, and leaves the
 * probe alone (getcwd: only the probe calls it, and reports "?" when it
 * fails).  Without them every result below could pass by luck. */
static bool controls(void)
{
	static struct outcome o;
	const char *argv[32];
	char spec[128], why[512];
	bool refused, ok = true;

	build_argv(&scenarios[0], false, argv, 32);
	char fault[64];
	snprintf(fault, sizeof(fault), "%ld:1", call_nr("execve"));
	filter_spec(spec, sizeof(spec), &scenarios[0], fault);
	bool stopped = run(&scenarios[0], spec, argv, false, &o) == 0 && o.status == 126 && !o.probe_ran;
	tl_result(stopped, "control: execve failed by the filter stops closefds (exit %d%s)", o.status,
		  o.probe_ran ? ", COMMAND ran" : "");
	ok &= stopped;
#ifdef __NR_getcwd
	snprintf(spec, sizeof(spec), "%d:1", __NR_getcwd);
	bool clean = run(&scenarios[0], spec, argv, false, &o) == 0 && judge(&scenarios[0], NULL, &o,
								       &refused, why, sizeof(why)) &&
		     o.probe_ran && strcmp(o.after.cwd, "?") != 0;
	tl_result(clean, "control: the filter does not reach COMMAND (getcwd failed for closefds only)%s%s",
		  clean ? "" : ": ", clean ? "" : (o.probe_ran ? "the probe's getcwd failed" : why));
	ok &= clean;
#endif
	/* And with no fault at all, every scenario passes (else nothing
	 * below means anything for it). */
	return ok;
}

static bool untestable_call(const char *name)
{
	for (size_t i = 0; i < sizeof(untestable) / sizeof(untestable[0]); i++)
		if (strcmp(untestable[i].name, name) == 0)
			return true;
	return false;
}

/* Trace one run; collect the calls closefds made from main() (the hook's
 * PR_SET_SECCOMP, its first act) to the exec of COMMAND (the execve that
 * does not fail) into *made (bits
 * of CALLS) and, if neither in CALLS nor untestable, into unknown.
 * -1: strace or its output failed. */
static int trace_run(const struct scenario *sc, const char *fault, unsigned long long *made,
		     char *unknown, size_t len)
{
	static struct outcome o;
	const char *argv[40];
	char spec[128], line[4096];
	int pid = -1, found = 0;
	bool in_main = false;

	build_argv(sc, true, argv, 40);
	filter_spec(spec, sizeof(spec), sc, fault);
	unlink(path_trace);
	if (run(sc, spec, argv, true, &o) < 0)
		return -1;
	FILE *f = fopen(path_trace, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int p, n = 0;
		if (sscanf(line, "%d %n", &p, &n) != 1)
			continue;
		const char *call = line + n;
		if (!in_main) {
			if (strstr(call, "PR_SET_SECCOMP")) {
				in_main = true;
				pid = p;
			}
			continue;
		}
		if (p != pid || !strchr(call, '(') || strncmp(call, "<...", 4) == 0)
			continue;
		char name[64];
		size_t k = strcspn(call, "(");
		snprintf(name, sizeof(name), "%.*s", (int)(k < 63 ? k : 63), call);
		for (size_t r = 0; r < n_rows; r++)
			if (row_matches(&rows[r], name, call))
				*made |= 1ULL << r;
		if (call_nr(name) < 0 && !untestable_call(name) && !strstr(unknown, name)) {
			size_t u = strlen(unknown);
			snprintf(unknown + u, len - u, "%s%s", u ? " " : "", name);
		}
		found++;
		/* The exec of COMMAND ends it; not a failed one (the check of
		 * a trapped execve with an empty path, before the signal state
		 * is put back). */
		if (strcmp(name, "execve") == 0 && !strstr(call, "= -1 "))
			break;
	}
	fclose(f);
	if (!in_main || found == 0)
		printf("# strace: no call of closefds found after its PR_SET_SECCOMP (status %d): %s\n",
		       o.status, o.err1);
	return in_main && found > 0 ? 0 : -1;
}

/* The calls each scenario makes with no fault (bits of CALLS), when strace
 * could tell.  A run that fails a call the scenario never makes is its
 * baseline again (closefds is deterministic and the filter changes nothing
 * until the call is made), so the matrix skips those. */
static unsigned long long made_calls[N_SCENARIOS];
static bool have_made_calls[N_SCENARIOS];

/* The failure paths traced on top of the baselines: a refusal, a failed
 * exec, a trap turned into ENOSYS, the table-size probe's bitmap refused,
 * FDSize unreadable after select failed. */
static const struct {
	size_t scenario;
	const char *call, *action;
} fault_paths[] = {
	{ 0, "fcntl", "1" },       { 0, "fcntl64", "1" },   { 0, "execve", "1" },
	{ 0, "close_range", "trap" }, { 7, "mmap", "12" }, { 7, "mmap2", "12" },
	{ 10, "openat", "1" },
};

static void strace_check(size_t first, size_t last)
{
	if (access(STRACE, X_OK) < 0) {
		printf("ok %d - strace check of the table of calls # SKIP %s is not installed: every "
		       "call is failed in every scenario\n",
		       ++tl_tap_number, STRACE);
		return;
	}
	for (size_t s = first; s < last; s++) {
		const struct scenario *sc = &scenarios[s];
		char unknown[512] = "";
		unsigned long long made = 0, ignored = 0;
		int r = trace_run(sc, NULL, &made, unknown, sizeof(unknown));
		for (size_t i = 0; r == 0 && i < sizeof(fault_paths) / sizeof(fault_paths[0]); i++)
			if (fault_paths[i].scenario == s && call_nr(fault_paths[i].call) >= 0) {
				char fault[64];
				snprintf(fault, sizeof(fault), "%ld:%s", call_nr(fault_paths[i].call),
					 fault_paths[i].action);
				r = trace_run(sc, fault, &ignored, unknown, sizeof(unknown));
			}
		if (r < 0) {
			tl_result(false, "strace check, %s: strace or its output failed", sc->name);
			continue;
		}
		made_calls[s] = made;
		have_made_calls[s] = true;
		tl_result(!unknown[0], "strace check, %s: every call closefds made is in the table%s%s",
			  sc->name, unknown[0] ? "; not in it: " : "", unknown);
	}
}

/* Unmount /proc for the rest of the test: one mount namespace for all the
 * scenarios that need it (unshare -m costs up to 100 ms on some hosts). */
static int hide_proc(char *why, size_t len)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/proc", MNT_DETACH) < 0) {
		snprintf(why, len, "cannot unmount /proc in a mount namespace of its own: %s",
			 strerror(errno));
		return -1;
	}
	/* The probe's own procfs, where closefds does not look. */
	snprintf(probe_procfs, sizeof(probe_procfs), "%s/proc", tl_workdir());
	if (mkdir(probe_procfs, 0700) < 0 || mount("proc", probe_procfs, "proc", 0, NULL) < 0) {
		snprintf(why, len, "cannot mount a procfs for the probe at %s: %s", probe_procfs,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static void matrix(size_t s)
{
	const struct scenario *sc = &scenarios[s];
	static struct outcome o;
	const char *argv[32];
	char spec[128], why[1024], base_why[1024] = "", not_made[1024] = "";
	bool refused = false;

	build_argv(sc, false, argv, 32);
	/* The scenario itself, the filter installed and failing nothing. */
	filter_spec(spec, sizeof(spec), sc, NULL);
	bool base_ok = run(sc, spec, argv, false, &o) == 0 &&
		       judge(sc, NULL, &o, &refused, base_why, sizeof(base_why)) && !refused;
	if (refused)
		snprintf(base_why, sizeof(base_why), "refused: %s", o.err1);
	tl_result(base_ok, "%s: no fault (the baseline)%s%s", sc->name, base_ok ? "" : ": ", base_why);
	for (size_t c = 0; c < n_rows; c++) {
		if (have_made_calls[s] && !(made_calls[s] & (1ULL << c))) {
			size_t u = strlen(not_made);
			snprintf(not_made + u, sizeof(not_made) - u, " %s;", rows[c].label);
			continue;
		}
		for (size_t a = 0; a < N_ACTIONS; a++) {
			const struct action *ac = &actions[a];
			if (!ac->err && !rows[c].site && strcmp(rows[c].call, "rt_sigaction") == 0) {
				printf("ok %d - %s trap, %s # SKIP the trapped call would be the one "
				       "installing the SIGSYS handler: it cannot be handled\n",
				       ++tl_tap_number, rows[c].label, sc->name);
				continue;
			}
			/* Where the caller blocked SIGSYS, the rt_sigprocmask that
			 * unblocks it runs with SIGSYS blocked: the kernel resets a
			 * blocked SIGSYS before delivering a trap (CAVEATS). */
			if (!ac->err && !rows[c].site && sc->caller_sigsys == BLOCKS &&
			    strcmp(rows[c].call, "rt_sigprocmask") == 0) {
				printf("ok %d - %s trap, %s # SKIP the trapped call would be the one "
				       "unblocking SIGSYS, blocked by the caller: it cannot be handled\n",
				       ++tl_tap_number, rows[c].label, sc->name);
				continue;
			}
#ifndef __GLIBC__
			/* musl's sigaction() first unblocks its internal signals
			 * with rt_sigprocmask, before the rt_sigaction that
			 * installs the handler (the man page's CAVEATS). */
			if (!ac->err && !rows[c].site && strcmp(rows[c].call, "rt_sigprocmask") == 0) {
				printf("ok %d - %s trap, %s # SKIP with musl the first trapped "
				       "rt_sigprocmask is musl's, inside the sigaction() that installs "
				       "the SIGSYS handler: it cannot be handled\n",
				       ++tl_tap_number, rows[c].label, sc->name);
				continue;
			}
#endif
			char fault[96];
			snprintf(fault, sizeof(fault), "%ld%s:%s", rows[c].nr, rows[c].cond, ac->spec);
			filter_spec(spec, sizeof(spec), sc, fault);
			runs++;
			if (run(sc, spec, argv, false, &o) < 0) {
				tl_result(false, "%s %s, %s: harness failure: %s", rows[c].label, ac->name,
					  sc->name, strerror(errno));
				continue;
			}
			bool ok = judge(sc, rows[c].call, &o, &refused, why, sizeof(why));
			refusals += ok && refused;
			tl_result(ok, "%s %s, %s%s%s", rows[c].label, ac->name, sc->name,
				  ok ? "" : ": ", ok ? "" : why);
			if (!ok)
				record(c, a, s, why, !base_ok && strcmp(why, base_why) == 0);
		}
	}
	if (not_made[0])
		printf("# %s: not made there with no fault, so not failed (strace):%s\n", sc->name,
		       not_made);
}

static void summary(double seconds)
{
	struct rusage ru;
	double cpu = 0;

	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("# %d runs in %.1f s (children's CPU time %.1f s), %d failed: %d hangs, %d deaths by "
	       "signal, %d leaks or descriptors missing from --list, %d the scenario's own baseline "
	       "failure again; %d passed by refusing (125, or 126/127 for execve)\n",
	       runs, seconds, cpu, tl_tap_failures, hangs, deaths, leaks, as_baseline, refusals);
	for (size_t c = 0; c < n_rows; c++)
		for (size_t a = 0; a < N_ACTIONS; a++) {
			unsigned long m = fail_mask[c][a];
			if (!m)
				continue;
			printf("# failing: %s %s in %d scenario(s):", rows[c].label, actions[a].name,
			       __builtin_popcountl(m));
			for (size_t s = 0; s < N_SCENARIOS; s++)
				if (m & (1UL << s))
					printf(" [%s]", scenarios[s].name);
			putchar('\n');
		}
	for (size_t s = 0; s < N_SCENARIOS; s++)
		if (fail_by_scenario[s])
			printf("# failing in scenario [%s]: %d run(s), %d of them as its baseline\n",
			       scenarios[s].name, fail_by_scenario[s], baseline_by_scenario[s]);
}

int main(int argc, char *argv[])
{
	struct timespec t0, t1;
	sigset_t chld;
	struct rlimit rl;

	if (argc == 4 && strcmp(argv[1], "--report") == 0)
		return report(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: sysfault CLOSEFDS-SYSFAULT\n");
		return 2;
	}
	closefds = argv[1];
	ssize_t self = readlink("/proc/self/exe", probe, sizeof(probe) - 1);
	if (self <= 0) {
		printf("1..0 # SKIP no /proc/self/exe: the test needs /proc to start\n");
		return 0;
	}
	probe[self] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!tl_seccomp_works()) {
		printf("1..0 # SKIP seccomp filters cannot be installed here%s%s%s\n",
		       tl_emulator() ? " (" : "", tl_emulator() ? tl_emulator() : "",
		       tl_emulator() ? " refuses them)" : "");
		return 0;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max < 1600) {
		printf("1..0 # SKIP the hard RLIMIT_NOFILE is below 1600: no room for the table\n");
		return 0;
	}
	/* The high descriptor: 19990, or below a smaller hard limit. */
	high_fd = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 19991 ? 19990 : (int)rl.rlim_max - 10;
	layout[N_SLOTS - 1].fd = high_fd;
	/* As closefds opens it for a closed stream: read-write (tl_identity's form). */
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return 2;
	tl_identity(null_fd, devnull_id, sizeof(devnull_id));
	close(null_fd);
	snprintf(path_before, sizeof(path_before), "%s/before", tl_workdir());
	snprintf(path_after, sizeof(path_after), "%s/after", tl_workdir());
	snprintf(path_err, sizeof(path_err), "%s/stderr", tl_workdir());
	snprintf(path_out, sizeof(path_out), "%s/stdout", tl_workdir());
	snprintf(path_trace, sizeof(path_trace), "%s/trace", tl_workdir());
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	rows_init();
	printf("# %zu calls and %zu call sites x %zu actions x %zu scenarios; descriptors at 3-10, "
	       "150, 1500, %d\n",
	       N_CALLS, n_rows - N_CALLS, N_ACTIONS, N_SCENARIOS, high_fd);
	for (size_t i = 0; i < sizeof(untestable) / sizeof(untestable[0]); i++)
		printf("ok %d - %s # SKIP %s\n", ++tl_tap_number, untestable[i].name,
		       untestable[i].why);
	if (controls()) {
		size_t first_no_proc = 0;
		while (first_no_proc < N_SCENARIOS && !scenarios[first_no_proc].no_proc)
			first_no_proc++;
		strace_check(0, first_no_proc);
		for (size_t s = 0; s < first_no_proc; s++)
			matrix(s);
		char why[256];
		if (first_no_proc < N_SCENARIOS && hide_proc(why, sizeof(why)) < 0) {
			for (size_t s = first_no_proc; s < N_SCENARIOS; s++)
				printf("ok %d - %s # SKIP %s\n", ++tl_tap_number, scenarios[s].name, why);
		} else if (first_no_proc < N_SCENARIOS) {
			strace_check(first_no_proc, N_SCENARIOS);
			for (size_t s = first_no_proc; s < N_SCENARIOS; s++)
				matrix(s);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	summary((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (strcmp(probe_procfs, "/proc") != 0)
		umount2(probe_procfs, MNT_DETACH);
	printf("1..%d\n", tl_tap_number);
	tl_cleanup();
	return 0;
}
