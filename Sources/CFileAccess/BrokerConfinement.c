#define _GNU_SOURCE
#include "CFileAccess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int aios_broker_mask(const char *const *paths, size_t count) {
    // CLONE_FS with CLONE_NEWNS: the mount namespace becomes this thread's alone; the daemon's other threads keep
    // the host's view. Slave propagation first, so nothing mounted here ever reaches the host.
    if (unshare(CLONE_FS | CLONE_NEWNS) != 0) return AIOS_BROKER_STEP_UNSHARE;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) return AIOS_BROKER_STEP_PROPAGATION;
    // Files first, directories second: a file is covered by binding /dev/null over it, which must happen before
    // /dev (or a directory above the file) is itself hidden.
    for (int directories = 0; directories <= 1; directories++) {
        for (size_t index = 0; index < count; index++) {
            struct stat status;
            if (lstat(paths[index], &status) != 0) {
                if (errno == ENOENT) continue;  // nothing there to reach (or already hidden); the Gate refuses it
                return AIOS_BROKER_STEP_MASK;
            }
            if ((S_ISDIR(status.st_mode) != 0) != directories) continue;
            int failed = directories
                ? mount("aios-masked", paths[index], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        "size=4k,mode=000")
                : mount("/dev/null", paths[index], NULL, MS_BIND, NULL);
            if (failed != 0) return AIOS_BROKER_STEP_MASK;
        }
    }
    return 0;
}

uint64_t aios_landlock_handled_rights(long abi) {
    uint64_t rights = (1ULL << 13) - 1;
    if (abi >= 2) rights |= 1ULL << 13;
    if (abi >= 3) rights |= 1ULL << 14;
    if (abi >= 5) rights |= 1ULL << 15;
    return rights;
}

int aios_broker_restrict(const struct aios_broker_rule *rules, size_t count) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return AIOS_BROKER_STEP_LANDLOCK;
    struct landlock_ruleset_attr attributes = {.handled_access_fs = aios_landlock_handled_rights(abi)};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, sizeof attributes, 0);
    if (ruleset < 0) return AIOS_BROKER_STEP_LANDLOCK;
    int failed = 0;
    for (size_t index = 0; index < count && !failed; index++) {
        struct landlock_path_beneath_attr rule = {.allowed_access = rules[index].access & attributes.handled_access_fs,
                                                  .parent_fd = rules[index].directory};
        failed = rule.allowed_access != 0 &&
                 syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0;
    }
    // no_new_privs is per thread too, and Landlock requires it of a caller without CAP_SYS_ADMIN.
    if (!failed) failed = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0;
    // Without LANDLOCK_RESTRICT_SELF_TSYNC this confines the calling thread only.
    if (!failed) failed = syscall(SYS_landlock_restrict_self, ruleset, 0) != 0;
    int saved = errno;
    close(ruleset);
    errno = saved;
    return failed ? AIOS_BROKER_STEP_LANDLOCK : 0;
}
