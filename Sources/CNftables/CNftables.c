// setns(2)/unshare(2) need _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE
#include "CNftables.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int aios_netns_enter(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int result = setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
    close(fd);
    return result;
}

int aios_netns_unshare(void) { return unshare(CLONE_NEWNET) == 0 ? 0 : -errno; }

int aios_gettid(void) { return (int)gettid(); }

int aios_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    int result = 0;
    if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
        result = -errno;
    } else if (!(request.ifr_flags & IFF_UP)) {
        request.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &request) != 0) result = -errno;
    }
    close(fd);
    return result;
}

long aios_splice(int from, int to, unsigned long length) {
    ssize_t moved = splice(from, NULL, to, NULL, length, SPLICE_F_MOVE);
    return moved >= 0 ? (long)moved : -errno;
}

int aios_pipe_size(int fd, int size) {
    int result = fcntl(fd, F_SETPIPE_SZ, size);
    return result >= 0 ? result : -errno;
}
