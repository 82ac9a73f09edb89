/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwDb: one SQLite connection (WAL, migrations, cached statements) shared by the stores. */
#pragma once

#include <glib.h>

#include "store/store-error.h"

G_BEGIN_DECLS

/* Internal to store/: the stores are the storage interface; CwDb is what
 * they share so that opening, WAL, schema migrations, statements and
 * error mapping are written once. Only db.c includes sqlite3.h. */

typedef struct
{
  guint version;       /* PRAGMA user_version once this step is applied */
  const gchar *summary;
  const gchar *sql;    /* one or more statements, run in one transaction */
} CwStoreMigration;

/* What a kind of store keeps in its file. */
typedef struct
{
  /* PRAGMA application_id, so that one program's file (or the other
   * store's) is neither migrated nor mistaken for ours. The first
   * migration must set it. */
  gint32 application_id;
  const CwStoreMigration *steps; /* step i has version i + 1 */
  guint n_steps;
} CwDbSchema;

typedef struct _CwDb CwDb;
typedef struct _CwDbStmt CwDbStmt;

/**
 * cw_db_open:
 * @path: created (mode 0600) when missing
 * @up_to_version: migrate up to this version; 0 for the newest (tests use
 *   an older one to build a file as an older chinwag left it)
 *
 * Opens @path, switches it to WAL with synchronous=FULL and foreign keys,
 * and brings its schema up to date, one migration per transaction.
 * Refuses, without changing it, a file of a newer schema
 * (CW_STORE_ERROR_TOO_NEW) or of another program (CW_STORE_ERROR_NOT_A_STORE).
 */
CwDb *cw_db_open (const gchar *path, const CwDbSchema *schema, guint up_to_version,
                  GError **error);
void cw_db_close (CwDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwDb, cw_db_close)

const gchar *cw_db_get_path (CwDb *db);
guint cw_db_get_schema_version (CwDb *db);

/* Runs one or more statements without results (schema, PRAGMAs, tests). */
gboolean cw_db_exec (CwDb *db, const gchar *sql, GError **error);

/* A write transaction: BEGIN IMMEDIATE takes the write lock at once, so a
 * read-then-write inside cannot fail half-way on a lock. */
gboolean cw_db_begin (CwDb *db, GError **error);
/* A read transaction: several SELECTs see one snapshot. End it with commit. */
gboolean cw_db_begin_read (CwDb *db, GError **error);
gboolean cw_db_commit (CwDb *db, GError **error);
/* Rolls back the open transaction, if any. */
void cw_db_rollback (CwDb *db);

/* Rows changed by the last statement, and the last inserted rowid. */
gint64 cw_db_changes (CwDb *db);
gint64 cw_db_last_insert_rowid (CwDb *db);

/* Returns: (transfer none): a statement prepared once per @sql, which
 * must be static text (the pointer is the cache key). Hold it in a
 * g_autoptr (CwDbStmt): it is reset and its bindings cleared when released,
 * so no read transaction stays open behind it. */
CwDbStmt *cw_db_prepare (CwDb *db, const gchar *sql, GError **error);
void cw_db_stmt_release (CwDbStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwDbStmt, cw_db_stmt_release)

/* Parameters count from 1. A failed bind is remembered and reported by the
 * next step, so callers bind without checking each call. NULL text or
 * bytes binds SQL NULL. */
void cw_db_bind_text (CwDbStmt *stmt, int index, const gchar *text);
void cw_db_bind_int64 (CwDbStmt *stmt, int index, gint64 value);
void cw_db_bind_bytes (CwDbStmt *stmt, int index, GBytes *bytes);

typedef enum
{
  CW_DB_STEP_ERROR,
  CW_DB_STEP_ROW,
  CW_DB_STEP_DONE,
} CwDbStep;

/* @what: what the caller was doing, for the error message ("Could not …"). */
CwDbStep cw_db_step (CwDbStmt *stmt, const gchar *what, GError **error);
/* Steps a statement that returns no rows. */
gboolean cw_db_run (CwDbStmt *stmt, const gchar *what, GError **error);

/* Steps a one-row, one-column query into @out. @found (optional) says
 * whether there was a row; without it a missing row is an error. */
gboolean cw_db_query_int64 (CwDbStmt *stmt, const gchar *what, gint64 *out, gboolean *found,
                            GError **error);
/* Steps a one-row, one-column query: @out is a copy of the text, NULL when
 * there was no row. */
gboolean cw_db_query_text (CwDbStmt *stmt, const gchar *what, gchar **out, GError **error);
/* Returns: (transfer full) (element-type utf8): column 0 of every row. */
GPtrArray *cw_db_collect_strings (CwDbStmt *stmt, const gchar *what, GError **error);

/* Columns count from 0. Text and bytes are NULL for SQL NULL. */
const gchar *cw_db_column_text (CwDbStmt *stmt, int column);
gchar *cw_db_column_dup_text (CwDbStmt *stmt, int column);
gint64 cw_db_column_int64 (CwDbStmt *stmt, int column);
GBytes *cw_db_column_bytes (CwDbStmt *stmt, int column);

G_END_DECLS
