#define _GNU_SOURCE
#include "CFileAccess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

int aios_open_beneath(int directory, const char *path, uint64_t flags, uint64_t mode) {
    struct open_how how = {
        .flags = flags,
        .mode = mode,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    // With RESOLVE_BENEATH, a ".." walked while any rename happens on the system fails with EAGAIN (the kernel
    // cannot prove the walk stayed beneath): try again, a bounded number of times.
    for (int attempt = 0; attempt < 64; attempt++) {
        int descriptor = (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
        if (descriptor >= 0 || errno != EAGAIN) return descriptor;
    }
    return -1;
}

int aios_open_beneath_root(const char *path) {
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

int aios_is_tmpfs(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return info.f_type == 0x01021994 ? 1 : 0;  // TMPFS_MAGIC
}
