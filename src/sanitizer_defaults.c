/* sanitizer_defaults.c: linked only into -Db_sanitize=address builds.
 *
 * LeakSanitizer reads /proc/self/maps and /proc/PID/task when the process
 * exits, and dies with exit 1 where /proc is missing; the sanitizer runtime
 * also reads ASAN_OPTIONS from /proc/self/environ, so there it cannot be
 * turned off from the environment.  closefds is tested without /proc, so
 * leak detection is off exactly where it cannot run, and on everywhere
 * else. */
#include <unistd.h>

const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return access("/proc/self/maps", R_OK) == 0 ? "" : "detect_leaks=0";
}
