#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/landlock.h>

#include "CFileAccess.h"
#include <linux/openat2.h>
#include <poll.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The child's side of the control socket: reports, waits, and on failure says which step failed and why.
// Every message on the control socket is {step, value, detail}: step 0 = ready (value = session keyring
// serial), otherwise the step that failed (value = its errno, detail = which part of the step).
static void child_fail_at(int fd, int step, int detail) {
    int32_t report[3] = {step, errno, detail};
    (void)!write(fd, report, sizeof report);
    _exit(127);
}

static void child_fail(int fd, int step) { child_fail_at(fd, step, -1); }

// fork(2) without glibc's fork handlers: the launcher is multithreaded, so its child may call only system calls.
// With CLONE_NEWPID the new process is PID 1 of a new PID namespace.
static pid_t raw_fork(int flags) { return (pid_t)syscall(SYS_clone, SIGCHLD | flags, NULL, NULL, NULL, NULL); }

// PID 1 of the agent's namespace: reaps orphans (they count against pids.max) until the command exits, then
// exits with its status, which ends the namespace: the kernel kills whatever the command left behind.
static void reap_until(pid_t command) {
    for (;;) {
        int status;
        pid_t done = waitpid(-1, &status, 0);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) _exit(127);
        if (done != command) continue;
        _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
}

static int read_full(int fd, void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = read(fd, (char *)buffer + done, length - done);
        if (n == 0) return (int)done;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)n;
    }
    return (int)done;
}

// Landlock's structures as of ABI 6. The system headers (Linux 6.1) stop at ABI 3; the kernel reads only as many
// bytes as the caller passes, so passing a prefix keeps this working on older kernels.
struct aios_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};

struct aios_landlock_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
} __attribute__((packed));

enum {
    AIOS_LANDLOCK_RULE_NET_PORT = 2,
    AIOS_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET = 1,
    AIOS_LANDLOCK_SCOPE_SIGNAL = 2,
};

// Returns 0, or -1 with errno set. A rule whose path does not exist grants nothing (it is skipped).
static int apply_landlock(const struct aios_launch_spec *spec) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return -1;
    uint64_t handled = aios_landlock_handled_rights(abi);
    // The attribute grows with the ABI: pass only the fields this kernel knows. ABI 4 adds TCP bind/connect;
    // ABI 6 scopes abstract Unix sockets and signals to the agent's own domain.
    struct aios_landlock_ruleset_attr ruleset = {.handled_access_fs = handled};
    size_t size = sizeof ruleset.handled_access_fs;
    if (abi >= 4) {
        ruleset.handled_access_net = spec->landlock_net_handled;
        size = offsetof(struct aios_landlock_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        ruleset.scoped = AIOS_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | AIOS_LANDLOCK_SCOPE_SIGNAL;
        size = sizeof ruleset;
    }
    int ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &ruleset, size, 0);
    if (ruleset_fd < 0) return -1;
    for (size_t index = 0; abi >= 4 && index < spec->landlock_port_count; index++) {
        struct aios_landlock_net_port_attr rule = {
            .allowed_access = spec->landlock_ports[index].access & spec->landlock_net_handled,
            .port = spec->landlock_ports[index].port,
        };
        if (rule.allowed_access && syscall(SYS_landlock_add_rule, ruleset_fd, AIOS_LANDLOCK_RULE_NET_PORT, &rule, 0) < 0) {
            close(ruleset_fd);
            return -1;
        }
    }
    for (size_t index = 0; index < spec->landlock_rule_count; index++) {
        // Resolved as the view's binds are: a path with a symbolic link in it (one the agent may have planted)
        // grants nothing, like a missing one.
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        int parent = (int)syscall(SYS_openat2, AT_FDCWD, spec->landlock_rules[index].path, &how, sizeof how);
        if (parent < 0) continue;
        struct stat status;
        uint64_t access = spec->landlock_rules[index].access & handled;
        // A rule on a file may carry only file rights.
        if (fstat(parent, &status) == 0 && !S_ISDIR(status.st_mode)) access &= (1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15);
        struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = parent};
        long added = access ? syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) : 0;
        close(parent);
        if (added < 0) {
            close(ruleset_fd);
            return -1;
        }
    }
    long restricted = syscall(SYS_landlock_restrict_self, ruleset_fd, 0);
    close(ruleset_fd);
    return restricted < 0 ? -1 : 0;
}

// Code from a memfd: in the agent's PID namespace (and every one below it) memfd_create cannot make an
// executable memfd (vm.memfd_noexec = 2: no MFD_EXEC, and a memfd without flags is sealed non-executable), so
// execveat on one fails. Kernels before 6.3 have no such setting; the seccomp filter refuses memfd_create there.
static int forbid_executable_memfds(void) {
    int fd = open("/proc/sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    int written = write(fd, "2", 1) == 1 ? 0 : -1;
    int saved = errno;
    close(fd);
    errno = saved;
    return written;
}

static void child_run(const struct aios_launch_spec *spec, int fd) {
    // Default signal dispositions and an empty mask: the parent's are not the program's business.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    // A session of its own, without a controlling terminal: even holding the caller's terminal as standard input,
    // the agent cannot push input into it (TIOCSTI on a terminal that is not one's own needs CAP_SYS_ADMIN), nor
    // get its signals or take it over.
    if (setsid() < 0) child_fail(fd, AIOS_STEP_SESSION);
    int32_t session = 0;
    if (spec->join_session_keyring) {
        long serial = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
        if (serial < 0) child_fail(fd, AIOS_STEP_SESSION_KEYRING);
        session = (int32_t)serial;
        if (syscall(SYS_keyctl, KEYCTL_SETPERM, session, spec->session_permissions, 0, 0) < 0)
            child_fail(fd, AIOS_STEP_SESSION_PERMISSIONS);
    }
    int32_t ready[3] = {0, session, 0};
    if (write(fd, ready, sizeof ready) != sizeof ready) child_fail(fd, AIOS_STEP_REPORT);

    // While the parent prepares its side (the agent's cgroup, the keys), the child builds its namespaces and view:
    // both sides wait on kernel grace periods (cgroup migration, mount teardown), so they overlap here. Nothing
    // of the agent runs before the release below.
    for (int target = 0; target < 3; target++) {
        int source = spec->stdio[target];
        if (source >= 0 && source != target && dup2(source, target) < 0) child_fail(fd, AIOS_STEP_STDIO);
    }
    // New namespaces while still privileged: a network namespace holds only a down loopback (pathname Unix
    // sockets stay reachable through the filesystem, so the view below shows only the daemon's), IPC and UTS
    // are private. The PID namespace came with the fork.
    int unshared = spec->namespaces & ~CLONE_NEWPID;
    if (unshared && unshare(unshared) != 0) child_fail(fd, AIOS_STEP_NAMESPACES);
    if ((spec->namespaces & CLONE_NEWPID) && forbid_executable_memfds() != 0) child_fail(fd, AIOS_STEP_MEMFD);
    if (spec->filesystem) {
        int failed_index;
        if (aios_enter_view(spec->filesystem, &failed_index) != 0)
            child_fail_at(fd, AIOS_STEP_FILESYSTEM, failed_index);
    }
    // Prepared: the parent may wait for this (aios_launch_prepared) before it records the start as made.
    int32_t prepared[3] = {0, 0, 0};
    if (write(fd, prepared, sizeof prepared) != sizeof prepared) child_fail(fd, AIOS_STEP_REPORT);
    char go;
    if (read_full(fd, &go, 1) != 1) _exit(127);  // the parent gave up: exit quietly
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(fd, AIOS_STEP_NO_NEW_PRIVS);
    // Rules are opened while the launcher's identity can still reach every path; enforcement holds after exec.
    if (spec->landlock && apply_landlock(spec) != 0) child_fail(fd, AIOS_STEP_LANDLOCK);
    if (spec->change_identity) {
        // Raw system calls: glibc's wrappers broadcast the change to every thread it knows of (setxid), taking a
        // lock that another thread of the launcher may have held at fork time, and this child has one thread only.
        if (syscall(SYS_setgroups, 0, NULL) != 0 || syscall(SYS_setresgid, spec->gid, spec->gid, spec->gid) != 0 ||
            syscall(SYS_setresuid, spec->uid, spec->uid, spec->uid) != 0)
            child_fail(fd, AIOS_STEP_IDENTITY);
        // Keys the uid added to its own user keyrings on an earlier run are not this run's: cleared, as the uid
        // (which possesses them).
        if (syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_USER_KEYRING, 0, 0, 0) < 0 ||
            syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_USER_SESSION_KEYRING, 0, 0, 0) < 0)
            child_fail(fd, AIOS_STEP_USER_KEYRING);
    }
    if (spec->namespaces & CLONE_NEWPID) {
        // Nothing runs unsupervised: if the launcher dies, so does PID 1 and with it the namespace. Set after the
        // identity change, which clears it; a launcher that died before is seen as the control socket's hang-up.
        struct pollfd launcher = {.fd = fd, .events = POLLRDHUP};
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(fd, AIOS_STEP_REAPER);
        if (poll(&launcher, 1, 0) != 0) _exit(127);
    }
    if (spec->seccomp) {
        struct sock_fprog program = {.len = spec->seccomp->length, .filter = spec->seccomp->filter};
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) child_fail(fd, AIOS_STEP_SECCOMP);
        if (aios_seccomp_load_module_log() != 0) child_fail(fd, AIOS_STEP_SECCOMP);
    }
    if (spec->namespaces & CLONE_NEWPID) {
        // Confined already, the reaper stays PID 1; signals from inside the namespace do not reach it.
        pid_t command = raw_fork(0);
        if (command < 0) child_fail(fd, AIOS_STEP_REAPER);
        if (command > 0) {
            close(fd);
            reap_until(command);
        }
    }
    execve(spec->path, spec->argv, spec->envp);
    child_fail(fd, AIOS_STEP_EXEC);
}

int aios_launch(const struct aios_launch_spec *spec, struct aios_launched *out) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
    pid_t pid = raw_fork(spec->namespaces & CLONE_NEWPID);
    if (pid < 0) {
        int saved = errno;
        close(pair[0]);
        close(pair[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(pair[0]);
        // Every descriptor but 0-2 and the control socket closes at exec, whatever the parent forgot to mark.
        syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
        child_run(spec, pair[1]);
    }
    close(pair[1]);
    int32_t report[3] = {AIOS_STEP_REPORT, EIO, -1};
    int got = read_full(pair[0], report, sizeof report);
    if (got != (int)sizeof report || report[0] != 0) {
        // The child failed before it was ready: it has exited; reap it and pass on its reason.
        close(pair[0]);
        waitpid(pid, NULL, 0);
        errno = got == (int)sizeof report ? report[1] : EIO;
        return -1;
    }
    out->pid = pid;
    out->session_keyring = report[1];
    out->control_fd = pair[0];
    return 0;
}

// One report from the child: 0 for "prepared", 1 for a failure (in *failure), -1 for end of stream.
static int read_report(int control_fd, struct aios_launch_failure *failure) {
    int32_t report[3];
    int got = read_full(control_fd, report, sizeof report);
    if (got == 0) return -1;
    if (got == (int)sizeof report && report[0] == 0) return 0;
    int complete = got == (int)sizeof report;
    failure->step = complete ? report[0] : AIOS_STEP_EXEC;
    failure->error = complete ? report[1] : EIO;
    failure->detail = complete ? report[2] : -1;
    return 1;
}

int aios_launch_prepared(int control_fd, struct aios_launch_failure *failure) {
    failure->detail = -1;
    int report = read_report(control_fd, failure);
    if (report == 0) return 0;
    if (report < 0) {
        failure->step = AIOS_STEP_REPORT;
        failure->error = EIO;
    }
    return -1;
}

int aios_launch_release(int control_fd, struct aios_launch_failure *failure) {
    char go = 1;
    failure->detail = -1;
    // The child may already have failed (building its view) and closed its end: no SIGPIPE, and its report is
    // still there to read.
    int sent = send(control_fd, &go, 1, MSG_NOSIGNAL) == 1;
    int sent_errno = errno;
    int report;
    while ((report = read_report(control_fd, failure)) == 0) {}  // "prepared", unless the caller waited for it
    close(control_fd);
    if (report < 0 && sent) return 0;  // closed by exec
    if (report < 0) {
        failure->error = sent_errno;
        failure->step = AIOS_STEP_WAIT;
    }
    return -1;
}

#if defined(__x86_64__)
#define AIOS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AIOS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

// The module calls, refused (EPERM) by a second filter loaded with SECCOMP_FILTER_FLAG_LOG, so that each attempt
// becomes an AUDIT_SECCOMP record the daemon's host IDS reads. The main filter refuses them too; of two filters
// giving the same action the newest decides, and only its log flag counts, so exactly these calls are logged (the
// main filter's other refusals, clone3's ENOSYS among them, are not). Other architectures are left to the main
// filter, which kills them.
static const struct sock_filter module_log_filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AIOS_AUDIT_ARCH, 0, 4),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_init_module, 3, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_finit_module, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_delete_module, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
};

int aios_seccomp_load_module_log(void) {
    struct sock_fprog program = {
        .len = sizeof module_log_filter / sizeof module_log_filter[0],
        .filter = (struct sock_filter *)module_log_filter,
    };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &program);
}

int aios_seccomp_compile(struct aios_seccomp_program *program) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return -1;
    const uint32_t refuse = SCMP_ACT_ERRNO(EPERM);
    int rc = 0;
    // Raw sockets in any family, and packet sockets.
    rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
    rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
    // Sockets to the hypervisor and other VMs: outside what the network namespace isolates.
    rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
    // Terminal input injection (TIOCSTI pushes bytes into a terminal's input; TIOCLINUX pastes the console
    // selection), console redirection (TIOCCONS) and line discipline changes (TIOCSETD). The command is an int:
    // compared in its low 32 bits, so setting high bits does not slip past.
    unsigned long terminal[] = {TIOCSTI, TIOCLINUX, TIOCCONS, TIOCSETD};
    for (size_t index = 0; index < sizeof terminal / sizeof terminal[0]; index++)
        rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, terminal[index]));
    // Where the kernel cannot forbid executable memfds per PID namespace (before 6.3), no memfds at all.
    if (access("/proc/sys/vm/memfd_noexec", F_OK) != 0)
        rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(memfd_create), 0);
    // New user namespaces (where an agent would regain capabilities).
    rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(unshare), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    rc |= seccomp_rule_add(ctx, refuse, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    // clone3 passes its flags in memory, which seccomp cannot read: refuse it, so libc falls back to clone.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    int denied[] = {
        SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(ptrace),
        SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(io_uring_setup),
        SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register), SCMP_SYS(bpf), SCMP_SYS(mount), SCMP_SYS(umount2),
        SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(pivot_root), SCMP_SYS(swapon), SCMP_SYS(swapoff),
    };
    for (size_t index = 0; index < sizeof denied / sizeof denied[0]; index++)
        rc |= seccomp_rule_add(ctx, refuse, denied[index], 0);
    if (rc != 0) {
        seccomp_release(ctx);
        errno = EINVAL;
        return -1;
    }
    // Export the BPF through a pipe into memory the children can load after fork without allocating.
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        seccomp_release(ctx);
        return -1;
    }
    int exported = seccomp_export_bpf(ctx, pipe_fds[1]);
    close(pipe_fds[1]);
    seccomp_release(ctx);
    if (exported != 0) {
        close(pipe_fds[0]);
        errno = -exported;
        return -1;
    }
    size_t capacity = 4096 * sizeof(struct sock_filter), length = 0;
    char *buffer = malloc(capacity);
    ssize_t got;
    while (buffer && (got = read(pipe_fds[0], buffer + length, capacity - length)) > 0) {
        length += (size_t)got;
        if (length == capacity) {
            char *grown = realloc(buffer, capacity * 2);
            if (!grown) {
                free(buffer);
                buffer = NULL;
                break;
            }
            buffer = grown;
            capacity *= 2;
        }
    }
    close(pipe_fds[0]);
    if (!buffer) {
        errno = ENOMEM;
        return -1;
    }
    program->length = (uint16_t)(length / sizeof(struct sock_filter));
    program->filter = buffer;
    return 0;
}

void aios_seccomp_free(struct aios_seccomp_program *program) {
    free(program->filter);
    program->filter = NULL;
    program->length = 0;
}
