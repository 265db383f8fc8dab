/* sysfault_hook.c: testhook_start() for closefds-sysfault, the test-only
 * static build that tests/faults/sysfault.c runs (never installed).
 *
 * CLOSEFDS_TEST_SECCOMP="RULE[,RULE]..." installs, first thing in main(), a
 * seccomp filter.  A RULE is NR[@ARG{=,!,>}VALUE]...:ACTION: system call
 * number NR (this ABI's), when each condition on an argument holds (equal,
 * not equal, at least VALUE; at most two), is answered with ACTION: an errno
 * number (SECCOMP_RET_ERRNO), "trap" (SECCOMP_RET_TRAP: SIGSYS) or "allow"
 * (nothing; the strace check uses it to mark where main() begins).  The
 * first rule that matches a call wins.  The conditions reach one call site
 * among several of the same call (fcntl on a descriptor from 3 up is past
 * the repair of 0-2, say).
 *
 * A filter is inherited by COMMAND, and one installed before the exec of
 * closefds would apply to its start-up too.  So the rules apply only to
 * calls made from closefds's own code: its text, which in a static non-PIE
 * program is libc's too ([__executable_start, etext)), and its vDSO (where
 * clock_gettime falls back to a real call on clock sources the vDSO cannot
 * read).  COMMAND, the dynamic PIE probe, is mapped elsewhere and runs
 * unaffected.  A call from another ABI kills the process, as in
 * tests/lib/testlib.c: a filter that matches the wrong numbers would block
 * nothing and let a test pass by luck.
 *
 * A malformed value or a filter the kernel refuses: a line on stderr and
 * exit 120, which no closefds outcome uses. */
#include "config.h"
#include "testhooks.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "seccomp_abi.h"

#define HOOK_EXIT 120
#define MAX_RULES 8
#define MAX_CONDS 2
#define MAX_INSNS 160

/* Linker-defined bounds of the program image and of its text. */
extern const char __executable_start[], etext[];

__attribute__((noreturn)) static void hook_fail(const char *what)
{
	fprintf(stderr, "closefds-sysfault: CLOSEFDS_TEST_SECCOMP: %s\n", what);
	_exit(HOOK_EXIT);
}

struct range {
	uint64_t lo, hi; /* [lo, hi) */
};

/* The vDSO image, from its program headers; false if there is none. */
static bool vdso_range(struct range *r)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);

	if (!base)
		return false;
	const ElfW(Ehdr) *eh = (const void *)base;
	const ElfW(Phdr) *ph = (const void *)(base + eh->e_phoff);
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (hi <= lo)
		return false;
	*r = (struct range){ base, base + (hi - lo) };
	return true;
}

static unsigned parse_action(const char *s, size_t len)
{
	if (len == 4 && strncmp(s, "trap", 4) == 0)
		return SECCOMP_RET_TRAP;
	if (len == 5 && strncmp(s, "allow", 5) == 0)
		return SECCOMP_RET_ALLOW;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 4095)
			hook_fail("an action is an errno number, 'trap' or 'allow'");
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (len == 0 || v == 0 || v > 4095)
		hook_fail("an errno is a number from 1 to 4095");
	return SECCOMP_RET_ERRNO | v;
}

/* A decimal number from *p, which is advanced past it. */
static unsigned long parse_number(const char **p, unsigned long max)
{
	unsigned long v = 0;

	if (**p < '0' || **p > '9')
		hook_fail("expected a decimal number");
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		v = v * 10 + (unsigned long)(**p - '0');
		if (v > max)
			hook_fail("a number is too large");
	}
	return v;
}

struct cond {
	unsigned arg;  /* 0..5 */
	char op;       /* '=' equal, '!' not equal, '>' at least */
	uint32_t value;
};

struct rule {
	unsigned nr, action;
	struct cond cond[MAX_CONDS];
	size_t n_cond;
};

/* NR[@ARG{=,!,>}VALUE]...:ACTION */
static const char *parse_rule(const char *p, struct rule *r)
{
	r->nr = (unsigned)parse_number(&p, 100000);
	r->n_cond = 0;
	while (*p == '@') {
		p++;
		if (r->n_cond == MAX_CONDS)
			hook_fail("at most 2 conditions a rule");
		struct cond *c = &r->cond[r->n_cond++];
		c->arg = (unsigned)parse_number(&p, 5);
		c->op = *p++;
		if (c->op != '=' && c->op != '!' && c->op != '>')
			hook_fail("a condition is @ARG=VALUE, @ARG!VALUE or @ARG>VALUE");
		c->value = (uint32_t)parse_number(&p, UINT32_MAX);
	}
	if (*p != ':')
		hook_fail("expected NR[@ARG{=,!,>}VALUE]...:ACTION[,...]");
	const char *a = ++p, *end = strchr(a, ',');
	if (!end)
		end = a + strlen(a);
	r->action = parse_action(a, (size_t)(end - a));
	return *end ? end + 1 : end;
}

#define STMT(c, k) ((struct sock_filter){ (unsigned short)(c), 0, 0, (unsigned)(k) })
#define JUMP(c, k, t, f) \
	((struct sock_filter){ (unsigned short)(c), (unsigned char)(t), (unsigned char)(f), (unsigned)(k) })

void testhook_start(void)
{
	const char *spec = getenv("CLOSEFDS_TEST_SECCOMP");
	struct rule rules[MAX_RULES];
	size_t n_rules = 0;

	if (!spec)
		return;
	for (const char *p = spec; *p;) {
		if (n_rules == MAX_RULES)
			hook_fail("at most 8 rules");
		p = parse_rule(p, &rules[n_rules++]);
	}
#ifdef TL_AUDIT_ARCH
	struct range found[2] = { { (uintptr_t)__executable_start, (uintptr_t)etext } };
	size_t n_found = 1 + vdso_range(&found[1]);
	/* BPF compares 32-bit words: a range that crosses a 4 GiB boundary
	 * (the vDSO can be mapped anywhere) is cut there into pieces, each
	 * within one 4 GiB block. */
	struct range ranges[6];
	size_t n_ranges = 0;
	for (size_t i = 0; i < n_found; i++) {
		for (uint64_t lo = found[i].lo; lo < found[i].hi && n_ranges < 6;) {
			uint64_t block_end = (lo | 0xffffffffULL) + 1;
			uint64_t hi = found[i].hi < block_end ? found[i].hi : block_end;
			ranges[n_ranges++] = (struct range){ lo, hi };
			lo = hi;
		}
	}
	/* seccomp_data.instruction_pointer is 64 bits; BPF loads 32. */
	size_t ip = offsetof(struct seccomp_data, instruction_pointer);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	size_t ip_hi = ip, ip_lo = ip + 4;
#else
	size_t ip_lo = ip, ip_hi = ip + 4;
#endif
	struct sock_filter f[MAX_INSNS];
	size_t n = 0;

	f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, TL_AUDIT_ARCH, 1, 0);
	f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	/* Five instructions per range: on to the next range unless
	 * lo <= ip < hi, else to the rules, past the ALLOW that follows the
	 * last range.  A range ending at its block's end has no upper test
	 * (its end's low word is 0). */
	for (size_t i = 0; i < n_ranges; i++) {
		const struct range *r = &ranges[i];
		size_t to_rules = 5 * (n_ranges - i) - 4; /* from the last of the five */
		f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, ip_hi);
		f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(r->lo >> 32), 0, 3);
		f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, ip_lo);
		f[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)r->lo, 0, 1);
		if ((uint32_t)r->hi == 0)
			f[n++] = STMT(BPF_JMP | BPF_JA, (unsigned)to_rules);
		else
			f[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)r->hi, 0, to_rules);
	}
	f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); /* not closefds's code */
	/* Each rule: the number, then each condition on an argument (64 bits
	 * as two words; the value fits the low one), then its action; a
	 * mismatch jumps to the next rule. */
	for (size_t i = 0; i < n_rules; i++) {
		const struct rule *r = &rules[i];
		size_t end = n + 3 + 4 * r->n_cond; /* where the next rule starts */
		f[n] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		f[n + 1] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->nr, 0, end - (n + 2));
		n += 2;
		for (size_t k = 0; k < r->n_cond; k++, n += 4) {
			const struct cond *c = &r->cond[k];
			size_t arg = offsetof(struct seccomp_data, args) + 8 * c->arg;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			size_t hi = arg, lo = arg + 4;
#else
			size_t lo = arg, hi = arg + 4;
#endif
			/* A high word other than 0: '=' fails, '!' and '>' hold. */
			f[n] = STMT(BPF_LD | BPF_W | BPF_ABS, hi);
			f[n + 1] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, c->op == '=' ? end - (n + 2) : 2);
			f[n + 2] = STMT(BPF_LD | BPF_W | BPF_ABS, lo);
			if (c->op == '!')
				f[n + 3] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, c->value, end - (n + 4), 0);
			else
				f[n + 3] = JUMP(BPF_JMP | (c->op == '=' ? BPF_JEQ : BPF_JGE) | BPF_K,
						c->value, 0, end - (n + 4));
		}
		f[n++] = STMT(BPF_RET | BPF_K, r->action);
	}
	f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { (unsigned short)n, f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		hook_fail(strerror(errno));
#else
	hook_fail("no audit arch known for this ABI");
#endif
}
