/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store's schema history: ordered steps, each taking user_version up by one. */
#pragma once

#include <glib.h>

#include "store/db.h"

G_BEGIN_DECLS

/* PRAGMA application_id of a chinwag store ("CWAG"), so that we neither
 * migrate another program's SQLite file nor let it be mistaken for ours. */
#define CW_STORE_APPLICATION_ID 1129791815 /* 0x43574147 */

/* Returns: (transfer none) (array length=n_migrations): the steps in
 * order; step i has version i + 1. Never edit a step that has shipped: add one. */
const CwStoreMigration *cw_store_migrations (guint *n_migrations);

/* The peer store's schema for cw_db_open (). */
const CwDbSchema *cw_store_schema (void);

G_END_DECLS
