/* reportertest.c: the probe's report lists the table it has.  Every kind
 * of descriptor (O_PATH too) at a low, a middle and a high number, the
 * report from a proc listing compared with the fcntl walk over every slot,
 * in the environments that hide /proc (where the listing comes from the
 * proc mounted beside the reports), and with /proc/self/fd forged by a bind
 * mount of another process's (the listing must not be used).  Output: TAP. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static const int at[3] = { 3, 700, 19900 };

/* In a child: place every kind, write the report twice (listing, walk) and
 * exit 0 if the two agree and hold every placed descriptor; with forge, a
 * bind mount of another process's fd directory over this one's first. */
static int place_and_compare(bool forge, char *why, size_t len)
{
	static struct tl_report listed, walked;
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/listed", tl_workdir());
	snprintf(b, sizeof(b), "%s/walked", tl_workdir());
	for (int k = 0; k < TL_KIND_COUNT; k++)
		for (int r = 0; r < 3 && !tl_kind_unavailable((enum tl_kind)k); r++)
			if (tl_place((enum tl_kind)k, at[r] + k) < 0) {
				snprintf(why, len, "cannot place %s", tl_kind_name((enum tl_kind)k));
				return -1;
			}
	if (forge) {
		char from[64], to[64];
		snprintf(from, sizeof(from), "/proc/%d/fd", (int)getppid());
		snprintf(to, sizeof(to), "/proc/%d/fd", (int)getpid());
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(from, to, NULL, MS_BIND, NULL) < 0) {
			snprintf(why, len, "cannot bind %s over %s", from, to);
			return -1;
		}
	}
	unsetenv("CLOSEFDS_TEST_REPORT_WALK");
	if (tl_write_report(a) < 0 || tl_read_report(a, &listed) < 0) {
		snprintf(why, len, "no report from the listing");
		return -1;
	}
	setenv("CLOSEFDS_TEST_REPORT_WALK", "1", 1);
	if (tl_write_report(b) < 0 || tl_read_report(b, &walked) < 0) {
		snprintf(why, len, "no report from the walk");
		return -1;
	}
	for (int k = 0; k < TL_KIND_COUNT; k++)
		for (int r = 0; r < 3 && !tl_kind_unavailable((enum tl_kind)k); r++)
			if (!tl_report_identity(&listed, at[r] + k)) {
				snprintf(why, len, "%s at %d missing from the report", tl_kind_name((enum tl_kind)k),
					 at[r] + k);
				return -1;
			}
	if (listed.n != walked.n) {
		snprintf(why, len, "the listing has %d descriptors, the walk %d", listed.n, walked.n);
		return -1;
	}
	for (int i = 0; i < listed.n; i++)
		if (listed.fd[i] != walked.fd[i] || strcmp(listed.id[i], walked.id[i]) != 0 ||
		    listed.cloexec[i] != walked.cloexec[i]) {
			snprintf(why, len, "descriptor %d: listed %d %s, walked %d %s", i, listed.fd[i],
				 listed.id[i], walked.fd[i], walked.id[i]);
			return -1;
		}
	snprintf(why, len, "%d descriptors", listed.n);
	return 0;
}

struct group_arg {
	enum tl_env env;
	bool forge;
};

/* In the environment's child (tl_env_group): it is thrown away after. */
static void one(void *p)
{
	const struct group_arg *g = p;
	char why[256];
	bool ok = place_and_compare(g->forge, why, sizeof(why)) == 0;

	tl_result(ok, "%s%s: the listed report is the walked one (%s)", tl_env_name(g->env),
		  g->forge ? ", /proc/self/fd a bind mount of another process's" : "", why);
}

int main(void)
{
	static const enum tl_env envs[] = { TL_PLAIN, TL_NO_PROC, TL_TMPFS_PROC };
	size_t n = sizeof(envs) / sizeof(envs[0]);

	printf("1..%zu\n", n + 1);
	for (size_t i = 0; i < n; i++) {
		struct group_arg g = { envs[i], false };
		tl_env_group(envs[i], one, &g);
	}
	struct group_arg f = { TL_PLAIN, true };
	tl_env_group(TL_PLAIN, one, &f);
	tl_cleanup();
	return tl_tap_failures ? 1 : 0;
}
