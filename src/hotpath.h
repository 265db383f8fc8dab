/* hotpath.h: the code closefds_close_except runs where close_range works,
 * kept together.
 *
 * A process that has just forked pays, on its first touch of each page of
 * code and data, for mapping that page in its own page tables (a fork
 * copies no page table entries of file mappings); on a VM with shadow
 * paging that is 6 to 23 us a page, more than the call itself.  The
 * functions of that path are marked HOT_PATH: the compiler puts them in
 * .text.hot.*, which the linker places side by side (GNU ld's and lld's
 * default scripts), so the path spans one or two pages of code instead of
 * one per source file.  (tests/bench/libbench.c measures the first call;
 * tests/lib/hotpath.sh checks that the path's functions are adjacent.) */
#ifndef CLOSEFDS_HOTPATH_H
#define CLOSEFDS_HOTPATH_H

#if defined(__GNUC__)
#define HOT_PATH __attribute__((hot))
#else
#define HOT_PATH
#endif

#endif
