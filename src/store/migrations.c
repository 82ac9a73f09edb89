/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store's schema history: ordered steps, each taking user_version up by one. */
#include "config.h"
#include "store/migrations.h"

#define STR(x) #x
#define XSTR(x) STR (x)

/* Schema 1: the link-local peer's messages — outgoing queue and history in
 * one table, so a history page shows both directions in the order they
 * happened.
 *
 * - AUTOINCREMENT: ids are shown to D-Bus clients and used as history page
 *   cursors; they must never be reused, even after the newest row is deleted.
 * - messages_by_peer serves history pages (keyset on id: unlike created_at,
 *   id is unique, so pages have no gaps and no duplicates).
 * - messages_by_state serves the queue: pending for a peer, and 'sent'
 *   rows to recover after a restart; both are small slices of the table.
 * - messages_by_stanza_id serves receipts (XEP-0184) and incoming dedupe. */
static const gchar schema_1[] =
  "PRAGMA application_id = " XSTR (CW_STORE_APPLICATION_ID) ";"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  peer TEXT NOT NULL,"
  "  direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),"
  "  stanza_id TEXT,"
  "  type TEXT NOT NULL DEFAULT 'chat',"
  "  body TEXT,"
  "  thread TEXT,"
  "  state TEXT NOT NULL"
  "    CHECK (state IN ('queued', 'sent', 'delivered', 'failed', 'received')),"
  "  receipt_requested INTEGER NOT NULL DEFAULT 0 CHECK (receipt_requested IN (0, 1)),"
  "  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
  "  error TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  CHECK ((direction = 'in') = (state = 'received'))"
  ");"
  "CREATE INDEX messages_by_peer ON messages (peer, id);"
  "CREATE INDEX messages_by_state ON messages (state, peer);"
  "CREATE INDEX messages_by_stanza_id ON messages (peer, stanza_id);";

static const CwStoreMigration migrations[] = {
  { 1, "messages: outgoing queue and history", schema_1 },
};

static const CwDbSchema schema = {
  CW_STORE_APPLICATION_ID,
  migrations,
  G_N_ELEMENTS (migrations),
};

const CwDbSchema *
cw_store_schema (void)
{
  return &schema;
}

const CwStoreMigration *
cw_store_migrations (guint *n_migrations)
{
  g_return_val_if_fail (n_migrations != NULL, NULL);
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
