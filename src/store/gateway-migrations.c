/* SPDX-License-Identifier: GPL-3.0-or-later */
/* placeholder */
typedef int cw_placeholder2_t;
