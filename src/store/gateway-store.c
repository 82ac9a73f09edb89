/* SPDX-License-Identifier: GPL-3.0-or-later */
/* placeholder */
#include "config.h"
typedef int cw_placeholder_t;
