// openat2(2) has no glibc wrapper here and takes a struct: a thin wrapper Swift can call.
#ifndef AIOS_CFILEACCESS_H
#define AIOS_CFILEACCESS_H

#include <stddef.h>
#include <stdint.h>

// O_PATH (Linux; glibc hides it without _GNU_SOURCE, which Swift's Glibc module is not built with).
enum { AIOS_O_PATH = 010000000 };

// Opens `path` (relative) beneath the directory `directory` with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so
// "..", absolute symlinks, symlinks leading outside and /proc magic links all fail (EXDEV/ELOOP) instead of
// escaping. Retries EAGAIN (a concurrent rename anywhere). Returns a descriptor, or -1 with errno set.
int aios_open_beneath(int directory, const char *path, uint64_t flags, uint64_t mode);

// 1 when `path` is on a tmpfs (memory, never the disk), 0 when on another file system, -1 with errno set.
// (statfs(2) is not in Swift's Glibc module.)
int aios_is_tmpfs(const char *path);

// Opens the absolute directory `path` from "/" with no symlinks and no magic links anywhere in it (O_PATH).
int aios_open_beneath_root(const char *path);

// The Broker confines the thread that runs one operation (see BrokerConfinement.c): first its own mount namespace
// with every path in `paths` hidden (an empty read-only tmpfs over a directory, the null device over a file; a
// missing path is skipped), then Landlock allowing only each rule's `access` beneath its `directory` (a descriptor,
// O_PATH is enough), with no_new_privs. Both
// apply to the calling thread only and can never be undone: such a thread serves one operation and ends.
// Each returns 0, or the failed step with errno set.
enum {
    AIOS_BROKER_STEP_UNSHARE = 1,
    AIOS_BROKER_STEP_PROPAGATION = 2,
    AIOS_BROKER_STEP_MASK = 3,
    AIOS_BROKER_STEP_LANDLOCK = 4,
};
// Every filesystem right of this kernel's Landlock ABI (1: bits 0-12, 2: +REFER, 3: +TRUNCATE, 5: +IOCTL_DEV):
// all of them are handled, so whatever no rule grants is denied. Shared by the Broker and the agent launcher.
uint64_t aios_landlock_handled_rights(long abi);
int aios_broker_mask(const char *const *paths, size_t count);
struct aios_broker_rule {
    int directory;
    uint64_t access;
};
int aios_broker_restrict(const struct aios_broker_rule *rules, size_t count);

#endif
