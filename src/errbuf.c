/* errbuf.c: see errbuf.h. */
#include "config.h"
#include "errbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int errbuf_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* See the same line in main.c: a clang 14 false positive. */
	vsnprintf(err, errlen, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	return -1;
}

int errbuf_nomem(char *err, size_t errlen)
{
	errbuf_set(err, errlen, "out of memory");
	return -ENOMEM;
}
