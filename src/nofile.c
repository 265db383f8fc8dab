/* nofile.c: --nofile.  The limit is the cost of every close loop below
 * COMMAND: a close() loop to sysconf(_SC_OPEN_MAX) takes about 205 ns a slot
 * in a podman + runc container here, 4.1 ms at 20000 and over 200 ms at
 * rootful podman's 1048576; systemd, containerd and moby settled on a soft
 * limit of 1024.  main() sets it after closing (a lowered limit must never
 * hide a descriptor from the scan) and just before the exec. */
#include "config.h"
#include "nofile.h"

#include "errbuf.h"

#include <errno.h>
#include <string.h>

#include "fdbound.h"
#include "fdscan.h"
#include "moves.h"
#include "decimal.h"

/* A limit: decimal digits, at most INT_MAX (the kernel's nr_open is at most
 * 2^30, so nothing a process may set is refused). */
static int parse_limit(const char *s, size_t len, rlim_t *out)
{
	int v;
	int r = parse_fd_number(s, len, &v);

	if (r == 0)
		*out = (rlim_t)v;
	return r;
}

int nofile_parse(const char *arg, struct nofile_request *req, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t soft_len = colon ? (size_t)(colon - arg) : strlen(arg);
	struct nofile_request r = { .arg = arg };
	int e = 0;

	if (soft_len == 4 && strncmp(arg, "safe", 4) == 0)
		r.safe = true;
	else if (soft_len > 0 || !colon)
		r.set_soft = (e = parse_limit(arg, soft_len, &r.soft)) == 0;
	if (e == 0 && colon && colon[1] != '\0')
		r.set_hard = (e = parse_limit(colon + 1, strlen(colon + 1), &r.hard)) == 0;
	if (e < 0)
		return errbuf_set(err, errlen,
			    "invalid --nofile '%s': expected SOFT[:HARD], SOFT a number, 'safe' or empty, HARD a number or empty (%s)",
			    arg, e == -ERANGE ? "number too large" : "not a decimal number");
	*req = r;
	return 0;
}

static void limit_text(char *buf, size_t len, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "infinity");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

int nofile_target(const struct nofile_request *req, const struct rlimit *cur,
		  struct rlimit *want, char *err, size_t errlen)
{
	char soft[32], hard[32];

	want->rlim_max = req->set_hard ? req->hard : cur->rlim_max;
	if (req->safe)
		want->rlim_cur = want->rlim_max < NOFILE_SAFE_SOFT ? want->rlim_max : NOFILE_SAFE_SOFT;
	else
		want->rlim_cur = req->set_soft ? req->soft : cur->rlim_cur;
	if (want->rlim_cur <= want->rlim_max)
		return 0;
	limit_text(soft, sizeof(soft), want->rlim_cur);
	limit_text(hard, sizeof(hard), want->rlim_max);
	return errbuf_set(err, errlen, "invalid --nofile '%s': the soft limit (%s%s) is above the hard limit (%s%s)",
		    req->arg, soft, req->set_soft ? "" : ", unchanged", hard,
		    req->set_hard ? "" : ", unchanged");
}

void nofile_print(FILE *out, const struct rlimit *l)
{
	char soft[32], hard[32];

	limit_text(soft, sizeof(soft), l->rlim_cur);
	limit_text(hard, sizeof(hard), l->rlim_max);
	fprintf(out, "soft %s, hard %s", soft, hard);
}

/* Stop the scan at the first open descriptor: fd_find_open stops on a
 * negative return, so a sentinel that no system call returns here. */
#define FOUND_SENTINEL (-ECANCELED)
static int found_open(int fd, void *ctx)
{
	*(int *)ctx = fd;
	return FOUND_SENTINEL;
}

int nofile_first_kept_above(const struct fd_set_ranges *keep, const struct fd_move *moves,
			    size_t n, rlim_t soft, int *fd)
{
	int first = -1;
	struct fd_bound b;

	for (size_t i = 0; i < n; i++)
		if ((rlim_t)moves[i].dst >= soft && (first < 0 || moves[i].dst < first))
			first = moves[i].dst;
	/* Every open descriptor is below the bound (the table size, or the
	 * limits before they change). */
	int r = fd_bound_get(&b);
	if (r < 0)
		return r;
	for (size_t i = 0; i < keep->n; i++) {
		const struct fd_range *k = &keep->v[i];
		int lo = (rlim_t)k->lo >= soft ? k->lo : (int)soft;
		int hi = k->hi < b.limit - 1 ? k->hi : b.limit - 1;
		if ((rlim_t)k->hi < soft || lo > hi || (first >= 0 && lo >= first))
			continue;
		int found = -1;
		r = fd_find_open(lo, hi, found_open, &found);
		if (r < 0 && r != FOUND_SENTINEL)
			return r;
		if (found >= 0 && (first < 0 || found < first))
			first = found;
	}
	*fd = first;
	return 0;
}
