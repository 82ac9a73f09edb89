/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwDb: one SQLite connection (WAL, migrations, cached statements) shared by the stores. */
#include "config.h"
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

/* Another process (a second daemon, a backup) may hold the write lock for
 * a moment; wait this long before reporting CW_STORE_ERROR_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* Truncate the WAL back to this size after a checkpoint, so one large
 * transaction does not leave a large file behind. */
#define JOURNAL_SIZE_LIMIT 4194304 /* 4 MiB */

struct _CwDb
{
  gchar *path;              /* owned */
  sqlite3 *db;              /* owned */
  const CwDbSchema *schema; /* not owned: static */
  GHashTable *statements;   /* (static SQL text) -> owned CwDbStmt * */
  guint schema_version;
};

struct _CwDbStmt
{
  CwDb *db;           /* not owned: the statement lives in db->statements */
  sqlite3_stmt *stmt; /* owned */
  int bind_rc;        /* the first failed bind since the last release */
};

G_DEFINE_QUARK (cw-store-error-quark, cw_store_error)

/* Errors */

static CwStoreError
error_code_for (int rc)
{
  switch (rc)
    {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return CW_STORE_ERROR_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      /* Every foreign key points at its owner (an account). */
      return CW_STORE_ERROR_NOT_FOUND;
    default:
      break;
    }
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return CW_STORE_ERROR_BUSY;
    case SQLITE_CORRUPT:
      return CW_STORE_ERROR_CORRUPT;
    case SQLITE_NOTADB:
      return CW_STORE_ERROR_NOT_A_STORE;
    case SQLITE_FULL:
      return CW_STORE_ERROR_FULL;
    case SQLITE_CONSTRAINT:
      return CW_STORE_ERROR_CONSTRAINT;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return CW_STORE_ERROR_IO;
    default:
      return CW_STORE_ERROR_FAILED;
    }
}

/* Sets @error from SQLite's last error, prefixed by what we were doing.
 * Always returns FALSE, for "return set_error (…);". */
static gboolean
set_error (CwDb *self, GError **error, int rc, const gchar *what)
{
  const gchar *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  /* A failed bind leaves no error on the connection. */
  if (self->db != NULL && (sqlite3_extended_errcode (self->db) & 0xff) != (rc & 0xff))
    detail = sqlite3_errstr (rc);
  g_set_error (error, CW_STORE_ERROR, error_code_for (rc), "%s (%s): %s", what, self->path,
               detail);
  return FALSE;
}

/* Statements */

gboolean
cw_db_exec (CwDb *self, const gchar *sql, GError **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_error (self, error, sqlite3_extended_errcode (self->db),
                      _("Could not update the database"));
  return TRUE;
}

/* For statements run once per open (PRAGMAs): not cached. */
static gboolean
query_int (CwDb *self, const gchar *sql, gint64 *out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return set_error (self, error, rc, _("Could not read the database"));
  return TRUE;
}

static gchar *
query_text (CwDb *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gchar *text = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    text = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    set_error (self, error, rc, _("Could not read the database"));
  return text;
}

static void
stmt_free (gpointer data)
{
  CwDbStmt *stmt = data;

  sqlite3_finalize (stmt->stmt);
  g_free (stmt);
}

CwDbStmt *
cw_db_prepare (CwDb *self, const gchar *sql, GError **error)
{
  CwDbStmt *stmt = g_hash_table_lookup (self->statements, sql);
  sqlite3_stmt *raw = NULL;
  int rc;

  if (stmt != NULL)
    {
      /* Only a nested use of the same statement leaves it busy. */
      g_return_val_if_fail (!sqlite3_stmt_busy (stmt->stmt), NULL);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (self, error, rc, _("Could not read the database"));
      return NULL;
    }
  stmt = g_new0 (CwDbStmt, 1);
  stmt->db = self;
  stmt->stmt = raw;
  stmt->bind_rc = SQLITE_OK;
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

void
cw_db_stmt_release (CwDbStmt *stmt)
{
  sqlite3_reset (stmt->stmt);
  sqlite3_clear_bindings (stmt->stmt);
  stmt->bind_rc = SQLITE_OK;
}

static void
note_bind (CwDbStmt *stmt, int rc)
{
  if (rc != SQLITE_OK && stmt->bind_rc == SQLITE_OK)
    stmt->bind_rc = rc;
}

void
cw_db_bind_text (CwDbStmt *stmt, int index, const gchar *text)
{
  note_bind (stmt, sqlite3_bind_text (stmt->stmt, index, text, -1, SQLITE_TRANSIENT));
}

void
cw_db_bind_int64 (CwDbStmt *stmt, int index, gint64 value)
{
  note_bind (stmt, sqlite3_bind_int64 (stmt->stmt, index, value));
}

void
cw_db_bind_bytes (CwDbStmt *stmt, int index, GBytes *bytes)
{
  gsize size = 0;
  gconstpointer data;

  if (bytes == NULL)
    {
      note_bind (stmt, sqlite3_bind_null (stmt->stmt, index));
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  /* A zero-length blob, not NULL, even when @data is NULL. */
  note_bind (stmt, sqlite3_bind_blob64 (stmt->stmt, index, data != NULL ? data : "", size,
                                        SQLITE_TRANSIENT));
}

CwDbStep
cw_db_step (CwDbStmt *stmt, const gchar *what, GError **error)
{
  int rc;

  if (stmt->bind_rc != SQLITE_OK)
    {
      set_error (stmt->db, error, stmt->bind_rc, what);
      return CW_DB_STEP_ERROR;
    }
  rc = sqlite3_step (stmt->stmt);
  if (rc == SQLITE_ROW)
    return CW_DB_STEP_ROW;
  if (rc == SQLITE_DONE)
    return CW_DB_STEP_DONE;
  set_error (stmt->db, error, sqlite3_extended_errcode (stmt->db->db), what);
  return CW_DB_STEP_ERROR;
}

gboolean
cw_db_run (CwDbStmt *stmt, const gchar *what, GError **error)
{
  switch (cw_db_step (stmt, what, error))
    {
    case CW_DB_STEP_DONE:
      return TRUE;
    case CW_DB_STEP_ROW:
      g_critical ("%s: a statement run for its effect returned rows", G_STRFUNC);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
cw_db_query_int64 (CwDbStmt *stmt, const gchar *what, gint64 *out, gboolean *found,
                   GError **error)
{
  switch (cw_db_step (stmt, what, error))
    {
    case CW_DB_STEP_ROW:
      *out = sqlite3_column_int64 (stmt->stmt, 0);
      if (found != NULL)
        *found = TRUE;
      return TRUE;
    case CW_DB_STEP_DONE:
      if (found != NULL)
        {
          *found = FALSE;
          return TRUE;
        }
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_FAILED, "%s (%s)", what,
                   stmt->db->path);
      return FALSE;
    default:
      return FALSE;
    }
}

gboolean
cw_db_query_text (CwDbStmt *stmt, const gchar *what, gchar **out, GError **error)
{
  *out = NULL;
  switch (cw_db_step (stmt, what, error))
    {
    case CW_DB_STEP_ROW:
      *out = cw_db_column_dup_text (stmt, 0);
      return TRUE;
    case CW_DB_STEP_DONE:
      return TRUE;
    default:
      return FALSE;
    }
}

GPtrArray *
cw_db_collect_strings (CwDbStmt *stmt, const gchar *what, GError **error)
{
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  CwDbStep step;

  while ((step = cw_db_step (stmt, what, error)) == CW_DB_STEP_ROW)
    g_ptr_array_add (strings, cw_db_column_dup_text (stmt, 0));
  return step == CW_DB_STEP_DONE ? g_steal_pointer (&strings) : NULL;
}

const gchar *
cw_db_column_text (CwDbStmt *stmt, int column)
{
  return (const gchar *) sqlite3_column_text (stmt->stmt, column);
}

gchar *
cw_db_column_dup_text (CwDbStmt *stmt, int column)
{
  return g_strdup (cw_db_column_text (stmt, column));
}

gint64
cw_db_column_int64 (CwDbStmt *stmt, int column)
{
  return sqlite3_column_int64 (stmt->stmt, column);
}

GBytes *
cw_db_column_bytes (CwDbStmt *stmt, int column)
{
  const void *data;

  if (sqlite3_column_type (stmt->stmt, column) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt->stmt, column);
  return g_bytes_new (data, sqlite3_column_bytes (stmt->stmt, column));
}

gint64
cw_db_changes (CwDb *self)
{
  return sqlite3_changes (self->db);
}

gint64
cw_db_last_insert_rowid (CwDb *self)
{
  return sqlite3_last_insert_rowid (self->db);
}

/* Transactions */

gboolean
cw_db_begin (CwDb *self, GError **error)
{
  return cw_db_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
cw_db_begin_read (CwDb *self, GError **error)
{
  return cw_db_exec (self, "BEGIN", error);
}

gboolean
cw_db_commit (CwDb *self, GError **error)
{
  if (cw_db_exec (self, "COMMIT", error))
    return TRUE;
  cw_db_rollback (self);
  return FALSE;
}

void
cw_db_rollback (CwDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Opening */

/* SQLite would create the file with the umask's permissions; stores are
 * private, and SQLite gives the -wal and -shm files the same mode. */
static gboolean
create_private_file (const gchar *path, GError **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int saved_errno = errno;

  if (fd < 0)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_IO, _("Could not open %s: %s"), path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
check_schema_not_newer (CwDb *self, gint64 version, GError **error)
{
  if (version <= self->schema->n_steps)
    return TRUE;
  g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_TOO_NEW,
               _("%s was written by a newer version of chinwag (schema %u; this version knows "
                 "up to %u). Upgrade chinwag, or move the file aside to start afresh."),
               self->path, (guint) MIN (version, G_MAXUINT), self->schema->n_steps);
  return FALSE;
}

/* Looks before touching: a foreign or newer file must be left as it was. */
static gboolean
check_ownership (CwDb *self, GError **error)
{
  gint64 application_id, version, n_objects;

  if (!query_int (self, "PRAGMA application_id", &application_id, error)
      || !query_int (self, "PRAGMA user_version", &version, error)
      || !query_int (self, "SELECT count(*) FROM sqlite_master", &n_objects, error))
    return FALSE;
  if (application_id != self->schema->application_id && (application_id != 0 || n_objects > 0))
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE,
                   _("%s is a database of another program, not a chinwag store"), self->path);
      return FALSE;
    }
  return check_schema_not_newer (self, version, error);
}

static gboolean
configure (CwDb *self, GError **error)
{
  g_autofree gchar *mode = query_text (self, "PRAGMA journal_mode = WAL", error);

  if (mode == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (mode, "wal") != 0)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_IO,
                   _("%s cannot use write-ahead logging (journal mode is %s); is it on a "
                     "network file system?"),
                   self->path, mode);
      return FALSE;
    }
  /* FULL, not NORMAL. With WAL both survive kill -9 (a commit is in the
   * kernel's page cache once write() returns); NORMAL may lose the last
   * commits on a power cut or kernel crash, FULL fsyncs the WAL at each
   * commit so "queued" means safe without qualification. The price is one
   * fsync per commit (about 7 ms against 0.25 ms on a CI VM disk): nothing
   * at human message rates; a burst should be one transaction. */
  return cw_db_exec (self,
                     "PRAGMA synchronous = FULL;"
                     "PRAGMA foreign_keys = ON;"
                     "PRAGMA journal_size_limit = " G_STRINGIFY (JOURNAL_SIZE_LIMIT) ";",
                     error);
}

static gboolean
apply_migration (CwDb *self, const CwStoreMigration *step, GError **error)
{
  g_autofree gchar *set_version = g_strdup_printf ("PRAGMA user_version = %u", step->version);
  gint64 version;

  if (!cw_db_begin (self, error))
    goto failed;
  /* Read again under the write lock: another process may have got here first. */
  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !check_schema_not_newer (self, version, error))
    goto failed;
  if (version >= step->version)
    return cw_db_commit (self, error);
  if (!cw_db_exec (self, step->sql, error) || !cw_db_exec (self, set_version, error)
      || !cw_db_commit (self, error))
    goto failed;
  g_debug ("%s: schema %u: %s", self->path, step->version, step->summary);
  return TRUE;

failed:
  cw_db_rollback (self);
  g_prefix_error (error, _("Could not bring the database to schema %u: "), step->version);
  return FALSE;
}

static gboolean
migrate (CwDb *self, guint up_to_version, GError **error)
{
  const CwDbSchema *schema = self->schema;
  gint64 version;

  if (!query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;
  for (guint i = 0; i < MIN (up_to_version, schema->n_steps); i++)
    {
      g_assert (schema->steps[i].version == i + 1);
      if (version < schema->steps[i].version && !apply_migration (self, &schema->steps[i], error))
        return FALSE;
    }
  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !check_schema_not_newer (self, version, error))
    return FALSE;
  self->schema_version = version;
  return TRUE;
}

CwDb *
cw_db_open (const gchar *path, const CwDbSchema *schema, guint up_to_version, GError **error)
{
  g_autoptr (CwDb) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL && schema != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (CwDb, 1);
  self->path = g_strdup (path);
  self->schema = schema;
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, stmt_free);
  if (!create_private_file (path, error))
    return NULL;
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (self, error, rc, _("Could not open the database"));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  if (!check_ownership (self, error) || !configure (self, error)
      || !migrate (self, up_to_version != 0 ? up_to_version : schema->n_steps, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
cw_db_close (CwDb *self)
{
  if (self == NULL)
    return;
  /* Statements first: a connection with live statements does not close. */
  g_hash_table_destroy (self->statements);
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("%s: could not close the database: %s", self->path, sqlite3_errmsg (self->db));
  g_free (self->path);
  g_free (self);
}

const gchar *
cw_db_get_path (CwDb *self)
{
  return self->path;
}

guint
cw_db_get_schema_version (CwDb *self)
{
  return self->schema_version;
}
