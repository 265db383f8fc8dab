/* words.h: a NULL-terminated list of words as closefds' argv, for the unit
 * tests that parse command lines. */
#ifndef CLOSEFDS_TEST_WORDS_H
#define CLOSEFDS_TEST_WORDS_H

#define WORDS_MAX 32

/* Fill argv with "closefds" and the words (at most WORDS_MAX - 2 of them),
 * NULL-terminated; returns argc. */
static inline int words_to_argv(const char *const *words, char *argv[WORDS_MAX])
{
	int argc = 0;

	argv[argc++] = (char *)"closefds";
	for (; *words && argc < WORDS_MAX - 1; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	return argc;
}

#endif
