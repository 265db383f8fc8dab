/* fdbound.c: the size of the descriptor table, the bound below which every
 * open descriptor lies.
 *
 * The kernel knows it (fs/file.c: fdt->max_fds; /proc/self/status prints
 * it as FDSize).  It covers every open descriptor whatever the limits are
 * now, including one above a hard RLIMIT_NOFILE lowered after it was
 * opened, which is why max(soft, hard) is only the last resort.
 *
 * Without /proc, select() tells: fs/select.c core_sys_select() clamps its
 * first argument to max_fds ("if (n > max_fds) n = max_fds"), and
 * max_select_fd() fails with EBADF for a bit set on a descriptor that is
 * not open below that bound.  So a zero-timeout pselect6(k + 1) with only
 * bit k set answers "is slot k inside the table?": EBADF or a count > 0
 * means inside; 0 means beyond the table, or open and not ready, which
 * fcntl(F_GETFD) tells apart.  The table grows by doubling from one word
 * of bits (fs/file.c alloc_fdtable()) and is capped by fs.nr_open, so a
 * gallop over powers of two, one check below the first miss, and a binary
 * search only when fs.nr_open capped the size find it in a handful of
 * calls.  No descriptor is needed (it works with a full table) and no
 * memory grows with the limit: the bitmap is read by the kernel only up to
 * the table size, so slots up to 32767 use a buffer on the stack and larger
 * ones an anonymous mapping that is never touched but for the page with
 * bit k (untouched pages read as the shared zero page). */
#include "config.h"
#include "fdbound.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if IS_LINUX
#include <sys/mman.h>
#include <sys/syscall.h>
#endif

#include "fdscan.h"

int fd_table_size_from_proc(void)
{
	/* "FDSize:" is in the first kilobyte of status; read 4 KiB into a fixed
	 * buffer, no stdio, no allocation. */
	static const char key[] = "\nFDSize:";
	char buf[4096];
	size_t len = 0;
	int fd, r = -ENOENT;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (!fd_is_procfs(fd)) {
		close(fd);
		return -ENOENT;
	}
	while (len < sizeof(buf) - 1) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	const char *p = strstr(buf, key);
	if (!p)
		return r;
	p += sizeof(key) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	long long v = 0;
	const char *digits = p;
	while (*p >= '0' && *p <= '9' && v <= INT_MAX)
		v = v * 10 + (*p++ - '0');
	if (p == digits || *p != '\n' || v <= 0 || v > INT_MAX)
		return -EINVAL;
	return (int)v;
}

#if IS_LINUX && (defined(SYS_pselect6) || defined(SYS_pselect6_time64))
/* pselect6 itself: glibc's fd_set and FD_SET stop at 1024.  The 64-bit
 * call where the ABI has both (i386), so the timeout is a
 * __kernel_timespec either way; 16 zero bytes are a zero timeout in every
 * layout (the kernel writes the time left back: it must be writable). */
#ifdef SYS_pselect6_time64
#define SYS_PSELECT SYS_pselect6_time64
#else
#define SYS_PSELECT SYS_pselect6
#endif

#define BITS_PER_WORD (8 * sizeof(unsigned long))
#define STACK_BITS 32768

/* 1 if slot k is inside the table, 0 if not, -errno if select fails
 * otherwise (seccomp: EPERM, ENOSYS, or a trap turned into ENOSYS). */
static int slot_in_table(int k)
{
	unsigned long stack_words[STACK_BITS / BITS_PER_WORD];
	unsigned long *words = stack_words;
	size_t map_len = 0;
	long r;

	if ((unsigned)k < STACK_BITS) {
		memset(stack_words, 0, sizeof(stack_words));
	} else {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		map_len = ((size_t)k / BITS_PER_WORD + 1) * sizeof(unsigned long);
		map_len = (map_len + page - 1) / page * page;
		void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		words = m;
	}
	/* In words of unsigned long, as the kernel reads it (big-endian too). */
	words[(size_t)k / BITS_PER_WORD] = 1UL << ((size_t)k % BITS_PER_WORD);
	do {
		long long timeout[2] = { 0, 0 };
		r = syscall(SYS_PSELECT, k + 1, words, NULL, NULL, timeout, NULL);
	} while (r < 0 && errno == EINTR);
	int err = errno;
	if (map_len)
		munmap(words, map_len);
	if (r < 0)
		return err == EBADF ? 1 : -err;
	if (r > 0)
		return 1;
	return fd_open_state(k) == 1; /* open and not ready: inside */
}

int fd_table_size_from_select(void)
{
	int inside = 2; /* 0, 1 and 2 are open (stdio_repair) */
	int outside = -1;
	int r;

	/* Gallop: 32, 64, ... 2^30, then the largest slot select can name
	 * (fs.nr_open is at most INT_MAX rounded down to a word). */
	for (long long k = 32; outside < 0; k = k >= (1LL << 30) ? INT_MAX - 1 : 2 * k) {
		if ((r = slot_in_table((int)k)) < 0)
			return r;
		if (r)
			inside = (int)k;
		else
			outside = (int)k;
		if (k == INT_MAX - 1 && r)
			return -EOVERFLOW; /* no table is that large */
	}
	/* The usual case: the table is a power of two. */
	if ((r = slot_in_table(outside - 1)) < 0)
		return r;
	if (r)
		return outside;
	outside--;
	/* Capped by fs.nr_open: the first slot outside lies in
	 * (inside, outside]. */
	while (outside - inside > 1) {
		int mid = inside + (outside - inside) / 2;
		if ((r = slot_in_table(mid)) < 0)
			return r;
		if (r)
			inside = mid;
		else
			outside = mid;
	}
	return outside;
}
#else
int fd_table_size_from_select(void)
{
	return -ENOSYS;
}
#endif

static int rlim_to_int(rlim_t v)
{
	return (v == RLIM_INFINITY || v > (rlim_t)INT_MAX) ? INT_MAX : (int)v;
}

const char *fd_bound_source_name(enum fd_bound_source s)
{
	switch (s) {
	case BOUND_SELECT:
		return "the table size, probed with select";
	case BOUND_FDSIZE:
		return "FDSize";
	case BOUND_RLIMIT:
		break;
	}
	return "RLIMIT_NOFILE";
}

void fd_bound_get(struct fd_bound *b)
{
	struct rlimit rl;
	int size = fd_table_size_from_select();

	if (size > 0) {
		b->limit = size;
		b->source = BOUND_SELECT;
		return;
	}
	size = fd_table_size_from_proc();
	if (size > 0) {
		b->limit = size;
		b->source = BOUND_FDSIZE;
		return;
	}
	b->source = BOUND_RLIMIT;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		b->limit = INT_MAX;
		return;
	}
	int soft = rlim_to_int(rl.rlim_cur), hard = rlim_to_int(rl.rlim_max);
	b->limit = soft > hard ? soft : hard;
}
