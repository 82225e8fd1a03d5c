// File integrity scans: extended attributes (<sys/xattr.h> is not in Swift's Glibc module) and openat2(2) with
// no symlinks at all on the way (no glibc wrapper; struct argument). The real-time watch: fanotify(7) (its header
// is not in Swift's Glibc module either) and open_by_handle_at(2) (a flexible-array struct argument).
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

// A notification-class fanotify group reporting the directory's file handle and the entry's name with every
// event (FAN_REPORT_DFID_NAME), close-on-exec and non-blocking. Returns a descriptor, or -1 with errno set
// (EINVAL: the kernel is older than 5.9; EPERM: no CAP_SYS_ADMIN).
int aios_fim_fanotify_open(void);

// Marks the whole file system holding `path` (FAN_MARK_FILESYSTEM) for create, delete, modify, attribute change,
// moves and close-after-write, of files and directories. Returns 0, or -1 with errno set (EXDEV, ENODEV or
// EOPNOTSUPP: this file system cannot report file handles).
int aios_fim_fanotify_mark(int group, const char *path);

// The event bits asked for (FAN_* values, for the event parser's names).
enum {
    AIOS_FAN_MODIFY = 0x00000002,
    AIOS_FAN_ATTRIB = 0x00000004,
    AIOS_FAN_CLOSE_WRITE = 0x00000008,
    AIOS_FAN_MOVED_FROM = 0x00000040,
    AIOS_FAN_MOVED_TO = 0x00000080,
    AIOS_FAN_CREATE = 0x00000100,
    AIOS_FAN_DELETE = 0x00000200,
    AIOS_FAN_DELETE_SELF = 0x00000400,
    AIOS_FAN_MOVE_SELF = 0x00000800,
    AIOS_FAN_Q_OVERFLOW = 0x00004000,
    AIOS_FAN_ONDIR = 0x40000000,
};

// Opens (O_PATH) the object a file handle from an event names, on the file system of `mount_fd`. Needs
// CAP_DAC_READ_SEARCH. Returns a descriptor, or -1 with errno set (ESTALE: the object is gone).
int aios_fim_open_by_handle(int mount_fd, const unsigned char *handle, uint32_t handle_bytes, int32_t handle_type);

// The file system id of the open `descriptor` (fstatfs's f_fsid, its two words as one number, low word first: how
// the event parser reads an event's fsid). Returns 0, or -1 with errno set.
int aios_fim_fsid(int descriptor, uint64_t *fsid);

#endif
