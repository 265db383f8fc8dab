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

void errbuf_put(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}
