/* fdexec.c: the release checks' launcher (contrib/release.sh), built for
 * the machine that runs the checks.  It puts descriptors in place that a
 * shell cannot make, optionally installs a seccomp filter that traps
 * close_range, and executes PROGRAM (a release binary, or qemu-user with
 * one), which inherits both.
 *
 * Usage: fdexec [-o FD:PATH]... [-t] [--] PROGRAM [ARG]...
 *   -o FD:PATH  open PATH with O_PATH at descriptor FD (poll and select
 *               cannot see such a descriptor; closefds must close it)
 *   -t          answer close_range with SIGSYS (SECCOMP_RET_TRAP), as
 *               Android's app filter does; qemu-user cannot run a program
 *               under a filter of its own (it refuses PR_SET_SECCOMP), so
 *               this is for native runs only
 * Exit 125 with one line on stderr if it cannot do that. */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CLOSE_RANGE_NR 436 /* the same number in every Linux ABI (5.9) */

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "fdexec: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "",
		strerror(errno));
	return 125;
}

static int place_opath(const char *spec)
{
	char *end;
	long fd;
	int tmp;

	errno = 0;
	fd = strtol(spec, &end, 10);
	if (errno || end == spec || *end != ':' || fd < 3 || fd > 65535) {
		errno = EINVAL;
		return -1;
	}
	tmp = open(end + 1, O_PATH | O_CLOEXEC);
	if (tmp < 0)
		return -1;
	if (tmp != fd && (dup2(tmp, (int)fd) < 0 || close(tmp) < 0))
		return -1;
	if (tmp == fd && fcntl(tmp, F_SETFD, 0) < 0)
		return -1;
	return 0;
}

/* Every ABI's close_range: the filter does not look at the arch, so an
 * i386 program on an x86_64 kernel is trapped too (x32's numbers carry a
 * bit of their own and do not match). */
static int trap_close_range(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLOSE_RANGE_NR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

int main(int argc, char **argv)
{
	int trap = 0, c;

	while ((c = getopt(argc, argv, "+o:t")) != -1) {
		switch (c) {
		case 'o':
			if (place_opath(optarg) < 0)
				return die("cannot place", optarg);
			break;
		case 't':
			trap = 1;
			break;
		default:
			fprintf(stderr, "fdexec: usage: fdexec [-o FD:PATH]... [-t] [--] PROGRAM [ARG]...\n");
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fdexec: no PROGRAM\n");
		return 125;
	}
	if (trap && trap_close_range() < 0)
		return die("cannot install the close_range trap", NULL);
	execvp(argv[optind], argv + optind);
	return die("cannot execute", argv[optind]);
}
