// openat2(2) has no glibc wrapper here and takes a struct: a thin wrapper Swift can call.
#ifndef AIOS_CFILEACCESS_H
#define AIOS_CFILEACCESS_H

#include <stdint.h>

// O_PATH (Linux; glibc hides it without _GNU_SOURCE, which Swift's Glibc module is not built with).
enum { AIOS_O_PATH = 010000000 };

// Opens `path` (relative) beneath the directory `directory` with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so
// "..", absolute symlinks, symlinks leading outside and /proc magic links all fail (EXDEV/ELOOP) instead of
// escaping. Retries EAGAIN (a concurrent rename anywhere). Returns a descriptor, or -1 with errno set.
int aios_open_beneath(int directory, const char *path, uint64_t flags, uint64_t mode);

// Opens the absolute directory `path` from "/" with no symlinks and no magic links anywhere in it (O_PATH).
int aios_open_beneath_root(const char *path);

#endif
