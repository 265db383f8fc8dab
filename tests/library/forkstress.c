/* forkstress.c: closefds_close_except() where spawners call it.  A parent
 * whose 8 threads hammer malloc/free, stdio (fprintf to a FILE on /dev/null,
 * holding its lock) and descriptor creation (pipes, socketpairs, /dev/null,
 * O_PATH files and directories, half of them inheritable) spawns children
 * from its main thread, by fork(), by vfork() and by clone(CLONE_VM |
 * CLONE_VFORK) on a stack of its own (what posix_spawn does, signals
 * blocked around it); each child calls closefds_close_except(3, KEEP, n,
 * flags) (keep lists of 1 or 2 of five descriptors the parent holds, with
 * duplicates and numbers below 3 or negative; flags alternating 0 and
 * CLOSEFDS_CLOEXEC; close_range allowed, refused (EPERM) or trapped (SIGSYS)
 * by a seccomp filter in rotation) and execs fdexact, which checks that it
 * has exactly 0, 1, 2 and the kept descriptors, each the file kept.
 *
 * A deadlock is a failure, never a hang: every child arms a timer (--bound,
 * 10 s) before it does anything, so a child stuck in a lock dies of SIGALRM
 * and is reported with the step it was at; a watchdog thread ends the whole
 * test with "Bail out!" if the main thread waits 5 s longer than that.
 * No leak: the parent's descriptor table is the same after the threads
 * stopped as before they started, and no child is left.
 *
 * Two controls run first and must be caught, or the test could not fail:
 * a close_except that leaves one descriptor open, and a child that blocks
 * on a lock the parent holds (bound 300 ms).
 *
 *   forkstress FDEXACT [--forks N] [--bound-ms MS] [--no-controls]
 *              [--control-runs N] [--threads N] [--broken skip|stdio|malloc|lock]
 *
 * --forks: children per spawn mode (default 300).  --control-runs: spawns of
 * the leak control per mode (default 10).  --threads: hammering threads
 * (default 8; fewer only to measure what they cost).  --broken: run the whole
 * test with a broken child instead, to see it fail: skip (leaves one
 * descriptor open), stdio (fprintf to the hammered FILE in the child, as a
 * library that logs would: glibc resets every FILE lock in the child of
 * fork, so that one does not deadlock there), malloc (malloc and free in
 * the child: glibc's fork makes that safe too), lock (a lock of the
 * library's own, which the threads also take: a child whose fork found it
 * held waits forever).
 * Output: TAP. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "closefds.h"
#include "testlib.h"

extern char **environ;

#define N_THREADS 8
#define N_FIXED 5
#define CHILD_STACK (256 * 1024)
#define SCAN_TOP 4096 /* the parent's descriptors stay below this */

enum mode { M_FORK, M_VFORK, M_CLONE, N_MODES };
static const char *const mode_name[N_MODES] = { "fork()", "vfork()",
						 "clone(CLONE_VM|CLONE_VFORK), own stack" };

enum cenv { C_PLAIN, C_EPERM, C_TRAP, N_CENVS };
static const char *const cenv_name[N_CENVS] = { "plain", "close_range EPERM",
						 "close_range SIGSYS" };

enum broken { B_NONE, B_SKIP, B_STDIO, B_MALLOC, B_LIBLOCK, B_LOCK };

/* The descriptors the parent holds for the whole run, kinds and numbers
 * chosen; the children keep one or two of them. */
static const struct {
	int fd;
	enum tl_kind kind;
} fixed[N_FIXED] = {
	{ 50, TL_PIPE_R }, { 51, TL_PATH_FILE }, { 300, TL_SOCKPAIR }, { 700, TL_PATH_DIR },
	{ 1000, TL_FILE },
};
static char fixed_arg[N_FIXED][64]; /* "FD=DEV:INO" for fdexact */

/* What a child writes for the parent: MAP_SHARED, so a fork()ed child's
 * writes are seen too.  Only plain stores in the child. */
struct shared {
	volatile int step; /* 1 timer armed, 2 in close_except, 3 exec next */
	volatile int err;  /* errno of the failing call */
	volatile pid_t pid;
};
static struct shared *sh;

static FILE *hammered;                 /* the FILE on /dev/null the threads write */
static atomic_bool stop;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER; /* the lock control */
/* What a library with a lock of its own would have (--broken lock): the
 * threads take it around their stdio work, the broken child takes it too. */
static pthread_mutex_t liblock = PTHREAD_MUTEX_INITIALIZER;
static long bound_ms = 10000;
static int n_threads = N_THREADS;
static int control_runs = 10;

/* The main thread's current wait, for the watchdog: 0 when not waiting. */
static atomic_llong waiting_since_ms;
static atomic_int waiting_pid;
static const char *volatile waiting_what = "";

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- the hammering threads ---- */

static void push_fd(int *ring, size_t *r, int fd)
{
	if (fd < 0)
		return;
	if (ring[*r % 8] >= 0)
		close(ring[*r % 8]);
	ring[*r % 8] = fd;
	(*r)++;
}

static void *hammer(void *arg)
{
	unsigned seed = (unsigned)(size_t)arg * 2654435761u;
	int ring[8];
	size_t r = 0;
	void *blocks[16] = { NULL };
	char path[] = "/dev/null";

	for (int i = 0; i < 8; i++)
		ring[i] = -1;
	/* Niced: the main thread and its children get a CPU when they want
	 * one, the hammering takes the rest (on two CPUs, eight busy threads
	 * of equal weight would make each spawn ten times slower).  They are
	 * still preempted at any point, holding a lock or not. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	for (unsigned long n = 0; !atomic_load_explicit(&stop, memory_order_relaxed); n++) {
		unsigned x = (unsigned)rand_r(&seed);
		int cloexec = (x >> 9) & 1 ? O_CLOEXEC : 0;
		int p[2];

		switch (x % 4) {
		case 0: {
			size_t i = (x >> 4) % 16;
			/* One in 16 above the mmap threshold. */
			size_t size = (x >> 8) % 16 == 0 ? 200000 : (x >> 12) % 4096 + 1;
			free(blocks[i]);
			blocks[i] = malloc(size);
			if (blocks[i])
				memset(blocks[i], (int)n, size < 64 ? size : 64);
			break;
		}
		case 1:
			pthread_mutex_lock(&liblock);
			flockfile(hammered);
			for (int k = 0; k < 4; k++)
				fprintf(hammered, "thread %zu round %lu %u\n", (size_t)arg, n, x);
			if ((x >> 5) % 8 == 0)
				fflush(hammered);
			funlockfile(hammered);
			pthread_mutex_unlock(&liblock);
			break;
		case 2:
			switch ((x >> 4) % 5) {
			case 0:
				if (pipe2(p, cloexec) == 0) {
					push_fd(ring, &r, p[0]);
					push_fd(ring, &r, p[1]);
				}
				break;
			case 1:
				if (socketpair(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0, p) ==
				    0) {
					push_fd(ring, &r, p[0]);
					push_fd(ring, &r, p[1]);
				}
				break;
			case 2:
				push_fd(ring, &r, open(path, O_RDWR | cloexec));
				break;
			case 3:
				push_fd(ring, &r, open(path, O_PATH | cloexec));
				break;
			default:
				push_fd(ring, &r, open("/", O_PATH | O_DIRECTORY | cloexec));
				break;
			}
			break;
		default:
			if (ring[(x >> 4) % 8] >= 0) {
				close(ring[(x >> 4) % 8]);
				ring[(x >> 4) % 8] = -1;
			}
			break;
		}
		/* Hammer, but leave the main thread some of the two CPUs. */
		if (n % 64 == 63)
			sched_yield();
	}
	for (int i = 0; i < 8; i++)
		if (ring[i] >= 0)
			close(ring[i]);
	for (int i = 0; i < 16; i++)
		free(blocks[i]);
	return NULL;
}

/* ---- the watchdog ---- */

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		long long since = atomic_load(&waiting_since_ms);
		if (since && now_ms() - since > bound_ms + 5000) {
			int pid = atomic_load(&waiting_pid);
			if (!pid)
				pid = sh->pid;
			printf("not ok - the main thread waited %lld ms for a child (%s, pid %d, step %d): hung\n",
			       now_ms() - since, waiting_what, pid, sh->step);
			printf("Bail out! a spawn hung past the bound\n");
			fflush(stdout);
			if (pid > 0)
				kill(pid, SIGKILL);
			_exit(1);
		}
	}
	return NULL;
}

/* ---- the child ---- */

struct child_arg {
	int keep[6];
	size_t n_keep;
	unsigned flags;
	enum cenv env;
	enum broken broken;
	int skip_fd;                /* B_SKIP: the descriptor left open */
	char *argv[N_FIXED + 3];    /* fdexact and its arguments, made before the spawn */
	sigset_t mask;              /* restored in the child (clone: all blocked around it) */
	bool restore_mask;
};

static int close_except_skipping(const struct child_arg *a)
{
	int keep[8];
	size_t n = 0;

	for (; n < a->n_keep; n++)
		keep[n] = a->keep[n];
	keep[n++] = a->skip_fd;
	return closefds_close_except(3, keep, n, a->flags);
}

/* Runs in the child of every mode: only async-signal-safe calls and plain
 * stores, except where a broken variant is asked for. */
static int child_main(void *p)
{
	const struct child_arg *a = p;
	struct itimerval it = { { 0, 0 }, { bound_ms / 1000, (bound_ms % 1000) * 1000 } };

	sh->pid = getpid();
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		sh->err = errno;
		_exit(101);
	}
	sh->step = 1;
	if (a->restore_mask)
		sigprocmask(SIG_SETMASK, &a->mask, NULL);
	if (a->env == C_EPERM && tl_block_close_range(EPERM) < 0) {
		sh->err = errno;
		_exit(102);
	}
	if (a->env == C_TRAP) {
		enum tl_action act[TL_CALL_COUNT] = { TL_TRAP, TL_ALLOW, TL_ALLOW };
		if (tl_seccomp(act) < 0) {
			sh->err = errno;
			_exit(102);
		}
	}
	sh->step = 2;
	switch (a->broken) {
	case B_STDIO:
		fprintf(hammered, "child %d\n", (int)sh->pid);
		break;
	case B_MALLOC:
		free(malloc(1000 + (size_t)sh->pid % 1000));
		break;
	case B_LOCK:
		pthread_mutex_lock(&held);
		break;
	case B_LIBLOCK:
		pthread_mutex_lock(&liblock);
		pthread_mutex_unlock(&liblock);
		break;
	default:
		break;
	}
	int r = a->broken == B_SKIP ? close_except_skipping(a)
				    : closefds_close_except(3, a->keep, a->n_keep, a->flags);
	if (r != 0) {
		sh->err = errno;
		_exit(100);
	}
	sh->step = 3;
	execve(a->argv[0], a->argv, environ);
	sh->err = errno;
	_exit(127);
}

static char *child_stack;

/* Spawn a child running child_main(a) by mode: its pid, or -1. */
static pid_t spawn(enum mode mode, struct child_arg *a)
{
	pid_t pid;

	a->restore_mask = false;
	switch (mode) {
	case M_FORK:
		pid = fork();
		if (pid == 0)
			_exit(child_main(a));
		return pid;
	case M_VFORK:
		pid = vfork();
		if (pid == 0)
			_exit(child_main(a));
		return pid;
	default: {
		/* As posix_spawn: every signal blocked around the clone, the
		 * caller's mask restored in the child. */
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &a->mask);
		a->restore_mask = true;
		pid = clone(child_main, child_stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, a);
		int e = errno;
		pthread_sigmask(SIG_SETMASK, &a->mask, NULL);
		errno = e;
		return pid;
	}
	}
}

/* ---- the parent ---- */

static const char *fdexact;

static void describe(char *buf, size_t len, int st, const struct child_arg *a)
{
	static const char *const step_name[] = { "before its timer", "setting up",
						 "in closefds_close_except", "exec'ing fdexact" };
	int step = sh->step >= 0 && sh->step <= 3 ? sh->step : 0;

	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		snprintf(buf, len, "deadlock: no exec within %ld ms, the child was %s", bound_ms,
			 step_name[step]);
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "the child died of signal %d %s", WTERMSIG(st), step_name[step]);
	else if (WEXITSTATUS(st) == 1)
		snprintf(buf, len, "fdexact found the wrong table");
	else if (WEXITSTATUS(st) == 100)
		snprintf(buf, len, "closefds_close_except failed: %s", strerror(sh->err));
	else if (WEXITSTATUS(st) == 127)
		snprintf(buf, len, "execve %s: %s", fdexact, strerror(sh->err));
	else
		snprintf(buf, len, "the child exited %d (step %d, errno %s)", WEXITSTATUS(st), step,
			 strerror(sh->err));
	(void)a;
}

struct tally {
	int runs, ok, failed, deadlocks, wrong;
	int by_env[N_CENVS];
	char first[512];
};

/* One spawn: 0 when the child's table was exact, else the wait status
 * (-1: the spawn itself failed). */
static int one(enum mode mode, struct child_arg *a, struct tally *t)
{
	int st;

	sh->step = 0;
	sh->err = 0;
	sh->pid = 0;
	fflush(stdout);
	waiting_what = mode_name[mode];
	atomic_store(&waiting_pid, 0);
	atomic_store(&waiting_since_ms, now_ms());
	pid_t pid = spawn(mode, a);
	if (pid < 0) {
		atomic_store(&waiting_since_ms, 0);
		if (!t->first[0])
			snprintf(t->first, sizeof(t->first), "%s: %s", mode_name[mode], strerror(errno));
		t->runs++;
		t->failed++;
		return -1;
	}
	atomic_store(&waiting_pid, pid);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	atomic_store(&waiting_since_ms, 0);
	t->runs++;
	t->by_env[a->env]++;
	if (st == 0) {
		t->ok++;
		return 0;
	}
	t->failed++;
	t->deadlocks += st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
	t->wrong += st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1;
	if (!t->first[0]) {
		char why[256];
		describe(why, sizeof(why), st, a);
		snprintf(t->first, sizeof(t->first), "run %d (%s, keep", t->runs, cenv_name[a->env]);
		for (size_t i = 0; i < a->n_keep; i++)
			snprintf(t->first + strlen(t->first), sizeof(t->first) - strlen(t->first), " %d",
				 a->keep[i]);
		snprintf(t->first + strlen(t->first), sizeof(t->first) - strlen(t->first),
			 ", flags %#x): %s", a->flags, why);
	}
	return st;
}

/* The arguments of run i: a keep list of one or two fixed descriptors, with
 * a duplicate, a number below 3 or a negative one now and then. */
static void make_case(unsigned *seed, int i, bool seccomp, enum broken broken, struct child_arg *a)
{
	unsigned x = (unsigned)rand_r(seed);
	int k1 = (int)(x % N_FIXED), k2 = (int)((x >> 4) % N_FIXED);
	size_t n = 0, na = 1;

	/* The controls' failures are expected: fdexact says nothing. */
	if (broken == B_SKIP)
		a->argv[na++] = (char *)"-q";

	a->keep[n++] = fixed[k1].fd;
	a->argv[na++] = fixed_arg[k1];
	if ((x >> 8) & 1 && k2 != k1) {
		a->keep[n++] = fixed[k2].fd;
		a->argv[na++] = fixed_arg[k2];
	}
	if ((x >> 9) % 4 == 0)
		a->keep[n++] = fixed[k1].fd; /* a duplicate */
	if ((x >> 11) % 4 == 0)
		a->keep[n++] = (x >> 13) & 1 ? 1 : -1;
	a->n_keep = n;
	a->argv[0] = (char *)fdexact;
	a->argv[na] = NULL;
	a->flags = i % 2 ? CLOSEFDS_CLOEXEC : 0;
	a->env = seccomp ? (enum cenv)((i / 2) % N_CENVS) : C_PLAIN;
	a->broken = broken;
	/* The lowest fixed descriptor not kept: the one B_SKIP leaves. */
	a->skip_fd = -1;
	for (int f = 0; f < N_FIXED && a->skip_fd < 0; f++)
		if (f != k1 && !(n > 1 && a->keep[1] == fixed[f].fd))
			a->skip_fd = fixed[f].fd;
}

/* The open descriptors below SCAN_TOP as a bitmap. */
static void snapshot(unsigned char *bits)
{
	memset(bits, 0, SCAN_TOP / 8);
	for (int fd = 0; fd < SCAN_TOP; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			bits[fd / 8] |= (unsigned char)(1 << (fd % 8));
}

static void diff_tables(const unsigned char *before, const unsigned char *after)
{
	int shown = 0;

	for (int fd = 0; fd < SCAN_TOP && shown < 8; fd++) {
		bool b = before[fd / 8] & (1 << (fd % 8)), a = after[fd / 8] & (1 << (fd % 8));
		if (b != a) {
			printf("#   descriptor %d %s\n", fd, b ? "was closed" : "was left open");
			shown++;
		}
	}
}

int main(int argc, char *argv[])
{
	int forks = 300;
	bool controls = true, seccomp;
	enum broken broken = B_NONE;

	if (argc < 2) {
		fprintf(stderr, "usage: forkstress FDEXACT [--forks N] [--bound-ms MS] [--no-controls] "
				"[--broken skip|stdio|malloc|lock]\n");
		return 2;
	}
	fdexact = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--forks") == 0 && i + 1 < argc)
			forks = atoi(argv[++i]);
		else if (strcmp(argv[i], "--bound-ms") == 0 && i + 1 < argc)
			bound_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			n_threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--control-runs") == 0 && i + 1 < argc)
			control_runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-controls") == 0)
			controls = false;
		else if (strcmp(argv[i], "--broken") == 0 && i + 1 < argc) {
			const char *b = argv[++i];
			broken = strcmp(b, "skip") == 0    ? B_SKIP
				 : strcmp(b, "stdio") == 0  ? B_STDIO
				 : strcmp(b, "malloc") == 0 ? B_MALLOC
				 : strcmp(b, "lock") == 0   ? B_LIBLOCK
							    : B_NONE;
			if (broken == B_NONE) {
				fprintf(stderr, "forkstress: --broken skip|stdio|malloc|lock\n");
				return 2;
			}
		} else {
			fprintf(stderr, "forkstress: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (forks < 1 || bound_ms < 100 || control_runs < 1 || n_threads < 0 || n_threads > N_THREADS) {
		fprintf(stderr, "forkstress: --forks >= 1, --bound-ms >= 100, --control-runs >= 1, --threads 0 to %d\n", N_THREADS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* The clone child's stack, a guard page below it. */
	char *stack_map = mmap(NULL, CHILD_STACK + 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (sh == MAP_FAILED || stack_map == MAP_FAILED || mprotect(stack_map, 4096, PROT_NONE) < 0) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	child_stack = stack_map + 4096;

	/* Before the threads: the fixed descriptors and the FILE. */
	for (int f = 0; f < N_FIXED; f++) {
		struct stat st;
		if (tl_place(fixed[f].kind, fixed[f].fd) < 0 || fstat(fixed[f].fd, &st) < 0) {
			printf("Bail out! cannot place %s at %d\n", tl_kind_name(fixed[f].kind),
			       fixed[f].fd);
			return 1;
		}
		snprintf(fixed_arg[f], sizeof(fixed_arg[f]), "%d=%llu:%llu", fixed[f].fd,
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	}
	hammered = fopen("/dev/null", "w");
	if (!hammered) {
		printf("Bail out! fopen /dev/null: %s\n", strerror(errno));
		return 1;
	}
	seccomp = tl_seccomp_works();
	static unsigned char before[SCAN_TOP / 8], after[SCAN_TOP / 8];
	snapshot(before);

	int planned = N_MODES + 2 + (controls ? 2 * N_MODES : 0);
	printf("1..%d\n", planned);
	if (!seccomp)
		printf("# no seccomp filter can be installed here%s%s: every child runs plain\n",
		       tl_emulator() ? " (under " : "", tl_emulator() ? tl_emulator() : "");

	pthread_t th[N_THREADS], wd;
	if (pthread_create(&wd, NULL, watchdog, NULL) != 0) {
		printf("Bail out! pthread_create\n");
		return 1;
	}
	for (size_t i = 0; i < (size_t)n_threads; i++)
		if (pthread_create(&th[i], NULL, hammer, (void *)(i + 1)) != 0) {
			printf("Bail out! pthread_create\n");
			return 1;
		}
	unsigned seed = 12345;
	static struct child_arg a;
	/* clone(CLONE_VM) without CLONE_THREAD: qemu-user refuses it. */
	const char *clone_skip = NULL;
	if (tl_emulator()) {
		struct tally t = { 0 };
		make_case(&seed, 0, false, B_NONE, &a);
		if (one(M_CLONE, &a, &t) == -1)
			clone_skip = "clone(CLONE_VM|CLONE_VFORK) fails under the emulator";
	}

	if (controls) {
		/* Controls, which must be caught: one descriptor left open, in
		 * every mode; a child blocked on a lock the parent holds, with a
		 * short bound. */
		for (int m = 0; m < N_MODES; m++) {
			struct tally t = { 0 };
			if (m == M_CLONE && clone_skip) {
				printf("ok %d - control: a close_except that leaves one descriptor open [%s] # SKIP %s\n",
				       ++tl_tap_number, mode_name[m], clone_skip);
				continue;
			}
			for (int i = 0; i < control_runs; i++) {
				make_case(&seed, i, seccomp, B_SKIP, &a);
				one((enum mode)m, &a, &t);
			}
			tl_result(t.wrong == control_runs,
				  "control: a close_except that leaves one descriptor open is caught every time [%s] (%d of %d)",
				  mode_name[m], t.wrong, control_runs);
			if (t.first[0])
				printf("#   first: %s\n", t.first);
		}
		long saved = bound_ms;
		bound_ms = 300;
		pthread_mutex_lock(&held);
		for (int m = 0; m < N_MODES; m++) {
			struct tally t = { 0 };
			if (m == M_CLONE && clone_skip) {
				printf("ok %d - control: a child blocked on a lock [%s] # SKIP %s\n",
				       ++tl_tap_number, mode_name[m], clone_skip);
				continue;
			}
			make_case(&seed, 0, false, B_LOCK, &a);
			one((enum mode)m, &a, &t);
			tl_result(t.deadlocks == 1,
				  "control: a child blocked on a lock the parent holds is caught by the bound of %ld ms [%s]",
				  bound_ms, mode_name[m]);
			if (t.first[0])
				printf("#   %s\n", t.first);
		}
		pthread_mutex_unlock(&held);
		bound_ms = saved;
	}

	for (int m = 0; m < N_MODES; m++) {
		struct tally t = { 0 };
		if (m == M_CLONE && clone_skip) {
			printf("ok %d - %d children by %s # SKIP %s\n", ++tl_tap_number, forks,
			       mode_name[m], clone_skip);
			continue;
		}
		long long t0 = now_ms();
		for (int i = 0; i < forks; i++) {
			make_case(&seed, i, seccomp, broken, &a);
			one((enum mode)m, &a, &t);
		}
		tl_result(t.ok == forks,
			  "%d children by %s from a parent with %d hammering threads: %d exact tables, %d deadlocks, %d other failures (%d plain, %d close_range EPERM, %d close_range SIGSYS; %lld ms)",
			  forks, mode_name[m], n_threads, t.ok, t.deadlocks, t.failed - t.deadlocks,
			  t.by_env[C_PLAIN], t.by_env[C_EPERM], t.by_env[C_TRAP], now_ms() - t0);
		if (t.first[0])
			printf("#   first failure: %s\n", t.first);
	}

	atomic_store(&stop, true);
	for (size_t i = 0; i < (size_t)n_threads; i++)
		pthread_join(th[i], NULL);
	snapshot(after);
	bool same = memcmp(before, after, sizeof(before)) == 0;
	tl_result(same, "the parent's descriptor table is as it was before the threads started");
	if (!same)
		diff_tables(before, after);
	int st;
	pid_t left = waitpid(-1, &st, WNOHANG);
	tl_result(left < 0 && errno == ECHILD, "no child left behind (waitpid: %s)",
		  left < 0 ? strerror(errno) : "a child is still there");
	fclose(hammered);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
