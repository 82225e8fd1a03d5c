// setns(2)/unshare(2) need _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE
#include "CNftables.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int aios_netns_enter(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int result = setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
    close(fd);
    return result;
}

int aios_netns_unshare(void) { return unshare(CLONE_NEWNET) == 0 ? 0 : -errno; }

int aios_gettid(void) { return (int)gettid(); }
