/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The gateway store's schema history: ordered steps, each taking user_version up by one. */
#pragma once

#include <glib.h>

#include "store/db.h"

G_BEGIN_DECLS

/* PRAGMA application_id of a gateway store ("CWGW"): not the peer
 * store's, so neither store opens the other's file. */
#define CW_GATEWAY_STORE_APPLICATION_ID 1129793367 /* 0x43574757 */

/* Returns: (transfer none): the gateway schema for cw_db_open (). Never
 * edit a step that has shipped: add one. */
const CwDbSchema *cw_gateway_store_schema (void);

G_END_DECLS
