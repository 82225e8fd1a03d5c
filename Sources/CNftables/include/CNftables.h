// libnftables, in-process: one context per caller, commands as text or JSON, output and errors into buffers.
#ifndef AIOS_CNFTABLES_H
#define AIOS_CNFTABLES_H
#include <nftables/libnftables.h>

// Moves the calling thread (only it) into the network namespace at `path` (/run/netns/NAME). 0 or -errno.
int aios_netns_enter(const char *path);
// Moves the calling thread into a new, empty network namespace of its own. 0 or -errno.
int aios_netns_unshare(void);
// Sets the loopback interface up in the calling thread's network namespace (a new one starts with it down).
// 0 or -errno.
int aios_loopback_up(void);
// The calling thread's id (gettid(2) is not visible to Swift without _GNU_SOURCE).
int aios_gettid(void);
// splice(2) of up to `length` bytes from `from` to `to` (one of them a pipe), moving pages where it can. The bytes
// moved, 0 at the end of input, or -errno.
long aios_splice(int from, int to, unsigned long length);
// Sets a pipe's capacity (F_SETPIPE_SZ); the capacity set or -errno.
int aios_pipe_size(int fd, int size);
#endif
