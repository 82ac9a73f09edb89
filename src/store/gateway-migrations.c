/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The gateway store's schema history: ordered steps, each taking user_version up by one. */
#include "config.h"
#include "store/gateway-migrations.h"

/* Every per-user table references accounts with ON DELETE CASCADE, so
 * deleting an account deletes its records (foreign keys are on: db.c).
 * Tables keyed by (username, …) are WITHOUT ROWID: the key is the row. */

/* Schema 1: what a client needs to log in and chat.
 *
 * - credentials: one row per SCRAM hash, so a stronger one is a new row,
 *   not a migration. Salted keys only (RFC 5802), never a password.
 * - roster_items.version and roster_tombstones serve roster versioning
 *   (RFC 6121 §2.6): changes since a version are the items and tombstones
 *   with a greater one; accounts.roster_version is the counter.
 * - offline: AUTOINCREMENT keeps ids growing, so delivery order is id order. */
static const gchar schema_1[] =
  "PRAGMA application_id = " G_STRINGIFY (CW_GATEWAY_STORE_APPLICATION_ID) ";"
  "CREATE TABLE accounts ("
  "  username TEXT PRIMARY KEY,"
  "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
  "  roster_version INTEGER NOT NULL DEFAULT 0 CHECK (roster_version >= 0),"
  "  created_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE credentials ("
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256')),"
  "  salt BLOB NOT NULL,"
  "  iterations INTEGER NOT NULL CHECK (iterations > 0),"
  "  stored_key BLOB NOT NULL,"
  "  server_key BLOB NOT NULL,"
  "  PRIMARY KEY (username, hash)"
  ") WITHOUT ROWID;"
  "CREATE TABLE roster_items ("
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  jid TEXT NOT NULL,"
  "  name TEXT,"
  "  subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),"
  "  ask_out INTEGER NOT NULL DEFAULT 0 CHECK (ask_out IN (0, 1)),"
  "  pending_in INTEGER NOT NULL DEFAULT 0 CHECK (pending_in IN (0, 1)),"
  "  version INTEGER NOT NULL,"
  "  PRIMARY KEY (username, jid)"
  ") WITHOUT ROWID;"
  "CREATE INDEX roster_items_by_version ON roster_items (username, version);"
  "CREATE TABLE roster_groups ("
  "  username TEXT NOT NULL,"
  "  jid TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  PRIMARY KEY (username, jid, name),"
  "  FOREIGN KEY (username, jid) REFERENCES roster_items ON DELETE CASCADE"
  ") WITHOUT ROWID;"
  "CREATE TABLE roster_tombstones ("
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  jid TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  PRIMARY KEY (username, jid)"
  ") WITHOUT ROWID;"
  "CREATE INDEX roster_tombstones_by_version ON roster_tombstones (username, version);"
  "CREATE TABLE offline ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  stanza TEXT NOT NULL,"
  "  stored_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX offline_by_user ON offline (username, id);";

/* Schema 2: the rest of what clients expect of a server.
 *
 * - archive: seq is the archive order (and the paging key); id is the
 *   public UUID, unique per user. archive_by_time serves expiry. */
static const gchar schema_2[] =
  "CREATE TABLE archive ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  id TEXT NOT NULL,"
  "  timestamp INTEGER NOT NULL,"
  "  with_jid TEXT NOT NULL,"
  "  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
  "  stanza TEXT NOT NULL,"
  "  UNIQUE (username, id)"
  ");"
  "CREATE INDEX archive_by_user ON archive (username, seq);"
  "CREATE INDEX archive_by_with ON archive (username, with_jid, seq);"
  "CREATE INDEX archive_by_time ON archive (timestamp);"
  "CREATE TABLE blocklist ("
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  jid TEXT NOT NULL,"
  "  PRIMARY KEY (username, jid)"
  ") WITHOUT ROWID;"
  "CREATE TABLE vcards ("
  "  username TEXT PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,"
  "  vcard TEXT NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE private_xml ("
  "  username TEXT NOT NULL REFERENCES accounts ON DELETE CASCADE,"
  "  element TEXT NOT NULL,"
  "  ns TEXT NOT NULL,"
  "  xml TEXT NOT NULL,"
  "  PRIMARY KEY (username, element, ns)"
  ") WITHOUT ROWID;";

static const CwStoreMigration migrations[] = {
  { 1, "accounts, credentials, rosters, offline messages", schema_1 },
  { 2, "archive, blocklist, vCards, private XML", schema_2 },
};

static const CwDbSchema schema = {
  CW_GATEWAY_STORE_APPLICATION_ID,
  migrations,
  G_N_ELEMENTS (migrations),
};

const CwDbSchema *
cw_gateway_store_schema (void)
{
  return &schema;
}
