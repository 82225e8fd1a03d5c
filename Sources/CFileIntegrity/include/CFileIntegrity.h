// File integrity scans: extended attributes (<sys/xattr.h> is not in Swift's Glibc module) and openat2(2) with
// no symlinks at all on the way (no glibc wrapper; struct argument).
#ifndef AIOS_CFILEINTEGRITY_H
#define AIOS_CFILEINTEGRITY_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

// O_PATH (Linux; glibc hides it without _GNU_SOURCE, which Swift's Glibc module is not built with).
enum { AIOS_FIM_O_PATH = 010000000 };

// Opens `path` (relative) beneath the directory `directory` with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS: a symlink anywhere on the way — one swapped in for a directory during a scan — fails
// with ELOOP instead of being followed. Retries EAGAIN. Returns a descriptor, or -1 with errno set.
int aios_fim_open(int directory, const char *path, uint64_t flags);

#endif
