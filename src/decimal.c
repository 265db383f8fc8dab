/* decimal.c: strict decimal numbers.
 *
 * By hand rather than with strtol: strtol would accept " 3", "+3" and "0x3"
 * and needs errno juggling for overflow; a descriptor number typed wrong
 * must be an error, never a different descriptor. */
#include "config.h"
#include "decimal.h"

#include <errno.h>
#include <limits.h>

int parse_fd_number(const char *s, size_t len, int *out)
{
	long long v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > INT_MAX)
			return -ERANGE;
	}
	*out = (int)v;
	return 0;
}

size_t format_fd_number(int v, char *buf)
{
	char rev[DECIMAL_INT_SIZE];
	size_t n = 0, len = 0;
	unsigned u = v < 0 ? 0 : (unsigned)v;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	while (n > 0)
		buf[len++] = rev[--n];
	buf[len] = '\0';
	return len;
}
