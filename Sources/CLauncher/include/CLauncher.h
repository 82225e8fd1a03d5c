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

// A compiled seccomp program (classic BPF), built once by aios_seccomp_compile and loaded by each child.
struct aios_seccomp_program {
    uint16_t length;
    void *filter;  // struct sock_filter[length]
};

// Builds the agent filter with libseccomp: refuses (EPERM) raw and packet sockets (the type compared under a mask,
// so SOCK_RAW|SOCK_CLOEXEC is caught too), kernel module calls, ptrace and process_vm_*, io_uring, bpf,
// mount/umount, new user namespaces (unshare/clone with CLONE_NEWUSER), kexec; a foreign architecture is killed.
// Returns 0, or -1 with errno set. Free with aios_seccomp_free.
int aios_seccomp_compile(struct aios_seccomp_program *program);
void aios_seccomp_free(struct aios_seccomp_program *program);

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
    int namespaces;             // CLONE_NEW* flags to unshare before the identity drops (network, IPC, UTS)
    int landlock;               // 1: confine the filesystem to the rules below (fails closed without Landlock)
    const struct aios_landlock_rule *landlock_rules;
    size_t landlock_rule_count;
    const struct aios_seccomp_program *seccomp;  // loaded last before exec; NULL: none
};

struct aios_launched {
    pid_t pid;
    int32_t session_keyring;    // the child's session keyring (0 when not asked for)
    int control_fd;             // write one byte to release the child; then read: EOF = exec succeeded,
                                // or the step that failed
                                // ({step, errno}, two int32)
};

// Forks a child that prepares itself per spec and stops before exec until released through control_fd.
// Returns 0, or -1 with errno set (the child, if any, has exited and been reaped).
int aios_launch(const struct aios_launch_spec *spec, struct aios_launched *out);

// Releases the child and waits for the outcome of its exec. Returns 0 when exec succeeded; otherwise -1 with
// *failed_errno and *failed_step (an aios_launch_step) set; the child has exited (the caller reaps it).
// Closes control_fd.
int aios_launch_release(int control_fd, int *failed_errno, int *failed_step);

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
};

#endif
