// libnftables, in-process: one context per caller, commands as text or JSON, output and errors into buffers.
#ifndef AIOS_CNFTABLES_H
#define AIOS_CNFTABLES_H
#include <nftables/libnftables.h>
#endif
