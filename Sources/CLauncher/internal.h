// Pieces of the launcher's child shared between its C files (not part of the public header).
#ifndef AIOS_CLAUNCHER_INTERNAL_H
#define AIOS_CLAUNCHER_INTERNAL_H

#include "CLauncher.h"

// Builds the view on a new tmpfs at view->root and pivots into it. Runs in the child, after unshare(CLONE_NEWNS)
// and inside the new PID namespace (procfs shows the namespace of the process that mounts it). Returns 0, or -1
// with errno set and *failed_index the mount that failed (-1: the view itself).
int aios_enter_view(const struct aios_filesystem_view *view, int *failed_index);

#endif
