/* seccomp_abi.h: what a test-side seccomp filter needs, shared by testlib
 * and the sysfault hook: the kernel's BPF and seccomp definitions (or, where
 * the compiler sees no kernel headers, as musl-gcc does, the few ABI values
 * used), and this ABI's audit arch: a filter matches calls by number, and
 * numbers mean something only within one ABI. */
#ifndef CLOSEFDS_SECCOMP_ABI_H
#define CLOSEFDS_SECCOMP_ABI_H

#if __has_include(<linux/seccomp.h>)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#else
struct sock_filter {
	unsigned short code;
	unsigned char jt, jf;
	unsigned int k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
struct seccomp_data {
	int nr;
	unsigned int arch;
	unsigned long long instruction_pointer;
	unsigned long long args[6];
};
#define BPF_LD 0x00
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JMP 0x05
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JA 0x00
#define BPF_K 0x00
#define BPF_RET 0x06
#define BPF_STMT(code, k) { (unsigned short)(code), 0, 0, k }
#define BPF_JUMP(code, k, jt, jf) { (unsigned short)(code), jt, jf, k }
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define SECCOMP_RET_ERRNO 0x00050000U
#endif
#ifndef SECCOMP_RET_TRAP
#define SECCOMP_RET_TRAP 0x00030000U
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

#if defined(__x86_64__)
#define TL_AUDIT_ARCH 0xc000003eU /* AUDIT_ARCH_X86_64, x32 too */
#elif defined(__i386__)
#define TL_AUDIT_ARCH 0x40000003U /* AUDIT_ARCH_I386 */
#elif defined(__aarch64__)
#define TL_AUDIT_ARCH 0xc00000b7U /* AUDIT_ARCH_AARCH64 */
#elif defined(__s390x__)
#define TL_AUDIT_ARCH 0x80000016U /* AUDIT_ARCH_S390X */
#elif defined(__arm__) && !defined(__ARMEB__)
#define TL_AUDIT_ARCH 0x40000028U /* AUDIT_ARCH_ARM */
#elif defined(__riscv) && __riscv_xlen == 64
#define TL_AUDIT_ARCH 0xc00000f3U /* AUDIT_ARCH_RISCV64 */
#endif

#endif
