/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwStore: chinwag's one storage interface, kept in a SQLite file (WAL). */
#include "config.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store/migrations.h"

/* Another process (a second daemon, a backup) may hold the write lock for
 * a moment; wait this long before reporting CW_STORE_ERROR_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* Truncate the WAL back to this size after a checkpoint, so one large
 * transaction does not leave a large file behind. */
#define JOURNAL_SIZE_LIMIT 4194304 /* 4 MiB */

struct _CwStore
{
  GObject parent;
  gchar *path;            /* owned */
  sqlite3 *db;            /* owned */
  GHashTable *statements; /* (static SQL text) -> owned sqlite3_stmt * */
  guint schema_version;
};

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void cw_store_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (CwStore, cw_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cw_store_initable_iface_init))

G_DEFINE_QUARK (cw-store-error-quark, cw_store_error)

/* A cached statement is reset when it goes out of scope, so the next user
 * finds it ready and no read transaction is left open behind it. */
typedef sqlite3_stmt CwStoreStmt;

static void
stmt_release (CwStoreStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwStoreStmt, stmt_release)

#define MESSAGE_COLUMNS \
  "id, peer, direction, stanza_id, type, body, thread, state, receipt_requested, attempts, " \
  "error, created_at, updated_at"

enum
{
  COL_ID,
  COL_PEER,
  COL_DIRECTION,
  COL_STANZA_ID,
  COL_TYPE,
  COL_BODY,
  COL_THREAD,
  COL_STATE,
  COL_RECEIPT_REQUESTED,
  COL_ATTEMPTS,
  COL_ERROR,
  COL_CREATED_AT,
  COL_UPDATED_AT,
};

static const gchar SQL_MESSAGE_INSERT[] =
  "INSERT INTO messages (peer, direction, stanza_id, type, body, thread, state, "
  "receipt_requested, attempts, error, created_at, updated_at) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const gchar SQL_MESSAGE_GET[] =
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1";
/* ?6 is ",state,state,": the compare part of the compare-and-swap. */
static const gchar SQL_MESSAGE_UPDATE[] =
  "UPDATE messages SET state = ?2, receipt_requested = ?3, attempts = ?4, error = ?5, "
  "updated_at = ?7 WHERE id = ?1 AND instr (?6, ',' || state || ',') > 0";
static const gchar SQL_MESSAGE_BY_STATE[] =
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE state = ?1 ORDER BY id";
static const gchar SQL_MESSAGE_BY_STATE_PEER[] =
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE state = ?1 AND peer = ?2 ORDER BY id";
static const gchar SQL_MESSAGE_BY_STANZA_ID[] =
  "SELECT " MESSAGE_COLUMNS " FROM messages "
  "WHERE peer = ?1 AND stanza_id = ?2 AND direction = ?3 ORDER BY id";
static const gchar SQL_MESSAGE_HISTORY[] =
  "SELECT " MESSAGE_COLUMNS " FROM messages "
  "WHERE peer = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";

/* Errors */

static CwStoreError
error_code_for (int rc)
{
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
set_error (CwStore *self, GError **error, int rc, const gchar *what)
{
  const gchar *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  g_set_error (error, CW_STORE_ERROR, error_code_for (rc), "%s (%s): %s", what, self->path,
               detail);
  return FALSE;
}

/* Statements */

static gboolean
exec (CwStore *self, const gchar *sql, GError **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_error (self, error, rc, _("Could not update the database"));
  return TRUE;
}

/* For statements run once per open (PRAGMAs): not cached. */
static gboolean
query_int (CwStore *self, const gchar *sql, gint64 *out, GError **error)
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
query_text (CwStore *self, const gchar *sql, GError **error)
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

/* Returns: (transfer none): a cached statement; hold it in a
 * g_autoptr (CwStoreStmt) so that it is reset after use. */
static CwStoreStmt *
prepare (CwStore *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      /* Only a nested use of the same statement leaves it busy. */
      g_return_val_if_fail (!sqlite3_stmt_busy (stmt), NULL);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (self, error, rc, _("Could not read the database"));
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Runs a statement that returns no rows. */
static gboolean
run (CwStore *self, CwStoreStmt *stmt, const gchar *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return set_error (self, error, rc, what);
  return TRUE;
}

/* Opening */

/* SQLite would create the file with the umask's permissions; history is
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
check_schema_not_newer (CwStore *self, gint64 version, GError **error)
{
  if (version <= cw_store_get_latest_schema_version ())
    return TRUE;
  g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_TOO_NEW,
               _("%s was written by a newer version of chinwag (schema %u; this version knows "
                 "up to %u). Upgrade chinwag, or move the file aside to start afresh."),
               self->path, (guint) MIN (version, G_MAXUINT), cw_store_get_latest_schema_version ());
  return FALSE;
}

/* Looks before touching: a foreign or newer file must be left as it was. */
static gboolean
check_ownership (CwStore *self, GError **error)
{
  gint64 application_id, version, n_objects;

  if (!query_int (self, "PRAGMA application_id", &application_id, error)
      || !query_int (self, "PRAGMA user_version", &version, error)
      || !query_int (self, "SELECT count(*) FROM sqlite_master", &n_objects, error))
    return FALSE;
  if (application_id != CW_STORE_APPLICATION_ID && (application_id != 0 || n_objects > 0))
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE,
                   _("%s is a database of another program, not a chinwag store"), self->path);
      return FALSE;
    }
  return check_schema_not_newer (self, version, error);
}

static gboolean
configure (CwStore *self, GError **error)
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
  return exec (self,
               "PRAGMA synchronous = FULL;"
               "PRAGMA foreign_keys = ON;"
               "PRAGMA journal_size_limit = " G_STRINGIFY (JOURNAL_SIZE_LIMIT) ";",
               error);
}

static void
rollback (CwStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
apply_migration (CwStore *self, const CwStoreMigration *step, GError **error)
{
  g_autofree gchar *set_version = g_strdup_printf ("PRAGMA user_version = %u", step->version);
  gint64 version;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    goto failed;
  /* Read again under the write lock: another process may have got here first. */
  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !check_schema_not_newer (self, version, error))
    goto failed;
  if (version >= step->version)
    return exec (self, "COMMIT", error);
  if (!exec (self, step->sql, error) || !exec (self, set_version, error)
      || !exec (self, "COMMIT", error))
    goto failed;
  g_debug ("%s: schema %u: %s", self->path, step->version, step->summary);
  return TRUE;

failed:
  rollback (self);
  g_prefix_error (error, _("Could not bring the database to schema %u: "), step->version);
  return FALSE;
}

static gboolean
migrate (CwStore *self, GError **error)
{
  guint n_steps;
  const CwStoreMigration *steps = cw_store_migrations (&n_steps);
  gint64 version;

  if (!query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;
  for (guint i = 0; i < n_steps; i++)
    {
      g_assert (steps[i].version == i + 1);
      if (version < steps[i].version && !apply_migration (self, &steps[i], error))
        return FALSE;
    }
  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !check_schema_not_newer (self, version, error))
    return FALSE;
  self->schema_version = version;
  return TRUE;
}

static gboolean
cw_store_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  CwStore *self = CW_STORE (initable);
  int rc;

  g_return_val_if_fail (self->path != NULL, FALSE);
  g_return_val_if_fail (self->db == NULL, FALSE);

  if (!create_private_file (self->path, error))
    return FALSE;
  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, error, rc, _("Could not open the database"));
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  return check_ownership (self, error) && configure (self, error) && migrate (self, error);
}

static void
cw_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = cw_store_initable_init;
}

static void
cw_store_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CwStore *self = CW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cw_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CwStore *self = CW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cw_store_finalize (GObject *object)
{
  CwStore *self = CW_STORE (object);

  /* Statements first: a connection with live statements does not close. */
  g_hash_table_destroy (self->statements);
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("%s: could not close the database: %s", self->path, sqlite3_errmsg (self->db));
  g_free (self->path);

  G_OBJECT_CLASS (cw_store_parent_class)->finalize (object);
}

static void
cw_store_class_init (CwStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = cw_store_set_property;
  object_class->get_property = cw_store_get_property;
  object_class->finalize = cw_store_finalize;

  props[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
cw_store_init (CwStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
}

CwStore *
cw_store_open (const gchar *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (CW_TYPE_STORE, NULL, error, "path", path, NULL);
}

const gchar *
cw_store_get_path (CwStore *self)
{
  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  return self->path;
}

guint
cw_store_get_schema_version (CwStore *self)
{
  g_return_val_if_fail (CW_IS_STORE (self), 0);
  return self->schema_version;
}

guint
cw_store_get_latest_schema_version (void)
{
  guint n_steps;

  cw_store_migrations (&n_steps);
  return n_steps;
}

/* Messages */

static int
bind_text (CwStoreStmt *stmt, int index, const gchar *text)
{
  return sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static const gchar *
column_text (CwStoreStmt *stmt, int column)
{
  return (const gchar *) sqlite3_column_text (stmt, column);
}

static CwMessage *
message_from_row (CwStore *self, CwStoreStmt *stmt, GError **error)
{
  g_autoptr (CwMessage) message = g_new0 (CwMessage, 1);

  message->id = sqlite3_column_int64 (stmt, COL_ID);
  if (!cw_message_direction_from_string (column_text (stmt, COL_DIRECTION), &message->direction)
      || !cw_message_state_from_string (column_text (stmt, COL_STATE), &message->state))
    {
      g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, message->id);

      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
                   _("%s: message %s has an unknown direction or state"), self->path, id);
      return NULL;
    }
  message->peer = g_strdup (column_text (stmt, COL_PEER));
  message->stanza_id = g_strdup (column_text (stmt, COL_STANZA_ID));
  message->type = g_strdup (column_text (stmt, COL_TYPE));
  message->body = g_strdup (column_text (stmt, COL_BODY));
  message->thread = g_strdup (column_text (stmt, COL_THREAD));
  message->receipt_requested = sqlite3_column_int (stmt, COL_RECEIPT_REQUESTED) != 0;
  message->attempts = CLAMP (sqlite3_column_int64 (stmt, COL_ATTEMPTS), 0, G_MAXUINT);
  message->error = g_strdup (column_text (stmt, COL_ERROR));
  message->created_at = sqlite3_column_int64 (stmt, COL_CREATED_AT);
  message->updated_at = sqlite3_column_int64 (stmt, COL_UPDATED_AT);
  return g_steal_pointer (&message);
}

/* Steps @stmt to the end and returns every row. */
static GPtrArray *
collect_messages (CwStore *self, CwStoreStmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_message_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CwMessage *message = message_from_row (self, stmt, error);

      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, error, rc, _("Could not read messages"));
      return NULL;
    }
  return g_steal_pointer (&messages);
}

static gboolean
bind_new_message (CwStore *self, CwStoreStmt *stmt, const CwMessage *message, gint64 created_at,
                  gint64 now, GError **error)
{
  if (bind_text (stmt, 1, message->peer) != SQLITE_OK
      || bind_text (stmt, 2, cw_message_direction_to_string (message->direction)) != SQLITE_OK
      || bind_text (stmt, 3, message->stanza_id) != SQLITE_OK
      || bind_text (stmt, 4, message->type) != SQLITE_OK
      || bind_text (stmt, 5, message->body) != SQLITE_OK
      || bind_text (stmt, 6, message->thread) != SQLITE_OK
      || bind_text (stmt, 7, cw_message_state_to_string (message->state)) != SQLITE_OK
      || sqlite3_bind_int (stmt, 8, message->receipt_requested ? 1 : 0) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 9, message->attempts) != SQLITE_OK
      || bind_text (stmt, 10, message->error) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 11, created_at) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 12, now) != SQLITE_OK)
    return set_error (self, error, sqlite3_extended_errcode (self->db),
                      _("Could not save the message"));
  return TRUE;
}

gboolean
cw_store_message_insert (CwStore *self, CwMessage *message, GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;
  gint64 now = g_get_real_time ();
  gint64 created_at;

  g_return_val_if_fail (CW_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL && message->id == 0, FALSE);
  g_return_val_if_fail (message->peer != NULL && message->type != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  created_at = message->created_at != 0 ? message->created_at : now;
  stmt = prepare (self, SQL_MESSAGE_INSERT, error);
  if (stmt == NULL || !bind_new_message (self, stmt, message, created_at, now, error)
      || !run (self, stmt, _("Could not save the message"), error))
    return FALSE;
  message->id = sqlite3_last_insert_rowid (self->db);
  message->created_at = created_at;
  message->updated_at = now;
  return TRUE;
}

CwMessage *
cw_store_message_get (CwStore *self, gint64 id, GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = prepare (self, SQL_MESSAGE_GET, error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_int64 (stmt, 1, id) != SQLITE_OK)
    {
      set_error (self, error, sqlite3_extended_errcode (self->db), _("Could not read messages"));
      return NULL;
    }
  rows = collect_messages (self, stmt, error);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_autofree gchar *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, _("There is no message %s"),
                   id_text);
      return NULL;
    }
  return g_ptr_array_steal_index (rows, 0);
}

/* ",queued,sent," for the update's instr () test. */
static gchar *
state_set_string (guint states)
{
  GString *set = g_string_new (",");

  for (guint s = CW_MESSAGE_STATE_QUEUED; s <= CW_MESSAGE_STATE_RECEIVED; s++)
    if (states & CW_MESSAGE_STATE_BIT (s))
      g_string_append_printf (set, "%s,", cw_message_state_to_string (s));
  return g_string_free (set, FALSE);
}

/* After a compare-and-swap changed nothing: say why. */
static gboolean
explain_unchanged (CwStore *self, gint64 id, GError **error)
{
  g_autoptr (CwMessage) current = cw_store_message_get (self, id, error);
  g_autofree gchar *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  if (current != NULL)
    g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT, _("Message %s is %s, which does not allow this change"),
                 id_text, cw_message_state_to_string (current->state));
  return FALSE;
}

gboolean
cw_store_message_update (CwStore *self, CwMessage *message, guint from_states, GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;
  g_autofree gchar *from = state_set_string (from_states);
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (CW_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL && message->id > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = prepare (self, SQL_MESSAGE_UPDATE, error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, message->id) != SQLITE_OK
      || bind_text (stmt, 2, cw_message_state_to_string (message->state)) != SQLITE_OK
      || sqlite3_bind_int (stmt, 3, message->receipt_requested ? 1 : 0) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 4, message->attempts) != SQLITE_OK
      || bind_text (stmt, 5, message->error) != SQLITE_OK
      || bind_text (stmt, 6, from) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 7, now) != SQLITE_OK)
    return set_error (self, error, sqlite3_extended_errcode (self->db),
                      _("Could not update the message"));
  if (!run (self, stmt, _("Could not update the message"), error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    return explain_unchanged (self, message->id, error);
  message->updated_at = now;
  return TRUE;
}

GPtrArray *
cw_store_message_list_by_state (CwStore *self, const gchar *peer, CwMessageState state,
                                GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (state <= CW_MESSAGE_STATE_RECEIVED, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = prepare (self, peer != NULL ? SQL_MESSAGE_BY_STATE_PEER : SQL_MESSAGE_BY_STATE, error);
  if (stmt == NULL)
    return NULL;
  if (bind_text (stmt, 1, cw_message_state_to_string (state)) != SQLITE_OK
      || (peer != NULL && bind_text (stmt, 2, peer) != SQLITE_OK))
    {
      set_error (self, error, sqlite3_extended_errcode (self->db), _("Could not read messages"));
      return NULL;
    }
  return collect_messages (self, stmt, error);
}

GPtrArray *
cw_store_message_find_by_stanza_id (CwStore *self, const gchar *peer, CwMessageDirection direction,
                                    const gchar *stanza_id, GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (peer != NULL && stanza_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = prepare (self, SQL_MESSAGE_BY_STANZA_ID, error);
  if (stmt == NULL)
    return NULL;
  if (bind_text (stmt, 1, peer) != SQLITE_OK || bind_text (stmt, 2, stanza_id) != SQLITE_OK
      || bind_text (stmt, 3, cw_message_direction_to_string (direction)) != SQLITE_OK)
    {
      set_error (self, error, sqlite3_extended_errcode (self->db), _("Could not read messages"));
      return NULL;
    }
  return collect_messages (self, stmt, error);
}

GPtrArray *
cw_store_message_history (CwStore *self, const gchar *peer, gint64 before_id, guint limit,
                          GError **error)
{
  g_autoptr (CwStoreStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (limit > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = prepare (self, SQL_MESSAGE_HISTORY, error);
  if (stmt == NULL)
    return NULL;
  if (bind_text (stmt, 1, peer) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 2, before_id > 0 ? before_id : G_MAXINT64) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 3, limit) != SQLITE_OK)
    {
      set_error (self, error, sqlite3_extended_errcode (self->db), _("Could not read messages"));
      return NULL;
    }
  return collect_messages (self, stmt, error);
}
