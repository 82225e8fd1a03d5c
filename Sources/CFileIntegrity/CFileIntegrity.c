#define _GNU_SOURCE
#include "CFileIntegrity.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

int aios_fim_open(int directory, const char *path, uint64_t flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 64; attempt++) {
        long fd = syscall(SYS_openat2, directory, path, &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN) return (int)fd;
    }
    errno = EAGAIN;
    return -1;
}

_Static_assert(AIOS_FAN_MODIFY == FAN_MODIFY && AIOS_FAN_ATTRIB == FAN_ATTRIB && AIOS_FAN_CLOSE_WRITE ==
    FAN_CLOSE_WRITE && AIOS_FAN_MOVED_FROM == FAN_MOVED_FROM && AIOS_FAN_MOVED_TO == FAN_MOVED_TO &&
    AIOS_FAN_CREATE == FAN_CREATE && AIOS_FAN_DELETE == FAN_DELETE && AIOS_FAN_DELETE_SELF == FAN_DELETE_SELF &&
    AIOS_FAN_MOVE_SELF == FAN_MOVE_SELF && AIOS_FAN_Q_OVERFLOW == FAN_Q_OVERFLOW && AIOS_FAN_ONDIR == FAN_ONDIR,
    "fanotify event bits");

int aios_fim_fanotify_open(void) {
    return fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME, O_RDONLY | O_LARGEFILE);
}

int aios_fim_fanotify_mark(int group, const char *path) {
    uint64_t mask = FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_ATTRIB | FAN_MOVED_FROM | FAN_MOVED_TO |
        FAN_CLOSE_WRITE | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR;
    return fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, path);
}

int aios_fim_open_by_handle(int mount_fd, const unsigned char *handle, uint32_t handle_bytes, int32_t handle_type) {
    if (handle_bytes > MAX_HANDLE_SZ) {
        errno = EINVAL;
        return -1;
    }
    struct file_handle *file = malloc(sizeof *file + handle_bytes);
    if (file == NULL) return -1;
    file->handle_bytes = handle_bytes;
    file->handle_type = handle_type;
    memcpy(file->f_handle, handle, handle_bytes);
    int fd = open_by_handle_at(mount_fd, file, O_PATH | O_CLOEXEC);
    int saved = errno;
    free(file);
    errno = saved;
    return fd;
}

int aios_fim_fsid(int descriptor, uint64_t *fsid) {
    struct statfs system;
    if (fstatfs(descriptor, &system) != 0) return -1;
    *fsid = (uint64_t)(uint32_t)system.f_fsid.__val[0] | (uint64_t)(uint32_t)system.f_fsid.__val[1] << 32;
    return 0;
}
