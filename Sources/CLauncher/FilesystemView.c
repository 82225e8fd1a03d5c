// The agent's private filesystem: only what its policy names exists in its mount namespace. Runs in the
// launcher's child between fork and exec, so only system calls: no allocation, paths built in stack buffers.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// `root` + `path` into `out`; fails with ENAMETOOLONG rather than truncate.
static int join(char out[PATH_MAX], const char *root, const char *path) {
    int written = snprintf(out, PATH_MAX, "%s%s", root, path);
    if (written < 0 || written >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

// mkdir -p, in place: each '/' is cut for a moment.
static int make_directories(char *path) {
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = 0;
        int made = mkdir(path, 0755);
        int failure = errno;
        if (slash) *slash = '/';
        if (made != 0 && failure != EEXIST) {
            errno = failure;
            return -1;
        }
        if (!slash) return 0;
    }
}

// The mount point for a non-directory: its parents, then an empty file.
static int make_file(char *path) {
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        *slash = 0;
        int made = make_directories(path);
        *slash = '/';
        if (made != 0) return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

static int bind_entry(const struct aios_mount *entry, char *target) {
    struct stat status;
    if (lstat(entry->source, &status) != 0) return entry->optional && errno == ENOENT ? 0 : -1;
    if (S_ISLNK(status.st_mode)) {
        // Debian's /bin → usr/bin: the same link, so paths resolve as on the host, without a second mount.
        char link[PATH_MAX];
        ssize_t length = readlink(entry->source, link, sizeof link - 1);
        if (length < 0) return -1;
        link[length] = 0;
        char *slash = strrchr(target, '/');
        if (slash && slash != target) {
            *slash = 0;
            int made = make_directories(target);
            *slash = '/';
            if (made != 0) return -1;
        }
        return symlink(link, target) == 0 || errno == EEXIST ? 0 : -1;
    }
    if ((S_ISDIR(status.st_mode) ? make_directories(target) : make_file(target)) != 0) return -1;
    if (mount(entry->source, target, NULL, MS_BIND | MS_REC, NULL) != 0) return -1;
    // A bind mount takes its flags only from a remount of the bind itself.
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID;
    if (entry->kind != AIOS_MOUNT_BIND_DEVICE) flags |= MS_NODEV;
    if (entry->kind == AIOS_MOUNT_BIND_READ_ONLY) flags |= MS_RDONLY;
    return mount(NULL, target, NULL, flags, NULL);
}

static int mount_entry(const struct aios_mount *entry, const char *root) {
    char target[PATH_MAX];
    if (entry->target[0] != '/' || join(target, root, entry->target) != 0) {
        if (errno != ENAMETOOLONG) errno = EINVAL;
        return -1;
    }
    switch (entry->kind) {
    case AIOS_MOUNT_BIND_READ_ONLY:
    case AIOS_MOUNT_BIND_READ_WRITE:
    case AIOS_MOUNT_BIND_DEVICE:
        return bind_entry(entry, target);
    case AIOS_MOUNT_TMPFS:
        if (make_directories(target) != 0) return -1;
        return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, entry->options);
    case AIOS_MOUNT_PROC:
        if (make_directories(target) != 0) return -1;
        return mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case AIOS_MOUNT_SYMLINK: {
        char *slash = strrchr(target, '/');
        *slash = 0;
        int made = slash == target ? 0 : make_directories(target);
        *slash = '/';
        if (made != 0) return -1;
        return symlink(entry->source, target);
    }
    default:
        errno = EINVAL;
        return -1;
    }
}

int aios_enter_view(const struct aios_filesystem_view *view, int *failed_index) {
    *failed_index = -1;
    // Nothing mounted here propagates back to the host, and nothing the host mounts later appears here.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
    if (mount("tmpfs", view->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0) return -1;
    for (size_t index = 0; index < view->mount_count; index++) {
        if (mount_entry(&view->mounts[index], view->root) != 0) {
            *failed_index = (int)index;
            return -1;
        }
    }
    // pivot_root(".", "."): the old root ends up stacked on the new one and is detached right away, so no
    // directory for it is needed and no path of the host stays reachable.
    if (chdir(view->root) != 0) return -1;
    if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
    if (umount2(".", MNT_DETACH) != 0) return -1;
    if (chdir("/") != 0) return -1;
    return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}
