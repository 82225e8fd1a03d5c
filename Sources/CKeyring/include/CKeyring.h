// Thin wrappers over the add_key(2) and keyctl(2) system calls: keyctl is variadic, which Swift cannot call.
// Each returns what the system call returns (-1 with errno set on failure).
#ifndef AIOS_CKEYRING_H
#define AIOS_CKEYRING_H

#include <stddef.h>
#include <stdint.h>

enum {
    AIOS_KEY_SPEC_THREAD_KEYRING = -1,
    AIOS_KEY_SPEC_PROCESS_KEYRING = -2,
    AIOS_KEY_SPEC_SESSION_KEYRING = -3,
    AIOS_KEY_SPEC_USER_KEYRING = -4,
    AIOS_KEY_SPEC_USER_SESSION_KEYRING = -5,
};

int32_t aios_add_key(const char *type, const char *description, const void *payload, size_t length, int32_t keyring);
long aios_keyctl_read(int32_t key, void *buffer, size_t length);
long aios_keyctl_describe(int32_t key, char *buffer, size_t length);
long aios_keyctl_setperm(int32_t key, uint32_t permissions);
long aios_keyctl_search(int32_t keyring, const char *type, const char *description, int32_t destination);
long aios_keyctl_unlink(int32_t key, int32_t keyring);
long aios_keyctl_invalidate(int32_t key);
long aios_keyctl_get_keyring_id(int32_t id, int create);
long aios_keyctl_link(int32_t key, int32_t keyring);
long aios_keyctl_update(int32_t key, const void *payload, size_t length);
long aios_keyctl_set_timeout(int32_t key, uint32_t seconds);
long aios_keyctl_revoke(int32_t key);

// Makes the process non-dumpable (PR_SET_DUMPABLE 0: no core file, no ptrace attach by same-uid processes, /proc
// files owned by root) and sets RLIMIT_CORE to 0. prctl is variadic too. Returns 0, or -1 with errno set.
int aios_refuse_core_dumps(void);

// PR_GET_DUMPABLE: 1 when the process may dump core / be attached by its uid, 0 when not.
int aios_is_dumpable(void);

#endif
