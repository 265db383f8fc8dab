/* execcmd.h: running COMMAND. */
#ifndef CLOSEFDS_EXECCMD_H
#define CLOSEFDS_EXECCMD_H

/* execvp(argv[0], argv).  Returns only on failure: 127 if COMMAND was not
 * found, 126 if it was found but could not be executed; errno is kept. */
int exec_command(char *const argv[]);

#endif
