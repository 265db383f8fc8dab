/* fdbound.c: the size of the descriptor table, the bound below which every
 * open descriptor lies.
 *
 * The kernel knows it (fs/file.c: fdt->max_fds; /proc/self/status prints
 * it as FDSize).  It covers every open descriptor whatever the limits are
 * now, including one above a hard RLIMIT_NOFILE lowered after it was
 * opened, which is why max(soft, hard) is only the last resort.
 *
 * Without /proc, select() tells: fs/select.c core_sys_select() clamps its
 * first argument to max_fds ("if (n > max_fds) n = max_fds") before it
 * copies the bitmaps in, so pselect6(k + 1, ...) with a zero timeout
 * answers "is slot k inside the table?" in one of two ways:
 *  - below slot 1024, with bit k set in a buffer on the stack: EBADF
 *    (max_select_fd() found k closed) or a count means inside; 0 means
 *    beyond the table, or open and not ready, which fcntl tells apart;
 *  - from 1024 up, with no bit set, the bitmap placed so that its first k
 *    bits are readable and the word holding bit k lies in an inaccessible
 *    page: the kernel copies whole words up to min(k + 1, max_fds), so
 *    EFAULT means inside and 0 (the copy stayed in the readable part) means
 *    beyond.  No set bit reaches an emulator: qemu-user copies the bitmap
 *    into the host's 1024-bit fd_set and aborts on a set bit past it, and,
 *    not clamping, it answers EFAULT for every slot, so the probe ends in
 *    EOVERFLOW and the next source is used.
 * The table grows by doubling from one word of bits (fs/file.c
 * alloc_fdtable()) and fs.nr_open caps it at a whole number of words, so a
 * gallop over powers of two, one check one word below the first miss, and
 * a binary search over words only when fs.nr_open capped the size find it
 * in a handful of calls.  No descriptor is needed (it works with a full
 * table) and no memory grows with the limit: the region the kernel reads
 * and writes back is one bit per slot of the table, at most.
 */
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

/* The kernel reads the bitmap in words of its unsigned long (x32: 64 bits,
 * though the ABI's long has 32); tables are whole words. */
#if defined(__x86_64__) && defined(__ILP32__)
#define WORD_BITS 64LL
#else
#define WORD_BITS ((long long)(8 * sizeof(unsigned long)))
#endif
/* The largest slot worth probing: n = k + 1 must fit an int, and fs.nr_open
 * is at most INT_MAX rounded down to a word. */
#define LAST_PROBE (INT_MAX & ~(WORD_BITS - 1))

/* A writable region with an inaccessible page right after it. */
struct probe_map {
	char *base;
	size_t len; /* readable and writable bytes, then the guard page */
};

static int probe_map_fit(struct probe_map *m, size_t need)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (need <= m->len)
		return 0;
	if (m->base)
		munmap(m->base, m->len + page);
	size_t len = m->len ? 2 * m->len : page;
	while (len < need)
		len *= 2;
	*m = (struct probe_map){ NULL, 0 };
	void *b = mmap(NULL, len + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (b == MAP_FAILED)
		return -errno;
	if (mprotect(b, len, PROT_READ | PROT_WRITE) < 0) {
		int err = -errno;
		munmap(b, len + page);
		return err;
	}
	*m = (struct probe_map){ b, len };
	return 0;
}

/* Below this slot the probe sets bit k in a small buffer on the stack: no
 * mapping to make.  Above it, no bit is set at all (see slot_in_table):
 * qemu-user copies the bitmap into the host's 1024-bit fd_set and aborts
 * the process for a set bit beyond it ("bit out of range 0 - FD_SETSIZE"). */
#define SMALL_SLOTS 1024

/* Slot k below SMALL_SLOTS: with bit k set, EBADF or a count means inside
 * (max_select_fd() found it closed, or polled it); 0 means beyond the table
 * or open and not ready, which fcntl tells apart. */
static int small_slot_in_table(int k)
{
	unsigned long words[SMALL_SLOTS / (8 * sizeof(unsigned long))] = { 0 };
	long n;

	words[(size_t)k / (8 * sizeof(unsigned long))] = 1UL << ((size_t)k % (8 * sizeof(unsigned long)));
	do {
		long long timeout[2] = { 0, 0 };
		n = syscall(SYS_PSELECT, k + 1, words, NULL, NULL, timeout, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EBADF ? 1 : -errno;
	return n > 0 || fd_open_state(k) == 1;
}

/* 1 if slot k (a multiple of WORD_BITS) is inside the table, 0 if not,
 * -errno if select fails otherwise (a filter: EPERM, ENOSYS, or a trap
 * turned into ENOSYS). */
static int slot_in_table(struct probe_map *m, int k)
{
	if (k < SMALL_SLOTS)
		return small_slot_in_table(k);

	size_t need = (size_t)k / 8;
	int r = probe_map_fit(m, need);
	long n;

	if (r < 0)
		return r;
	/* Bits 0 .. k-1 readable, the word holding bit k in the guard page. */
	void *bits = m->base + m->len - need;
	do {
		long long timeout[2] = { 0, 0 };
		n = syscall(SYS_PSELECT, k + 1, bits, NULL, NULL, timeout, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EFAULT ? 1 : -errno;
	return n == 0 ? 0 : -EPROTO; /* no bit was set: a count is nonsense */
}

static int table_size(struct probe_map *m)
{
	long long in = 0, out = -1; /* slot 0 is inside: stdio_repair */
	int r;

	/* Gallop: one word, two, four, ... 2^30 slots, then the last. */
	for (long long k = WORD_BITS; out < 0; k = k >= (1LL << 30) ? LAST_PROBE : 2 * k) {
		if ((r = slot_in_table(m, (int)k)) < 0)
			return r;
		if (r && k == LAST_PROBE)
			return -EOVERFLOW; /* no table is that large: select does not clamp */
		if (r)
			in = k;
		else
			out = k;
	}
	/* The usual case: the table is the power of two just found. */
	if (out - WORD_BITS == in)
		return (int)out;
	if ((r = slot_in_table(m, (int)(out - WORD_BITS))) < 0)
		return r;
	if (r)
		return (int)out;
	out -= WORD_BITS;
	/* Capped by fs.nr_open: a whole number of words in (in, out]. */
	while (out - in > WORD_BITS) {
		long long mid = in + (out - in) / WORD_BITS / 2 * WORD_BITS;
		if ((r = slot_in_table(m, (int)mid)) < 0)
			return r;
		if (r)
			in = mid;
		else
			out = mid;
	}
	return (int)out;
}

int fd_table_size_from_select(void)
{
	struct probe_map m = { NULL, 0 };
	int size = table_size(&m);

	if (m.base)
		munmap(m.base, m.len + (size_t)sysconf(_SC_PAGESIZE));
	return size;
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
