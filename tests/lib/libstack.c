/* libstack.c: how much stack each libclosefds function uses, in every
 * environment (each takes another path: close_range, /proc, the select
 * probe, the close() loop, a trapped call whose signal frame lands on the
 * same stack), measured on a thread whose stack is painted before the call
 * and read after (the deepest byte changed), with a guard page below it.
 * Each must stay within LIBCLOSEFDS_STACK_MAX, the figure the man pages
 * state (closefds_close_except(3), STACK USE).  Under AddressSanitizer the
 * frames are not the real ones: the figures are printed, not checked.
 * TAP output.  Usage: libstack */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "closefds.h"
#include "testlib.h"

/* The figure in the man pages. */
#define LIBCLOSEFDS_STACK_MAX (16 * 1024)
/* The thread's stack: room for a caller around the call too. */
#define STACK_SIZE (256 * 1024)
#define PAINT 0xa5

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

enum fn { FN_CLOSE, FN_CLOSE_CLOEXEC, FN_TABLE_SIZE, FN_FOR_EACH, FN_CHECK, FN_COUNT, FN_NONE };
static const char *const fn_names[FN_COUNT] = {
	"closefds_close_except", "closefds_close_except CLOSEFDS_CLOEXEC", "closefds_table_size",
	"closefds_for_each_open", "closefds_check",
};

struct call {
	enum fn fn;
	int result;
	int err;
};

static int nop(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	return 0;
}

static void *run_call(void *arg)
{
	struct call *c = arg;
	static const int keep[] = { 9, 700, 4, 9 };

	switch (c->fn) {
	case FN_CLOSE:
		c->result = closefds_close_except(3, keep, 4, 0);
		break;
	case FN_CLOSE_CLOEXEC:
		c->result = closefds_close_except(3, keep, 4, CLOSEFDS_CLOEXEC);
		break;
	case FN_TABLE_SIZE:
		c->result = closefds_table_size() > 0 ? 0 : -1;
		break;
	case FN_FOR_EACH:
		c->result = closefds_for_each_open(0, nop, NULL);
		break;
	case FN_CHECK:
		c->result = closefds_check(3, keep, 4, NULL) >= 0 ? 0 : -1;
		break;
	case FN_COUNT:
	case FN_NONE:
		c->result = 0;
		break;
	}
	c->err = errno;
	return NULL;
}

/* Shared with the children: the bytes used, or -1 and why. */
struct outcome {
	long used;
	char why[256];
};

/* The deepest byte of the painted stack the call on its own thread
 * changed, from the top: glibc puts the thread's descriptor and TLS there. */
static long on_stack(char *stack, struct call *c)
{
	pthread_attr_t attr;
	pthread_t t;

	memset(stack, PAINT, STACK_SIZE);
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, STACK_SIZE) ||
	    pthread_create(&t, &attr, run_call, c) || pthread_join(t, NULL))
		return -1;
	/* The stack grows down: the lowest byte changed is the deepest. */
	long low = 0;
	while (low < STACK_SIZE && (unsigned char)stack[low] == PAINT)
		low++;
	return STACK_SIZE - low;
}

/* The call's stack use: what it takes on its thread, less what a thread
 * calling nothing takes (its descriptor, TLS, the start routine). */
static void measure(enum tl_env env, enum fn fn, struct outcome *o)
{
	long page = sysconf(_SC_PAGESIZE);
	struct call none = { FN_NONE, -1, 0 }, c = { fn, -1, 0 };

	o->used = -1;
	/* Descriptors for every path to close: low, spread, O_PATH. */
	for (int fd = 3; fd < 40; fd += 3)
		if (tl_place(fd % 2 ? TL_DEVNULL : TL_PATH_FILE, fd) < 0)
			goto fail;
	if (tl_place(TL_PIPE_R, 700) < 0 || tl_place(TL_PATH_DIR, 1400) < 0)
		goto fail;
	if (tl_env_apply(env) < 0)
		goto fail;
	char *base = mmap(NULL, STACK_SIZE + (size_t)page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || mprotect(base, (size_t)page, PROT_NONE) < 0) {
		snprintf(o->why, sizeof(o->why), "mmap: %s", strerror(errno));
		return;
	}
	char *stack = base + page;
	long idle = on_stack(stack, &none), used = on_stack(stack, &c);
	if (idle < 0 || used < 0) {
		snprintf(o->why, sizeof(o->why), "pthread: cannot run the call on its own stack");
		return;
	}
	if (c.result != 0) {
		snprintf(o->why, sizeof(o->why), "%s failed: %s", fn_names[fn], strerror(c.err));
		return;
	}
	o->used = used - idle;
	return;
fail:
	snprintf(o->why, sizeof(o->why), "setup: %s", strerror(errno));
}

static struct outcome *shared;

static void env_cases(void *arg)
{
	enum tl_env env = *(const enum tl_env *)arg;

	for (int fn = 0; fn < FN_COUNT; fn++) {
		if (tl_env_uses_seccomp(env) && !tl_seccomp_works()) {
			printf("ok %d - %s [%s] # SKIP no seccomp filter can be installed here%s%s\n",
			       ++tl_tap_number, fn_names[fn], tl_env_name(env),
			       tl_emulator() ? ": " : "", tl_emulator() ? tl_emulator() : "");
			continue;
		}
		fflush(stdout);
		shared->used = -1;
		shared->why[0] = '\0';
		pid_t pid = tl_fork();
		if (pid == 0) {
			syscall(436 /* close_range */, 3U, ~0U, 0U);
			measure(env, (enum fn)fn, shared);
			_exit(0);
		}
		int st;
		bool ran = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && shared->used >= 0;
		long used = shared->used;
#ifdef SANITIZED
		tl_result(ran, "%s [%s]: %ld bytes of stack (not checked under AddressSanitizer)",
			  fn_names[fn], tl_env_name(env), used);
#else
		tl_result(ran && used <= LIBCLOSEFDS_STACK_MAX,
			  "%s [%s]: %ld bytes of stack, at most %d", fn_names[fn], tl_env_name(env),
			  used, LIBCLOSEFDS_STACK_MAX);
#endif
		if (!ran && pid > 0 && WIFSIGNALED(st))
			printf("#   killed by signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
		else if (!ran)
			printf("#   %s\n", shared->why);
	}
}

int main(void)
{
	struct rlimit rl;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int env = 0; env < TL_ENV_COUNT; env++) {
		enum tl_env e = (enum tl_env)env;
		if (tl_env_group(e, env_cases, &e) < 0)
			tl_result(false, "environment %s could not be set up", tl_env_name(e));
	}
	printf("1..%d\n", tl_tap_number);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
