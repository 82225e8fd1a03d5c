#include "CNftables.h"
