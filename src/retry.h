/* retry.h: how often closefds repeats a call that was interrupted.
 *
 * A call that fails with EINTR (or dup2's EBUSY) is repeated, but never
 * without end: a seccomp filter can answer EINTR to every call, and a
 * loop that trusts the kernel to stop interrupting would hang closefds
 * forever.  After RETRY_MAX failures in a row the caller gives up with the
 * errno of the last one, and says so (the messages name the call). */
#ifndef CLOSEFDS_RETRY_H
#define CLOSEFDS_RETRY_H

#define RETRY_MAX 100

#endif
