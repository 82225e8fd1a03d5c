#include "CKeyring.h"

#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int32_t aios_add_key(const char *type, const char *description, const void *payload, size_t length, int32_t keyring) {
    return (int32_t)syscall(SYS_add_key, type, description, payload, length, keyring);
}

long aios_keyctl_read(int32_t key, void *buffer, size_t length) {
    return syscall(SYS_keyctl, KEYCTL_READ, key, buffer, length, 0);
}

long aios_keyctl_describe(int32_t key, char *buffer, size_t length) {
    return syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, buffer, length, 0);
}

long aios_keyctl_setperm(int32_t key, uint32_t permissions) {
    return syscall(SYS_keyctl, KEYCTL_SETPERM, key, permissions, 0, 0);
}

long aios_keyctl_search(int32_t keyring, const char *type, const char *description, int32_t destination) {
    return syscall(SYS_keyctl, KEYCTL_SEARCH, keyring, type, description, destination);
}

long aios_keyctl_unlink(int32_t key, int32_t keyring) {
    return syscall(SYS_keyctl, KEYCTL_UNLINK, key, keyring, 0, 0);
}

long aios_keyctl_invalidate(int32_t key) {
    return syscall(SYS_keyctl, KEYCTL_INVALIDATE, key, 0, 0, 0);
}

long aios_keyctl_get_keyring_id(int32_t id, int create) {
    return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, id, create, 0, 0);
}

long aios_keyctl_link(int32_t key, int32_t keyring) { return syscall(SYS_keyctl, KEYCTL_LINK, key, keyring, 0, 0); }

long aios_keyctl_update(int32_t key, const void *payload, size_t length) {
    return syscall(SYS_keyctl, KEYCTL_UPDATE, key, payload, length, 0);
}

long aios_keyctl_set_timeout(int32_t key, uint32_t seconds) {
    return syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, key, seconds, 0, 0);
}

long aios_keyctl_revoke(int32_t key) { return syscall(SYS_keyctl, KEYCTL_REVOKE, key, 0, 0, 0); }

int aios_refuse_core_dumps(void) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int aios_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
