/* usage.c: the --help and --version texts.  man/closefds.1 and README.md
 * repeat the option table; tests/integration/docs.sh checks that they agree. */
#include "config.h"
#include "usage.h"

static const char usage_text[] =
	"Usage: closefds [OPTION]... [--] COMMAND [ARG]...\n"
	"Close every inherited file descriptor except 0, 1, 2 and the ones named,\n"
	"make the kept ones inheritable, and execute COMMAND in the same process.\n"
	"\n"
	"  -k, --keep-fd=LIST         keep these descriptors open for COMMAND; LIST is\n"
	"                             comma-separated items N or N-M (decimal, N <= M);\n"
	"                             repeatable\n"
	"  -p, --pass-fd=FD[:TARGET]  hand descriptor FD to COMMAND as TARGET (default:\n"
	"                             the same number); repeatable\n"
	"  -m, --method=METHOD        auto (default), close_range, proc, poll, loop\n"
	"  -l, --list                 print what would be kept and closed; run nothing\n"
	"  -v, --verbose              say on stderr which method ran and what it closed\n"
	"      --listen-fds[=NAMES]   keep the descriptors passed by socket activation\n"
	"                             (LISTEN_PID, LISTEN_FDS) as they are; with NAMES\n"
	"                             (comma-separated), only those LISTEN_FDNAMES\n"
	"                             names, renumbered from 3 in that order\n"
	"      --listen-fd=FD[:NAME]  hand FD to COMMAND as the next socket-activation\n"
	"                             descriptor (3, 4, ...) and set LISTEN_FDS,\n"
	"                             LISTEN_PID, LISTEN_FDNAMES; repeatable\n"
	"      --keep-jobserver       keep the GNU make jobserver pipe named in MAKEFLAGS\n"
	"      --audit                close nothing: report on stderr what would be\n"
	"                             closed, then run COMMAND\n"
	"      --verify               check the result independently; refuse to run\n"
	"                             COMMAND if a descriptor would leak\n"
	"      --nofile=SOFT[:HARD]   set RLIMIT_NOFILE for COMMAND; SOFT or HARD may be\n"
	"                             empty (leave it), 'safe' = systemd's choice\n"
	"      --blocking[=LIST]      clear O_NONBLOCK on these descriptors\n"
	"                             (default 0,1,2)\n"
	"      --null=LIST            reopen these of 0,1,2 on /dev/null for COMMAND\n"
	"      --no-keep-fd-args      close descriptors COMMAND's arguments name as\n"
	"                             /dev/fd/N or /proc/self/fd/N (kept by default)\n"
	"  -h, --help                 usage on stdout, exit 0\n"
	"  -V, --version              version on stdout, exit 0\n"
	"\n"
	"A single descriptor named by -k or -p must be open; a range keeps whichever\n"
	"descriptors in it are open.  Closed 0, 1 or 2 are reopened on /dev/null.\n"
	"A descriptor that an argument of COMMAND names as /dev/fd/N, /proc/self/fd/N\n"
	"or /proc/PID/fd/N (alone, or as the value of KEY= or of a one-letter option)\n"
	"is kept, as <(...) needs.\n"
	"LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PIDFDID are removed, and a\n"
	"jobserver pipe in MAKEFLAGS (CARGO_MAKEFLAGS, MFLAGS) is withheld, when a\n"
	"descriptor their readers (libsystemd, make, cargo) take from them does not\n"
	"reach COMMAND.  Run setuid, closefds removes each one that names a descriptor.\n"
	"\n"
	"Exit status: COMMAND's own; 125 if closefds itself fails (nothing is run);\n"
	"126 if COMMAND cannot be executed; 127 if COMMAND is not found.\n";

void usage_print(FILE *out)
{
	fputs(usage_text, out);
}

void version_print(FILE *out)
{
	fputs("closefds " CLOSEFDS_VERSION "\n", out);
}
