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
/* Where pselect6 is refused (a filter), the same probe runs with select()
 * itself where this ABI has it (x86_64 select, i386 _newselect; arm64 and
 * the newer ABIs have only pselect6): one of the two is enough.  Under
 * RLIMIT_AS, or a filter that refuses mmap, the guard page cannot be made:
 * the probe then sets bit k in a buffer on the stack up to STACK_SLOTS.
 *
 * The probe either answers or says why not; fd_bound_get() decides what
 * that means (see fdbound.h): never a weaker bound without a word. */
#include "config.h"
#include "fdbound.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdflags.h"
#include "procfs.h"
#include "retry.h"

int fd_table_size_from_proc(void)
{
	int v = procfs_status_number("FDSize");

	return v == 0 ? -EINVAL : v;
}

/* The 64-bit pselect6 where the ABI has both (i386), so the timeout is a
 * __kernel_timespec either way; 16 zero bytes are a zero timeout in every
 * layout, timeval or timespec (the kernel writes the time left back: it
 * must be writable).  select() takes the same first four arguments. */
#ifdef SYS_pselect6_time64
#define SYS_PSELECT SYS_pselect6_time64
#else
#define SYS_PSELECT SYS_pselect6
#endif
#if defined(SYS__newselect)
#define SYS_SELECT SYS__newselect
#elif defined(SYS_select)
#define SYS_SELECT SYS_select
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

/* Below this slot the probe sets bit k in a small buffer on the stack: no
 * mapping to make.  Above it, no bit is set at all (see guard_slot):
 * qemu-user copies the bitmap into the host's 1024-bit fd_set and aborts
 * the process for a set bit beyond it ("bit out of range 0 - FD_SETSIZE").
 * Where no guard page can be mapped, the stack buffer serves up to
 * STACK_SLOTS (4 KiB of bits). */
#define SMALL_SLOTS 1024
#define STACK_SLOTS 32768

struct probe {
	long nr;    /* SYS_PSELECT or SYS_SELECT */
	char *base; /* the guard-page region, or NULL */
	size_t len; /* readable and writable bytes, then the guard page */
	int map_err; /* mmap or mprotect failed: use the stack */
	unsigned long *stack; /* STACK_SLOTS bits, all clear */
};

static long select_call(const struct probe *p, int n, void *bits)
{
	long r;
	int interrupted = 0;

	do {
		long long timeout[2] = { 0, 0 };
		r = syscall(p->nr, n, bits, NULL, NULL, timeout, NULL);
	} while (r < 0 && errno == EINTR && ++interrupted < RETRY_MAX);
	return r;
}

static int probe_map_fit(struct probe *p, size_t need)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (need <= p->len)
		return 0;
	if (p->base)
		munmap(p->base, p->len + page);
	size_t len = p->len ? 2 * p->len : page;
	while (len < need)
		len *= 2;
	p->base = NULL;
	p->len = 0;
	void *b = mmap(NULL, len + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (b == MAP_FAILED)
		return -errno;
	if (mprotect(b, len, PROT_READ | PROT_WRITE) < 0) {
		int err = -errno;
		munmap(b, len + page);
		return err;
	}
	p->base = b;
	p->len = len;
	return 0;
}

/* With bit k set: EBADF or a count means inside (max_select_fd() found k
 * closed, or polled it); 0 means beyond the table or open and not ready,
 * which fcntl tells apart. */
static int set_bit_slot(struct probe *p, int k)
{
	const size_t bits = 8 * sizeof(unsigned long);
	unsigned long *w = &p->stack[(size_t)k / bits];

	*w = 1UL << ((size_t)k % bits);
	long n = select_call(p, k + 1, p->stack);
	int err = errno;
	*w = 0;
	if (n < 0)
		return err == EBADF ? 1 : -err;
	if (n > 0)
		return 1;
	return fd_open_state(k);
}

/* No bit set; bits 0 .. k-1 readable, the word holding bit k in the guard
 * page: the kernel copies whole words up to min(k + 1, table size), so
 * EFAULT means inside and 0 means beyond. */
static int guard_slot(struct probe *p, int k)
{
	size_t need = (size_t)k / 8;
	int r = probe_map_fit(p, need);

	if (r < 0)
		return r;
	long n = select_call(p, k + 1, p->base + p->len - need);
	if (n < 0)
		return errno == EFAULT ? 1 : -errno;
	return n == 0 ? 0 : -EPROTO; /* no bit was set: a count is nonsense */
}

/* 1 if slot k (a multiple of WORD_BITS) is inside the table, 0 if not,
 * -errno if select fails otherwise (a filter: EPERM, ENOSYS, or a trap
 * turned into ENOSYS; no memory for the bitmap). */
static int slot_in_table(struct probe *p, int k)
{
	if (k < SMALL_SLOTS || (p->map_err && k < STACK_SLOTS))
		return set_bit_slot(p, k);
	if (p->map_err)
		return p->map_err;
	int r = guard_slot(p, k);
	if ((r == -ENOMEM || r == -EPERM || r == -EACCES) && k < STACK_SLOTS && !p->base) {
		/* mmap refused (RLIMIT_AS, a filter): the stack, from here on. */
		p->map_err = r;
		return set_bit_slot(p, k);
	}
	return r;
}

static int table_size(struct probe *p)
{
	long long in = 0, out = -1; /* slot 0 is inside: stdio_repair */
	int r;

	/* Gallop: one word, two, four, ... 2^30 slots, then the last. */
	for (long long k = WORD_BITS; out < 0; k = k >= (1LL << 30) ? LAST_PROBE : 2 * k) {
		if ((r = slot_in_table(p, (int)k)) < 0)
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
	if ((r = slot_in_table(p, (int)(out - WORD_BITS))) < 0)
		return r;
	if (r)
		return (int)out;
	out -= WORD_BITS;
	/* Capped by fs.nr_open: a whole number of words in (in, out]. */
	while (out - in > WORD_BITS) {
		long long mid = in + (out - in) / WORD_BITS / 2 * WORD_BITS;
		if ((r = slot_in_table(p, (int)mid)) < 0)
			return r;
		if (r)
			in = mid;
		else
			out = mid;
	}
	return (int)out;
}

/* The probe with one system call; the stack bitmap (4 KiB) lives here. */
static int table_size_with(long nr)
{
	unsigned long stack[STACK_SLOTS / (8 * sizeof(unsigned long))];
	struct probe p = { .nr = nr, .stack = stack };

	memset(stack, 0, sizeof(stack));
	int size = table_size(&p);
	if (p.base)
		munmap(p.base, p.len + (size_t)sysconf(_SC_PAGESIZE));
	return size;
}

/* select refused outright: by a filter, or an old kernel. */
static bool refused(int r)
{
	return r == -EPERM || r == -ENOSYS || r == -EACCES;
}

int fd_table_size_from_select(void)
{
	int size = table_size_with(SYS_PSELECT);
#ifdef SYS_SELECT
	if (refused(size))
		size = table_size_with(SYS_SELECT);
#endif
	return size;
}

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

int fd_bound_get(struct fd_bound *b)
{
	struct rlimit rl;
	int probed = fd_table_size_from_select();

	b->probe_err = probed < 0 ? probed : 0;
	if (probed > 0) {
		b->limit = probed;
		b->source = BOUND_SELECT;
		return 0;
	}
	int size = fd_table_size_from_proc();
	if (size > 0) {
		b->limit = size;
		b->source = BOUND_FDSIZE;
		return 0;
	}
	/* The limit misses a descriptor above a hard limit lowered after it
	 * was opened: acceptable only where the table size cannot be asked
	 * for at all (select refused, or an emulator whose select does not
	 * clamp), as the man page says.  A probe that failed otherwise (no
	 * memory, interrupted without end, an answer that makes no sense)
	 * is not a reason to guess. */
	if (!refused(probed) && probed != -EOVERFLOW)
		return probed;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	int soft = rlim_to_int(rl.rlim_cur), hard = rlim_to_int(rl.rlim_max);
	b->limit = soft > hard ? soft : hard;
	b->source = BOUND_RLIMIT;
	return 0;
}
