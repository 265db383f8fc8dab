/* probecost.c: what closefds' table-size probe costs (fd_table_size_from_
 * select(), a zero-timeout pselect6 gallop, fdbound.c) against reading
 * FDSize from /proc/self/status (fd_table_size_from_proc()), for descriptor
 * tables of 256 slots up to the largest the hard RLIMIT_NOFILE lets a
 * process grow (a descriptor at n/2 makes the kernel allocate n slots, so a
 * hard limit of 20000 reaches 32768 with a descriptor at 16384, not 65536).
 *
 *   probecost [--reps N]
 *
 * Two ways per table size, each function on its own:
 *   hot:   one process, the table grown once, N calls timed one by one;
 *   fresh: N new processes (fork + exec of this program), each grows its
 *          table and times its first and only call: cold caches, the
 *          stack page and, for FDSize, /proc/self looked up for the first
 *          time, as in every closefds run.
 * Printed: medians in microseconds, and the number of select calls the
 * probe makes (counted by a copy of its gallop: 64, 128, ... up to the first
 * slot outside, then one check below it).  Both functions must return the
 * table size the kernel reports (FDSize) or it exits 1; timing is printed,
 * never checked. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdbound.h"

#define MAX_REPS 2001

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Grow this process's table to size slots: a descriptor at size / 2
 * (fs/file.c: the table is the next power of two of 128 slots or more
 * above the highest descriptor), closed again; the table stays. */
static int grow_table(int size)
{
	if (dup2(0, size / 2) < 0)
		return -1;
	close(size / 2);
	return 0;
}

enum which { SELECT, FDSIZE };

static int call(enum which w)
{
	return w == SELECT ? fd_table_size_from_select() : fd_table_size_from_proc();
}

/* probecost --fresh SIZE select|fdsize: grow, time one call, print
 * "us result" on stdout. */
static int fresh_child(int size, enum which w)
{
	if (grow_table(size) < 0)
		return 1;
	long long t0 = now_ns();
	int r = call(w);
	long long t1 = now_ns();
	printf("%.3f %d\n", (double)(t1 - t0) / 1000.0, r);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Runs self --fresh; returns the microseconds, sets *result. */
static double fresh_once(const char *self, int size, enum which w, int *result)
{
	char sz[16], buf[64];
	int p[2], status;
	double us = -1;

	snprintf(sz, sizeof(sz), "%d", size);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(127);
		execl(self, self, "--fresh", sz, w == SELECT ? "select" : "fdsize", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = pid < 0 ? -1 : read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0 || n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%lf %d", &us, result) != 2)
		return -1;
	return us;
}

/* The select calls the gallop in fdbound.c makes for a power-of-two table
 * (64-bit words): 64, 128, ... up to size (the first slot outside), then one
 * check a word below it, unless that slot was already found inside. */
static int probe_calls(int size)
{
	int n = 0;

	for (long long k = 64; k <= size; k *= 2)
		n++;
	return size > 64 ? n + 1 : n;
}

int main(int argc, char *argv[])
{
	static double hs[MAX_REPS], hp[MAX_REPS], fs[MAX_REPS], fp[MAX_REPS];
	int reps = 101;
	struct rlimit rl;
	bool ok = true;

	/* Line-buffered: nothing left in the buffer for a fork to copy. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "--fresh") == 0)
		return fresh_child(atoi(argv[2]), strcmp(argv[3], "select") == 0 ? SELECT : FDSIZE);
	if (argc == 3 && strcmp(argv[1], "--reps") == 0)
		reps = atoi(argv[2]);
	else if (argc != 1) {
		fputs("usage: probecost [--reps N]\n", stderr);
		return 2;
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "probecost: --reps must be 1..%d\n", MAX_REPS);
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	/* Nothing inherited: a fork's table covers only what is open. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (fd_table_size_from_proc() <= 0) {
		puts("1..0 # SKIP needs a procfs /proc to check the probe against");
		return 77;
	}

	printf("# table-size probe (pselect6 gallop) against FDSize from /proc/self/status\n"
	       "# hard RLIMIT_NOFILE %lld: a table of n slots needs a descriptor at n / 2;\n"
	       "# %d reps, medians in us; hot: repeated calls in one process, 1st: the one\n"
	       "# call of a fresh process (fork + exec)\n",
	       (long long)rl.rlim_max, reps);
	printf("%7s %6s %10s %10s %10s %10s %10s %10s\n", "table", "calls", "hot select",
	       "hot FDSize", "ratio", "1st select", "1st FDSize", "ratio");
	for (long long size = 256; size / 2 < (long long)rl.rlim_max && size <= (1LL << 30);
	     size *= 2) {
		int n = (int)size, r;
		pid_t pid = fork();
		if (pid == 0) {
			if (grow_table(n) < 0 || fd_table_size_from_proc() != n)
				_exit(1);
			for (int i = 0; i < reps; i++) {
				long long t0 = now_ns();
				r = fd_table_size_from_select();
				long long t1 = now_ns();
				int q = fd_table_size_from_proc();
				long long t2 = now_ns();
				if (r != n || q != n)
					_exit(1);
				hs[i] = (double)(t1 - t0) / 1000.0;
				hp[i] = (double)(t2 - t1) / 1000.0;
			}
			double ms = median(hs, reps), mp = median(hp, reps);
			printf("%7d %6d %10.2f %10.2f %10.2f", n, probe_calls(n), ms, mp, ms / mp);
			fflush(stdout);
			_exit(0);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0) {
			printf("%7d hot measurement failed (the probe or FDSize gave another size)\n",
			       n);
			ok = false;
			continue;
		}
		for (int i = 0; i < reps && ok; i++) {
			int a = -1, b = -1;
			fs[i] = fresh_once(argv[0], n, SELECT, &a);
			fp[i] = fresh_once(argv[0], n, FDSIZE, &b);
			if (fs[i] < 0 || fp[i] < 0 || a != n || b != n) {
				printf(" fresh run failed: select %d, FDSize %d\n", a, b);
				ok = false;
			}
		}
		if (!ok)
			break;
		double mfs = median(fs, reps), mfp = median(fp, reps);
		printf(" %10.2f %10.2f %10.2f\n", mfs, mfp, mfs / mfp);
	}
	return ok ? 0 : 1;
}
