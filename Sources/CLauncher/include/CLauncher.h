// The steps between fork and exec, in C: Swift code must not run in a forked child of a multithreaded process.
// Only async-signal-safe calls happen in the child.
#ifndef AIOS_CLAUNCHER_H
#define AIOS_CLAUNCHER_H

#include <stdint.h>
#include <sys/types.h>

// One Landlock rule: everything beneath `path` gets `access` (LANDLOCK_ACCESS_FS_* bits).
struct aios_landlock_rule {
    const char *path;
    uint64_t access;
};

// One Landlock network rule: TCP `port` gets `access` (LANDLOCK_ACCESS_NET_BIND_TCP = 1, _CONNECT_TCP = 2).
struct aios_landlock_port {
    uint64_t port;
    uint64_t access;
};

// A compiled seccomp program (classic BPF), built once by aios_seccomp_compile and loaded by each child.
struct aios_seccomp_program {
    uint16_t length;
    void *filter;  // struct sock_filter[length]
};

// Builds the agent filter with libseccomp: refuses (EPERM) raw and packet sockets (the type compared under a mask,
// so SOCK_RAW|SOCK_CLOEXEC is caught too), AF_VSOCK sockets, kernel module calls, ptrace and process_vm_*,
// io_uring, bpf, mount/umount, new user namespaces (unshare/clone with CLONE_NEWUSER), kexec, the terminal
// ioctls TIOCSTI, TIOCLINUX, TIOCCONS and TIOCSETD (low 32 bits compared), and memfd_create on kernels without
// vm.memfd_noexec; a foreign architecture is killed.
// Returns 0, or -1 with errno set. Free with aios_seccomp_free.
int aios_seccomp_compile(struct aios_seccomp_program *program);
void aios_seccomp_free(struct aios_seccomp_program *program);
// Loads (in the calling thread, with no_new_privs set) a second filter with SECCOMP_FILTER_FLAG_LOG that refuses
// init_module, finit_module and delete_module with EPERM, so that each attempt is an AUDIT_SECCOMP record. Loaded
// after the agent filter by every confined child. Returns 0, or -1 with errno set.
int aios_seccomp_load_module_log(void);

// One entry of the agent's private filesystem view, built on a tmpfs and made its root with pivot_root.
enum aios_mount_kind {
    AIOS_MOUNT_BIND_READ_ONLY = 1,   // source bound with every mount below it read-only, nosuid, nodev, noexec;
                                     // a symbolic link (last component only) is recreated as the same link; a
                                     // link in any other component of source or target fails the launch
    AIOS_MOUNT_BIND_READ_WRITE = 2,  // the same, writable
    AIOS_MOUNT_BIND_DEVICE = 3,      // a device node bound (read-only, nosuid, noexec, device access kept)
    AIOS_MOUNT_TMPFS = 4,            // a new tmpfs (nosuid, nodev, noexec); `options` are its mount data
    AIOS_MOUNT_PROC = 5,             // procfs of the agent's PID namespace; `options` its mount data
    AIOS_MOUNT_SYMLINK = 6,          // a symbolic link at target pointing to `source`
    AIOS_MOUNT_BIND_EXECUTABLE = 7,  // like READ_ONLY but programs may run from it (the runtime)
    AIOS_MOUNT_MASK = 8,             // an empty tmpfs over a directory a broader bind shows (sockets live there);
                                     // skipped where the target is missing or a link; read-only once built
};

struct aios_mount {
    int kind;                 // enum aios_mount_kind
    const char *source;
    const char *target;       // absolute, inside the view
    const char *options;
    int optional;             // 1: a missing source is skipped; 0: it fails the launch
};

// The agent's filesystem: a tmpfs mounted on `root` (an empty host directory; the mount is private to the new
// mount namespace), the mounts above in order, then pivot_root into it and the root made read-only.
struct aios_filesystem_view {
    const char *root;
    const struct aios_mount *mounts;
    size_t mount_count;
};

struct aios_launch_spec {
    const char *path;           // absolute path of the executable
    char *const *argv;          // NULL-terminated
    char *const *envp;          // NULL-terminated
    uint32_t uid, gid;          // identity after the hand-off (setgroups(0), setresgid, setresuid)
    int change_identity;        // 0: keep the caller's uid/gid (tests as non-root)
    int join_session_keyring;   // 1: a new anonymous session keyring, possessor v/r/s, owner v/w (so the parent
                                //    can link keys into it), then report its serial and wait for the parent
    uint32_t session_permissions;
    int stdio[3];               // descriptors to become 0, 1, 2 in the child; -1 inherits the parent's
    int namespaces;             // CLONE_NEW* flags to unshare before the identity drops (network, IPC, UTS,
                                // mount); CLONE_NEWPID makes the child PID 1 of a new PID namespace, a reaper
                                // that forks the command as PID 2, exits with its status and so ends the
                                // namespace (the kernel kills what is left); the child dies with its launcher
    const struct aios_filesystem_view *filesystem;  // NULL: the launcher's view (needs CLONE_NEWNS otherwise)
    int landlock;               // 1: confine the filesystem to the rules below (fails closed without Landlock)
    const struct aios_landlock_rule *landlock_rules;
    size_t landlock_rule_count;
    uint64_t landlock_net_handled;  // TCP rights confined to the ports below (ABI >= 4; older kernels: not applied)
    const struct aios_landlock_port *landlock_ports;
    size_t landlock_port_count;
    const struct aios_seccomp_program *seccomp;  // loaded last before exec; NULL: none
};

struct aios_launched {
    pid_t pid;
    int32_t session_keyring;    // the child's session keyring (0 when not asked for)
    int control_fd;             // write one byte to release the child; then read: EOF = exec succeeded, or
                                // {step, errno, detail} (three int32) saying what failed
};

// Forks a child that prepares itself per spec and stops before exec until released through control_fd. The child
// builds its namespaces and filesystem view while the caller prepares (cgroup, keys); nothing of the program
// runs before the release.
// Returns 0, or -1 with errno set (the child, if any, has exited and been reaped).
int aios_launch(const struct aios_launch_spec *spec, struct aios_launched *out);

struct aios_launch_failure {
    int step;    // enum aios_launch_step
    int error;   // errno
    int detail;  // for AIOS_STEP_FILESYSTEM: the index of the mount that failed (-1: the view itself)
};

// Releases the child and waits for the outcome of its exec. Returns 0 when exec succeeded; otherwise -1 with
// *failure set; the child has exited (the caller reaps it). Closes control_fd.
int aios_launch_release(int control_fd, struct aios_launch_failure *failure);

// Optional, before the release: waits until the child has built its namespaces and view. Returns 0, or -1 with
// *failure set (the child has then exited; release or abandon it, then reap it).
int aios_launch_prepared(int control_fd, struct aios_launch_failure *failure);

enum aios_launch_step {
    AIOS_STEP_SESSION_KEYRING = 1,
    AIOS_STEP_SESSION_PERMISSIONS = 2,
    AIOS_STEP_REPORT = 3,
    AIOS_STEP_WAIT = 4,
    AIOS_STEP_NO_NEW_PRIVS = 5,
    AIOS_STEP_IDENTITY = 6,
    AIOS_STEP_EXEC = 7,
    AIOS_STEP_STDIO = 8,
    AIOS_STEP_LANDLOCK = 9,
    AIOS_STEP_NAMESPACES = 10,
    AIOS_STEP_SECCOMP = 11,
    AIOS_STEP_FILESYSTEM = 12,
    AIOS_STEP_REAPER = 13,
    AIOS_STEP_SESSION = 14,
    AIOS_STEP_MEMFD = 15,
    AIOS_STEP_USER_KEYRING = 16,
};

#endif
