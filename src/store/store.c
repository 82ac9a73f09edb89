/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwStore: chinwag's one storage interface, kept in a SQLite file (WAL). */
#include "config.h"
#include "store/store.h"

#include <glib/gi18n-lib.h>

#include "store/db.h"
#include "store/migrations.h"

struct _CwStore
{
  GObject parent;
  gchar *path; /* owned */
  CwDb *db;    /* owned */
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

static gboolean
cw_store_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  CwStore *self = CW_STORE (initable);

  g_return_val_if_fail (self->path != NULL, FALSE);
  g_return_val_if_fail (self->db == NULL, FALSE);

  self->db = cw_db_open (self->path, cw_store_schema (), 0, error);
  return self->db != NULL;
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

  g_clear_pointer (&self->db, cw_db_close);
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
cw_store_init (CwStore *self)
{
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
  return cw_db_get_schema_version (self->db);
}

guint
cw_store_get_latest_schema_version (void)
{
  return cw_store_schema ()->n_steps;
}

/* Messages */

static CwMessage *
message_from_row (CwStore *self, CwDbStmt *stmt, GError **error)
{
  g_autoptr (CwMessage) message = g_new0 (CwMessage, 1);

  message->id = cw_db_column_int64 (stmt, COL_ID);
  if (!cw_message_direction_from_string (cw_db_column_text (stmt, COL_DIRECTION),
                                         &message->direction)
      || !cw_message_state_from_string (cw_db_column_text (stmt, COL_STATE), &message->state))
    {
      g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, message->id);

      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
                   _("%s: message %s has an unknown direction or state"), self->path, id);
      return NULL;
    }
  message->peer = cw_db_column_dup_text (stmt, COL_PEER);
  message->stanza_id = cw_db_column_dup_text (stmt, COL_STANZA_ID);
  message->type = cw_db_column_dup_text (stmt, COL_TYPE);
  message->body = cw_db_column_dup_text (stmt, COL_BODY);
  message->thread = cw_db_column_dup_text (stmt, COL_THREAD);
  message->receipt_requested = cw_db_column_int64 (stmt, COL_RECEIPT_REQUESTED) != 0;
  message->attempts = CLAMP (cw_db_column_int64 (stmt, COL_ATTEMPTS), 0, G_MAXUINT);
  message->error = cw_db_column_dup_text (stmt, COL_ERROR);
  message->created_at = cw_db_column_int64 (stmt, COL_CREATED_AT);
  message->updated_at = cw_db_column_int64 (stmt, COL_UPDATED_AT);
  return g_steal_pointer (&message);
}

/* Steps @stmt to the end and returns every row. */
static GPtrArray *
collect_messages (CwStore *self, CwDbStmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_message_free);
  CwDbStep step;

  while ((step = cw_db_step (stmt, _("Could not read messages"), error)) == CW_DB_STEP_ROW)
    {
      CwMessage *message = message_from_row (self, stmt, error);

      if (message == NULL)
        return NULL;
      g_ptr_array_add (messages, message);
    }
  if (step == CW_DB_STEP_ERROR)
    return NULL;
  return g_steal_pointer (&messages);
}

static void
bind_new_message (CwDbStmt *stmt, const CwMessage *message, gint64 created_at, gint64 now)
{
  cw_db_bind_text (stmt, 1, message->peer);
  cw_db_bind_text (stmt, 2, cw_message_direction_to_string (message->direction));
  cw_db_bind_text (stmt, 3, message->stanza_id);
  cw_db_bind_text (stmt, 4, message->type);
  cw_db_bind_text (stmt, 5, message->body);
  cw_db_bind_text (stmt, 6, message->thread);
  cw_db_bind_text (stmt, 7, cw_message_state_to_string (message->state));
  cw_db_bind_int64 (stmt, 8, message->receipt_requested ? 1 : 0);
  cw_db_bind_int64 (stmt, 9, message->attempts);
  cw_db_bind_text (stmt, 10, message->error);
  cw_db_bind_int64 (stmt, 11, created_at);
  cw_db_bind_int64 (stmt, 12, now);
}

gboolean
cw_store_message_insert (CwStore *self, CwMessage *message, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  gint64 now = g_get_real_time ();
  gint64 created_at;

  g_return_val_if_fail (CW_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL && message->id == 0, FALSE);
  g_return_val_if_fail (message->peer != NULL && message->type != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  created_at = message->created_at != 0 ? message->created_at : now;
  stmt = cw_db_prepare (self->db, SQL_MESSAGE_INSERT, error);
  if (stmt == NULL)
    return FALSE;
  bind_new_message (stmt, message, created_at, now);
  if (!cw_db_run (stmt, _("Could not save the message"), error))
    return FALSE;
  message->id = cw_db_last_insert_rowid (self->db);
  message->created_at = created_at;
  message->updated_at = now;
  return TRUE;
}

CwMessage *
cw_store_message_get (CwStore *self, gint64 id, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = cw_db_prepare (self->db, SQL_MESSAGE_GET, error);
  if (stmt == NULL)
    return NULL;
  cw_db_bind_int64 (stmt, 1, id);
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
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *from = state_set_string (from_states);
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (CW_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL && message->id > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = cw_db_prepare (self->db, SQL_MESSAGE_UPDATE, error);
  if (stmt == NULL)
    return FALSE;
  cw_db_bind_int64 (stmt, 1, message->id);
  cw_db_bind_text (stmt, 2, cw_message_state_to_string (message->state));
  cw_db_bind_int64 (stmt, 3, message->receipt_requested ? 1 : 0);
  cw_db_bind_int64 (stmt, 4, message->attempts);
  cw_db_bind_text (stmt, 5, message->error);
  cw_db_bind_text (stmt, 6, from);
  cw_db_bind_int64 (stmt, 7, now);
  if (!cw_db_run (stmt, _("Could not update the message"), error))
    return FALSE;
  if (cw_db_changes (self->db) == 0)
    return explain_unchanged (self, message->id, error);
  message->updated_at = now;
  return TRUE;
}

GPtrArray *
cw_store_message_list_by_state (CwStore *self, const gchar *peer, CwMessageState state,
                                GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (state <= CW_MESSAGE_STATE_RECEIVED, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = cw_db_prepare (self->db, peer != NULL ? SQL_MESSAGE_BY_STATE_PEER : SQL_MESSAGE_BY_STATE,
                        error);
  if (stmt == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, cw_message_state_to_string (state));
  if (peer != NULL)
    cw_db_bind_text (stmt, 2, peer);
  return collect_messages (self, stmt, error);
}

GPtrArray *
cw_store_message_find_by_stanza_id (CwStore *self, const gchar *peer, CwMessageDirection direction,
                                    const gchar *stanza_id, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (peer != NULL && stanza_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = cw_db_prepare (self->db, SQL_MESSAGE_BY_STANZA_ID, error);
  if (stmt == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, peer);
  cw_db_bind_text (stmt, 2, stanza_id);
  cw_db_bind_text (stmt, 3, cw_message_direction_to_string (direction));
  return collect_messages (self, stmt, error);
}

GPtrArray *
cw_store_message_history (CwStore *self, const gchar *peer, gint64 before_id, guint limit,
                          GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_STORE (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (limit > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = cw_db_prepare (self->db, SQL_MESSAGE_HISTORY, error);
  if (stmt == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, peer);
  cw_db_bind_int64 (stmt, 2, before_id > 0 ? before_id : G_MAXINT64);
  cw_db_bind_int64 (stmt, 3, limit);
  return collect_messages (self, stmt, error);
}
