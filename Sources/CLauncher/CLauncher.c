#define _GNU_SOURCE
#include "CLauncher.h"

#include <errno.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The child's side of the control socket: reports, waits, and on failure says which step failed and why.
// Every message on the control socket is {step, value}: step 0 = ready (value = session keyring serial),
// otherwise the step that failed (value = its errno).
static void child_fail(int fd, int step) {
    int32_t report[2] = {step, errno};
    (void)!write(fd, report, sizeof report);
    _exit(127);
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

static void child_run(const struct aios_launch_spec *spec, int fd) {
    // Default signal dispositions and an empty mask: the parent's are not the program's business.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int32_t session = 0;
    if (spec->join_session_keyring) {
        long serial = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
        if (serial < 0) child_fail(fd, AIOS_STEP_SESSION_KEYRING);
        session = (int32_t)serial;
        if (syscall(SYS_keyctl, KEYCTL_SETPERM, session, spec->session_permissions, 0, 0) < 0)
            child_fail(fd, AIOS_STEP_SESSION_PERMISSIONS);
    }
    int32_t ready[2] = {0, session};
    if (write(fd, ready, sizeof ready) != sizeof ready) child_fail(fd, AIOS_STEP_REPORT);
    char go;
    if (read_full(fd, &go, 1) != 1) _exit(127);  // the parent gave up: exit quietly

    for (int target = 0; target < 3; target++) {
        int source = spec->stdio[target];
        if (source >= 0 && source != target && dup2(source, target) < 0) child_fail(fd, AIOS_STEP_STDIO);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(fd, AIOS_STEP_NO_NEW_PRIVS);
    if (spec->change_identity) {
        if (setgroups(0, NULL) != 0 || setresgid(spec->gid, spec->gid, spec->gid) != 0 ||
            setresuid(spec->uid, spec->uid, spec->uid) != 0)
            child_fail(fd, AIOS_STEP_IDENTITY);
    }
    execve(spec->path, spec->argv, spec->envp);
    child_fail(fd, AIOS_STEP_EXEC);
}

int aios_launch(const struct aios_launch_spec *spec, struct aios_launched *out) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
    pid_t pid = fork();
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
    int32_t report[2] = {AIOS_STEP_REPORT, EIO};
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

int aios_launch_release(int control_fd, int *failed_errno, int *failed_step) {
    char go = 1;
    if (write(control_fd, &go, 1) != 1) {
        *failed_errno = errno;
        *failed_step = AIOS_STEP_WAIT;
        close(control_fd);
        return -1;
    }
    int32_t report[2];
    int got = read_full(control_fd, report, sizeof report);
    close(control_fd);
    if (got == 0) return 0;  // closed by exec
    *failed_step = got == (int)sizeof report ? report[0] : AIOS_STEP_EXEC;
    *failed_errno = got == (int)sizeof report ? report[1] : EIO;
    return -1;
}
