// The agent's private filesystem: only what its policy names exists in its mount namespace. Runs in the
// launcher's child between fork and exec, so only system calls: no allocation, paths built in stack buffers.
//
// No path is trusted to be free of symbolic links: parts of the view are binds of host directories the agent may
// write to, and a link it planted there on an earlier run must not redirect a bind (to a host directory of its
// choice) or a mount point (to a place outside the view). Every source and mount point is therefore resolved with
// openat2(RESOLVE_NO_SYMLINKS), one that does not resolve plainly fails the launch, and binds are made by
// descriptor (open_tree, mount_setattr, move_mount), so what was checked is what gets mounted.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// `path` (relative to `directory`, or absolute) as an O_PATH descriptor, following no symbolic link in any
// component; a trailing link is returned as the link itself.
static int open_plain(int directory, const char *path) {
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | (path[0] == '/' ? 0 : RESOLVE_BENEATH),
    };
    return (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
}

// Closes `fd` (if any) keeping errno; returns -1.
static int close_then_fail(int fd) {
    int saved = errno;
    if (fd >= 0) close(fd);
    errno = saved;
    return -1;
}

// The directory holding the last component of `target` (absolute, inside the view), created as needed, plainly
// resolved below `root`; *name points at the last component inside `copy`.
static int open_parent(int root, const char *target, char copy[PATH_MAX], const char **name) {
    size_t length = strlen(target);
    if (target[0] != '/' || length < 2 || length >= PATH_MAX) {
        errno = length >= PATH_MAX ? ENAMETOOLONG : EINVAL;
        return -1;
    }
    memcpy(copy, target + 1, length);  // without the leading '/', with the NUL
    int parent = fcntl(root, F_DUPFD_CLOEXEC, 0);
    char *component = copy;
    for (char *slash = strchr(component, '/'); slash; component = slash + 1, slash = strchr(component, '/')) {
        *slash = 0;
        if (mkdirat(parent, component, 0755) != 0 && errno != EEXIST) return close_then_fail(parent);
        int next = open_plain(parent, component);
        *slash = '/';
        close(parent);
        if (next < 0) return -1;
        parent = next;
    }
    *name = component;
    return parent;
}

// The mount point `target`: its parents, then an empty directory or file unless it exists. Never a link.
static int open_mount_point(int root, const char *target, int directory) {
    if (strcmp(target, "/") == 0) return fcntl(root, F_DUPFD_CLOEXEC, 0);  // a grant of everything
    char copy[PATH_MAX];
    const char *name;
    int parent = open_parent(root, target, copy, &name);
    if (parent < 0) return -1;
    int made = directory ? mkdirat(parent, name, 0755)
                         : openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (made < 0 && errno != EEXIST && errno != EROFS) return close_then_fail(parent);
    if (!directory && made >= 0) close(made);
    int point = open_plain(parent, name);
    close(parent);
    struct stat status;
    if (point >= 0 && fstat(point, &status) == 0 && S_ISLNK(status.st_mode)) {
        close(point);
        errno = ELOOP;
        return -1;
    }
    return point;
}

// A path naming a descriptor, for the calls that take only paths (mount(2) of a new tmpfs or procfs).
static void descriptor_path(char out[32], int fd) {
    char digits[16];
    int length = 0;
    do digits[length++] = (char)('0' + fd % 10), fd /= 10;
    while (fd);
    memcpy(out, "/proc/self/fd/", 14);
    for (int index = 0; index < length; index++) out[14 + index] = digits[length - 1 - index];
    out[14 + length] = 0;
}

static int bind_entry(int root, const struct aios_mount *entry) {
    int source = open_plain(AT_FDCWD, entry->source);
    if (source < 0) return entry->optional && errno == ENOENT ? 0 : -1;
    struct stat status;
    if (fstat(source, &status) != 0) return close_then_fail(source);
    if (S_ISLNK(status.st_mode)) {
        // Debian's /bin → usr/bin: the same link, so paths resolve as on the host, without a second mount.
        char link[PATH_MAX], copy[PATH_MAX];
        const char *name;
        ssize_t length = readlinkat(source, "", link, sizeof link - 1);
        close(source);
        if (length < 0) return -1;
        link[length] = 0;
        int parent = open_parent(root, entry->target, copy, &name);
        if (parent < 0) return -1;
        int linked = symlinkat(link, parent, name) == 0 || errno == EEXIST ? 0 : -1;
        close_then_fail(parent);
        return linked;
    }
    int point = open_mount_point(root, entry->target, S_ISDIR(status.st_mode));
    if (point < 0) return close_then_fail(source);
    // The whole tree below the source (its submounts too), detached, then every mount in it restricted at once.
    int tree = open_tree(source, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    close(source);
    if (tree < 0) return close_then_fail(point);
    struct mount_attr attributes = {.attr_set = MOUNT_ATTR_NOSUID};
    if (entry->kind != AIOS_MOUNT_BIND_DEVICE) attributes.attr_set |= MOUNT_ATTR_NODEV;
    if (entry->kind != AIOS_MOUNT_BIND_READ_WRITE) attributes.attr_set |= MOUNT_ATTR_RDONLY;
    if (entry->kind != AIOS_MOUNT_BIND_EXECUTABLE) attributes.attr_set |= MOUNT_ATTR_NOEXEC;
    int moved = mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes, sizeof attributes) == 0 &&
                move_mount(tree, "", point, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
    close_then_fail(tree);
    close_then_fail(point);
    return moved ? 0 : -1;
}

// An existing directory of the view to mask, never created (it may lie in a writable bind of the host); -1 with
// errno ENOENT when there is nothing to hide: it does not exist, or is a link (which resolves inside the view).
static int open_mask_point(int root, const char *target) {
    int point = target[0] == '/' && target[1] ? open_plain(root, target + 1) : -1;
    struct stat status;
    if (point >= 0 && fstat(point, &status) == 0 && !S_ISDIR(status.st_mode)) {
        close(point);
        errno = ENOENT;
        return -1;
    }
    if (point < 0 && errno == ELOOP) errno = ENOENT;
    return point;
}

// A new filesystem (tmpfs, procfs) on `point`, which is closed.
static int mount_on(int point, const struct aios_mount *entry, const char *type, unsigned long flags) {
    char path[32];
    descriptor_path(path, point);
    int mounted = mount(type, path, type, flags, entry->options);
    int saved = errno;
    close(point);
    errno = saved;
    return mounted;
}

// A mask: *sealed is then a descriptor of the new tmpfs (to make it read-only once the view is built), or -1 when
// there was nothing to mask.
static int mount_mask(int root, const struct aios_mount *entry, int *sealed) {
    *sealed = -1;
    int point = open_mask_point(root, entry->target);
    if (point < 0) return errno == ENOENT ? 0 : -1;
    if (mount_on(point, entry, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC) != 0) return -1;
    *sealed = open_mask_point(root, entry->target);
    return *sealed < 0 ? -1 : 0;
}

static int mount_entry(int root, const struct aios_mount *entry) {
    switch (entry->kind) {
    case AIOS_MOUNT_BIND_READ_ONLY:
    case AIOS_MOUNT_BIND_READ_WRITE:
    case AIOS_MOUNT_BIND_DEVICE:
    case AIOS_MOUNT_BIND_EXECUTABLE:
        return bind_entry(root, entry);
    case AIOS_MOUNT_TMPFS: {
        int point = open_mount_point(root, entry->target, 1);
        return point < 0 ? -1 : mount_on(point, entry, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
    case AIOS_MOUNT_PROC: {
        int point = open_mount_point(root, entry->target, 1);
        return point < 0 ? -1 : mount_on(point, entry, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
    case AIOS_MOUNT_SYMLINK: {
        char copy[PATH_MAX];
        const char *name;
        int parent = open_parent(root, entry->target, copy, &name);
        if (parent < 0) return -1;
        int linked = symlinkat(entry->source, parent, name);
        close_then_fail(parent);
        return linked;
    }
    default:
        errno = EINVAL;
        return -1;
    }
}

// Masks are written while the view is built (the daemon's socket may be bound below one): read-only afterwards.
// Closes every descriptor in `sealed`.
static int seal_masks(const int *sealed, size_t count, int *failed_index) {
    int result = 0;
    for (size_t index = 0; index < count; index++) {
        if (sealed[index] < 0) continue;
        struct mount_attr attributes = {.attr_set = MOUNT_ATTR_RDONLY};
        if (result == 0 && mount_setattr(sealed[index], "", AT_EMPTY_PATH, &attributes, sizeof attributes) != 0) {
            *failed_index = (int)index;
            result = -1;
        }
        close_then_fail(sealed[index]);
    }
    return result;
}

int aios_enter_view(const struct aios_filesystem_view *view, int *failed_index) {
    *failed_index = -1;
    // Nothing mounted here propagates back to the host, and nothing the host mounts later appears here.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
    if (mount("tmpfs", view->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096") != 0)
        return -1;
    int root = open(view->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return -1;
    int sealed[view->mount_count ? view->mount_count : 1];  // on the stack: no allocation in the child
    for (size_t index = 0; index < view->mount_count; index++) {
        const struct aios_mount *entry = &view->mounts[index];
        sealed[index] = -1;
        int mounted = entry->kind == AIOS_MOUNT_MASK ? mount_mask(root, entry, &sealed[index])
                                                     : mount_entry(root, entry);
        if (mounted != 0) {
            *failed_index = (int)index;
            return close_then_fail(root);  // the child exits: its other descriptors close with it
        }
    }
    if (seal_masks(sealed, view->mount_count, failed_index) != 0) return close_then_fail(root);
    // pivot_root(".", "."): the old root ends up stacked on the new one and is detached right away, so no
    // directory for it is needed and no path of the host stays reachable.
    if (fchdir(root) != 0) return close_then_fail(root);
    close(root);
    if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
    if (umount2(".", MNT_DETACH) != 0) return -1;
    if (chdir("/") != 0) return -1;
    return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}
