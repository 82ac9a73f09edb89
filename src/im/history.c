/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwHistory: the conversations kept with each peer, both directions, paged. */
#include "config.h"
#include "im/history.h"

struct _CwHistory
{
  GObject parent;
  CwStore *store; /* owned */
};

G_DEFINE_TYPE (CwHistory, cw_history, G_TYPE_OBJECT)

static void
cw_history_dispose (GObject *object)
{
  CwHistory *self = CW_HISTORY (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (cw_history_parent_class)->dispose (object);
}

static void
cw_history_class_init (CwHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_history_dispose;
}

static void
cw_history_init (CwHistory *self)
{
}

CwHistory *
cw_history_new (CwStore *store)
{
  CwHistory *self;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  self = g_object_new (CW_TYPE_HISTORY, NULL);
  self->store = g_object_ref (store);
  return self;
}

/* Returns: (transfer full) (nullable): the stored copy of this message, if
 * any; NULL with @error set on failure, NULL without when there is none. */
static CwMessage *
find_duplicate (CwHistory *self, const gchar *peer, const gchar *stanza_id, const gchar *body,
                const gchar *thread, GError **error)
{
  g_autoptr (GPtrArray) same_id = NULL;

  same_id = cw_store_message_find_by_stanza_id (self->store, peer, CW_MESSAGE_DIRECTION_IN,
                                                stanza_id, error);
  if (same_id == NULL)
    return NULL;
  for (guint i = 0; i < same_id->len; i++)
    {
      CwMessage *stored = same_id->pdata[i];

      if (g_strcmp0 (stored->body, body) == 0 && g_strcmp0 (stored->thread, thread) == 0)
        return g_ptr_array_steal_index (same_id, i);
    }
  return NULL;
}

CwMessage *
cw_history_record_incoming (CwHistory *self, const gchar *peer, const gchar *stanza_id,
                            const gchar *type, const gchar *body, const gchar *thread,
                            gboolean *out_duplicate, GError **error)
{
  g_autoptr (CwMessage) message = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (CW_IS_HISTORY (self), NULL);
  g_return_val_if_fail (peer != NULL && *peer != '\0', NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_duplicate != NULL)
    *out_duplicate = FALSE;
  if (stanza_id != NULL)
    {
      message = find_duplicate (self, peer, stanza_id, body, thread, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (message != NULL)
        {
          if (out_duplicate != NULL)
            *out_duplicate = TRUE;
          return g_steal_pointer (&message);
        }
    }

  message = cw_message_new (peer, CW_MESSAGE_DIRECTION_IN);
  message->stanza_id = g_strdup (stanza_id);
  message->body = g_strdup (body);
  message->thread = g_strdup (thread);
  if (type != NULL)
    {
      g_free (message->type);
      message->type = g_strdup (type);
    }
  if (!cw_store_message_insert (self->store, message, error))
    return NULL;
  return g_steal_pointer (&message);
}

GPtrArray *
cw_history_get_page (CwHistory *self, const gchar *peer, gint64 before_id, guint limit,
                     GError **error)
{
  g_return_val_if_fail (CW_IS_HISTORY (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (limit > 0, NULL);

  return cw_store_message_history (self->store, peer, before_id, limit, error);
}
