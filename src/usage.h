/* usage.h: the --help and --version texts (the man page SYNOPSIS matches). */
#ifndef CLOSEFDS_USAGE_H
#define CLOSEFDS_USAGE_H

#include <stdio.h>

void usage_print(FILE *out);
void version_print(FILE *out);

#endif
