/* testlib.h: what the system tests share: the hostile environments, opening
 * descriptors of every kind at chosen numbers, running closefds in a forked
 * child with fdprobe as COMMAND, and reading what the probe saw. */
#ifndef CLOSEFDS_TESTLIB_H
#define CLOSEFDS_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Environments a child can be put in before it execs closefds: seccomp
 * filters on the optional calls (matched to this ABI's audit arch and
 * syscall numbers), /proc hidden in a private mount namespace. */
enum tl_env {
	TL_PLAIN,
	TL_CR_EPERM,            /* seccomp: close_range -> EPERM */
	TL_CR_ENOSYS,           /* seccomp: close_range -> ENOSYS */
	TL_NO_PROC,             /* unshare -m, /proc unmounted */
	TL_TMPFS_PROC,          /* unshare -m, a tmpfs over /proc */
	TL_CR_EPERM_NO_PROC,
	TL_CR_TRAP,             /* seccomp: close_range -> SIGSYS */
	TL_CR_TRAP_NO_PROC,
	TL_SEL_EPERM_NO_PROC,   /* close_range and select/pselect6 EPERM, no /proc */
	TL_SEL_TRAP_TMPFS_PROC, /* close_range and select/pselect6 SIGSYS, tmpfs /proc */
	TL_POLL_EPERM_NO_PROC,  /* close_range and poll/ppoll EPERM, no /proc */
	TL_ALL_EPERM_NO_PROC,   /* close_range, select and poll EPERM, no /proc */
	TL_CR_GVISOR,           /* close_range EINVAL when its last descriptor is above INT_MAX */
	TL_ENV_COUNT,
};

/* What a filter does to a call. */
enum tl_action {
	TL_ALLOW,
	TL_EPERM,
	TL_ENOSYS,
	TL_TRAP, /* SECCOMP_RET_TRAP: SIGSYS */
};

/* The calls a filter can act on, each with every syscall of this ABI that
 * does the job (select: select, _newselect, pselect6, pselect6_time64;
 * poll: poll, ppoll, ppoll_time64). */
enum tl_call {
	TL_CALL_CLOSE_RANGE,
	TL_CALL_SELECT,
	TL_CALL_POLL,
	TL_CALL_COUNT,
};

const char *tl_env_name(enum tl_env env);
bool tl_env_blocks_close_range(enum tl_env env);
bool tl_env_hides_proc(enum tl_env env);
bool tl_env_blocks_select(enum tl_env env);
bool tl_env_blocks_poll(enum tl_env env);
/* A filter there answers some call with SIGSYS. */
bool tl_env_traps(enum tl_env env);
/* The only bound closefds has there is max(soft, hard) RLIMIT_NOFILE:
 * /proc hidden and select blocked. */
bool tl_env_bound_is_limit(enum tl_env env);
/* True when env needs a seccomp filter. */
bool tl_env_uses_seccomp(enum tl_env env);

/* The emulator the tests run under, from CLOSEFDS_TEST_EMULATOR (set by
 * tests/meson.build when the cross file has an exe_wrapper, e.g.
 * "qemu-aarch64-static"), or NULL when they run natively.  Only then may a
 * test skip what the emulator cannot do, and it says so. */
const char *tl_emulator(void);
/* Whether a seccomp filter can be installed here and blocks close_range
 * (tried in a forked child).  qemu-user refuses PR_SET_SECCOMP (EINVAL): a
 * guest filter would apply to qemu's own host calls. */
bool tl_seccomp_works(void);
/* Put the calling process in env.  0 or -1 (tl_fail; ENOSYS: this ABI has
 * no audit arch known to testlib, so no filter can be trusted).  /proc is
 * hidden here unless a tl_env_group() of env already did it. */
int tl_env_apply(enum tl_env env);
/* Install a filter doing act[call] to each call, for this process and what
 * it execs; every other call is allowed, and a call from another ABI kills
 * the process (a filter that does not match the ABI would block nothing and
 * let a test pass by luck).  0 or -1. */
int tl_seccomp(const enum tl_action act[TL_CALL_COUNT]);
/* One rule of tl_seccomp_rules: system call nr (this ABI's number) gets
 * action, with err for TL_EPERM/TL_ENOSYS-like errno answers (any errno:
 * the action is then only "not allowed, not trapped"). */
struct tl_rule {
	long nr;
	enum tl_action action;
	int err;
};
/* A filter with these rules (at most 28); everything else allowed, another
 * ABI killed, as tl_seccomp.  0 or -1. */
int tl_seccomp_rules(const struct tl_rule *rules, size_t n);
/* close_range -> err (EPERM or ENOSYS) for this process and what it execs. */
int tl_block_close_range(int err);
/* close_range -> EINVAL when its last descriptor is above INT_MAX, as gVisor
 * answers (opencontainers/runc#4596).  0 or -1. */
int tl_gvisor_close_range(void);

/* Kinds of descriptor to open: every kind a program may inherit.  Some
 * share one inode among all their placements (see tl_kind_unique). */
enum tl_kind {
	TL_FILE,       /* a regular file of its own, read-only */
	TL_DIR,        /* a directory of its own, O_RDONLY | O_DIRECTORY */
	TL_DEVNULL,    /* /dev/null, read-write */
	TL_PIPE_R,     /* read end of a pipe (its write end is closed) */
	TL_SOCKPAIR,   /* one end of a UNIX socketpair */
	TL_TCP,        /* a TCP socket listening on 127.0.0.1 */
	TL_PATH_FILE,  /* O_PATH on a file of its own (poll and select cannot see it) */
	TL_PATH_DIR,   /* O_PATH on a directory of its own */
	TL_PIPE_W,     /* write end of a pipe (its read end is closed) */
	TL_FIFO,       /* a FIFO in the work directory, opened O_RDWR */
	TL_UNIX,       /* a UNIX stream socket, bound (autobind) and listening */
	TL_UDP,        /* a UDP socket bound on 127.0.0.1 */
	TL_EPOLL,
	TL_EVENTFD,
	TL_SIGNALFD,   /* for SIGUSR2 */
	TL_TIMERFD,
	TL_INOTIFY,
	TL_MEMFD,
	TL_PIDFD,      /* pidfd_open of the process itself */
	TL_IO_URING,   /* io_uring_setup with one entry */
	TL_PTY_MASTER, /* /dev/ptmx */
	TL_PTY_SLAVE,  /* /dev/pts/N (its master closed) */
	TL_KIND_COUNT,
};

const char *tl_kind_name(enum tl_kind kind);
/* Every placement of kind has an inode of its own, so its identity tells it
 * from any other descriptor: only such kinds are sources of checked moves. */
bool tl_kind_unique(enum tl_kind kind);
/* NULL if a descriptor of kind can be opened here (tried once, in this
 * process), else why not ("io_uring_setup: Operation not permitted"). */
const char *tl_kind_unavailable(enum tl_kind kind);

/* Open a descriptor of kind at number fd, inheritable.  0 or -1 (tl_fail). */
int tl_place(enum tl_kind kind, int fd);

/* Identity of an open descriptor: "dev:ino:ACCESS" (ACCESS r, w, rw, or
 * path for O_PATH; from fstat and fcntl, which see every file), or "-" if
 * it is not open. */
void tl_identity(int fd, char *buf, size_t size);

/* Say why something failed: "MESSAGE: strerror(errno)".  In the child of
 * tl_run_closefds() before the exec, it becomes the run's reason (the first
 * one wins: the cause, not its echoes); elsewhere it goes to stderr as
 * "testlib: ...".  Returns -1, errno kept. */
__attribute__((format(printf, 1, 2)))
int tl_fail(const char *fmt, ...);

/* fork(), tried again for a while when it fails with EAGAIN (load). */
pid_t tl_fork(void);

/* Wait for child pid at most `seconds` of wall time, then kill it
 * (SIGKILL) and reap it, with *timed_out set.  The caller blocks SIGCHLD
 * (the wait sleeps in sigtimedwait for it).  0, or -1 (waitpid failed). */
int tl_wait_bounded(pid_t pid, int seconds, int *status, bool *timed_out);

/* Run fn(arg) in a forked child that has /proc hidden as env wants, once
 * for the whole group (unshare -m costs up to 100 ms on some machines: one
 * namespace per environment, not per case); each case's tl_env_apply()
 * then only adds env's seccomp filters.  The child's TAP counters
 * (tl_tap_number, tl_tap_failures) come back to the caller.  0, or -1 (a
 * line saying why printed, as a TAP comment). */
int tl_env_group(enum tl_env env, void (*fn)(void *arg), void *arg);

/* What fdprobe reported: descriptors and their identities, plus the
 * process state that closefds must not change. */
#define TL_MAX_FDS 12000
/* Every report covers at least the descriptors below this number. */
#define TL_SCAN_MIN 20000
struct tl_report {
	int n;
	int fd[TL_MAX_FDS];
	char id[TL_MAX_FDS][48];
	int cloexec[TL_MAX_FDS];
	char ids[128];     /* "r e s rg eg sg" */
	char sigign[32];   /* SigIgn mask, hex */
	char sigblk[32];   /* SigBlk mask, hex */
	char cwd[512];
	char umask[16];
	char env[256];     /* CLOSEFDS_TEST_VAR, or "(unset)" */
};

/* Everything about one run of closefds. */
struct tl_run {
	int status;        /* exit status, or 128 + signal */
	bool probe_ran;
	bool setup_failed; /* the child failed before the exec; err says why */
	char err[4096];    /* closefds' stderr, sanitizer noise removed (not with tl_wrapper) */
	struct tl_report before; /* the table just before the exec of closefds */
	struct tl_report after;  /* what the probe saw */
};

/* Fork; in the child call setup(arg) (which may open descriptors, change
 * limits, apply an environment; returning -1 aborts), then exec closefds
 * with args, "--", the probe and its report path.  envp NULL: the parent's
 * environment.  late(arg), if not NULL, runs after the "before" report is
 * written, just before the exec (to fill the table, say).  The child's stdout
 * is /dev/null: a message that a move sends there must not enter the TAP
 * stream.  Returns 0, or -1 with the reason in run->err (setup_failed: the
 * child's own failing call and errno, from tl_fail). */
typedef int (*tl_setup_fn)(void *arg);
int tl_run_closefds(const char *closefds, const char *probe, const char *const *args,
		    char *const *envp, tl_setup_fn setup, tl_setup_fn late, void *arg,
		    struct tl_run *run);

/* Words put before closefds by tl_run_closefds (the first a path to exec),
 * NULL-terminated; NULL (the default) runs closefds itself.  For valgrind. */
extern const char *const *tl_wrapper;

/* valgrind memcheck as a wrapper: any error or leak makes closefds exit 99
 * where it exits; where it execs COMMAND the report on its stderr is the only
 * sign: tl_valgrind_report() finds it ("==PID== ..." lines). */
extern const char *const tl_valgrind[];
bool tl_valgrind_report(const struct tl_run *run);
/* If argv[1] is --valgrind: drop it, set tl_wrapper to tl_valgrind, return 1;
 * or, valgrind not installed, print a TAP "1..0 # SKIP" and return -1.
 * Without the option 0. */
int tl_valgrind_option(int *argc, char ***argv);

/* Write the calling process's table (and state) to path, in the format
 * tl_read_report() reads; the file itself is opened after the listing.
 * The table comes from a proc of this process's own: /proc, or the one a
 * tl_env_group() that hides /proc mounts beside the reports (DIR/proc for a
 * report DIR/NAME), checked to be this process's and no bind mount;
 * without one (or with CLOSEFDS_TEST_REPORT_WALK set) from fcntl on every
 * slot.  Both see O_PATH descriptors.  0 or -1. */
int tl_write_report(const char *path);

/* Read a report file.  0 or -1 (also when it was cut short: no "end" line). */
int tl_read_report(const char *path, struct tl_report *r);

/* The identity of fd in r, or NULL if r does not have it. */
const char *tl_report_identity(const struct tl_report *r, int fd);

/* A private temporary directory for the runs, removed by tl_cleanup(). */
const char *tl_workdir(void);
void tl_cleanup(void);

/* TAP for the C tests: tl_result() prints "ok N - ..." or "not ok N - ..."
 * with the next number; a test printing a line of its own (a SKIP) takes
 * ++tl_tap_number.  tl_tap_failures counts the "not ok". */
extern int tl_tap_number, tl_tap_failures;
__attribute__((format(printf, 2, 3)))
void tl_result(bool ok, const char *fmt, ...);

#endif
