/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwMessageQueue: outgoing messages, persisted until delivered (XEP-0184 receipts). */
#include "config.h"
#include "im/message-queue.h"

#include <glib/gi18n-lib.h>

struct _CwMessageQueue
{
  GObject parent;
  CwStore *store; /* owned */
};

enum
{
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CwMessageQueue, cw_message_queue, G_TYPE_OBJECT)

/* Stores @message's new state if the stored one is still in @from_states,
 * then tells the listeners. */
static gboolean
change_state (CwMessageQueue *self, CwMessage *message, guint from_states, GError **error)
{
  if (!cw_store_message_update (self->store, message, from_states, error))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, message->id, message->state, message);
  return TRUE;
}

/* A SENT message whose stream is gone: see cw_message_queue_stream_ended(). */
static gboolean
settle_sent (CwMessageQueue *self, CwMessage *message, gboolean clean, GError **error)
{
  g_clear_pointer (&message->error, g_free);
  if (message->receipt_requested && message->attempts < CW_MESSAGE_QUEUE_MAX_ATTEMPTS)
    message->state = CW_MESSAGE_STATE_QUEUED;
  else if (message->receipt_requested)
    {
      message->state = CW_MESSAGE_STATE_FAILED;
      message->error = g_strdup_printf (_("No delivery receipt after %u attempts"),
                                        message->attempts);
    }
  else if (clean)
    message->state = CW_MESSAGE_STATE_DELIVERED;
  else
    {
      message->state = CW_MESSAGE_STATE_FAILED;
      message->error = g_strdup (_("The connection ended before delivery was confirmed: the "
                                   "message may not have arrived"));
    }
  return change_state (self, message, CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_SENT), error);
}

gboolean
cw_message_queue_stream_ended (CwMessageQueue *self, const gchar *peer, gboolean clean,
                               GError **error)
{
  g_autoptr (GPtrArray) sent = NULL;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sent = cw_store_message_list_by_state (self->store, peer, CW_MESSAGE_STATE_SENT, error);
  if (sent == NULL)
    return FALSE;
  /* Each message is settled on its own: if this stops half-way, the rest
   * are still SENT and the next call (at the latest, the next start)
   * settles them. */
  for (guint i = 0; i < sent->len; i++)
    if (!settle_sent (self, sent->pdata[i], clean, error))
      return FALSE;
  return TRUE;
}

static void
cw_message_queue_dispose (GObject *object)
{
  CwMessageQueue *self = CW_MESSAGE_QUEUE (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (cw_message_queue_parent_class)->dispose (object);
}

static void
cw_message_queue_class_init (CwMessageQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_message_queue_dispose;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_INT64, CW_TYPE_MESSAGE_STATE,
                  CW_TYPE_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
cw_message_queue_init (CwMessageQueue *self)
{
}

CwMessageQueue *
cw_message_queue_new (CwStore *store, GError **error)
{
  g_autoptr (CwMessageQueue) self = NULL;

  g_return_val_if_fail (CW_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  self = g_object_new (CW_TYPE_MESSAGE_QUEUE, NULL);
  self->store = g_object_ref (store);
  /* Whatever was SENT in the previous run went to a stream that died with it. */
  if (!cw_message_queue_stream_ended (self, NULL, FALSE, error))
    return NULL;
  return g_steal_pointer (&self);
}

CwStore *
cw_message_queue_get_store (CwMessageQueue *self)
{
  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), NULL);
  return self->store;
}

CwMessage *
cw_message_queue_enqueue (CwMessageQueue *self, const gchar *peer, const gchar *body,
                          const gchar *thread, const gchar *type, GError **error)
{
  g_autoptr (CwMessage) message = NULL;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), NULL);
  g_return_val_if_fail (peer != NULL && *peer != '\0', NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  message = cw_message_new (peer, CW_MESSAGE_DIRECTION_OUT);
  /* Random rather than a counter: it must stay unique across restarts and
   * reinstalls, since receipts and the receiver's dedupe key on it. */
  message->stanza_id = g_uuid_string_random ();
  message->body = g_strdup (body);
  message->thread = g_strdup (thread);
  if (type != NULL)
    {
      g_free (message->type);
      message->type = g_strdup (type);
    }
  if (!cw_store_message_insert (self->store, message, error))
    return NULL;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, message->id, message->state, message);
  return g_steal_pointer (&message);
}

CwMessage *
cw_message_queue_get (CwMessageQueue *self, gint64 id, GError **error)
{
  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), NULL);
  return cw_store_message_get (self->store, id, error);
}

GPtrArray *
cw_message_queue_pending_for_peer (CwMessageQueue *self, const gchar *peer, GError **error)
{
  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  return cw_store_message_list_by_state (self->store, peer, CW_MESSAGE_STATE_QUEUED, error);
}

/* Returns: (transfer full): outgoing message @id, or NULL with @error set. */
static CwMessage *
get_outgoing (CwMessageQueue *self, gint64 id, GError **error)
{
  g_autoptr (CwMessage) message = cw_store_message_get (self->store, id, error);

  if (message != NULL && message->direction != CW_MESSAGE_DIRECTION_OUT)
    {
      g_autofree gchar *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT,
                   _("Message %s is an incoming message"), id_text);
      return NULL;
    }
  return g_steal_pointer (&message);
}

gboolean
cw_message_queue_mark_sent (CwMessageQueue *self, gint64 id, gboolean receipt_requested,
                            GError **error)
{
  g_autoptr (CwMessage) message = NULL;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = get_outgoing (self, id, error);
  if (message == NULL)
    return FALSE;
  message->state = CW_MESSAGE_STATE_SENT;
  message->receipt_requested = receipt_requested;
  message->attempts++;
  return change_state (self, message, CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_QUEUED), error);
}

gboolean
cw_message_queue_mark_delivered_by_stanza_id (CwMessageQueue *self, const gchar *peer,
                                              const gchar *stanza_id, gint64 *out_id,
                                              GError **error)
{
  g_autoptr (GPtrArray) found = NULL;
  gint64 delivered = 0;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), FALSE);
  g_return_val_if_fail (peer != NULL && stanza_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_id != NULL)
    *out_id = 0;
  found = cw_store_message_find_by_stanza_id (self->store, peer, CW_MESSAGE_DIRECTION_OUT,
                                              stanza_id, error);
  if (found == NULL)
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      CwMessage *message = found->pdata[i];
      CwMessageState was = message->state;

      if (was == CW_MESSAGE_STATE_DELIVERED)
        continue;
      message->state = CW_MESSAGE_STATE_DELIVERED;
      g_clear_pointer (&message->error, g_free);
      if (!change_state (self, message, CW_MESSAGE_STATE_BIT (was), error))
        return FALSE;
      delivered = message->id;
    }
  if (out_id != NULL)
    *out_id = delivered;
  return TRUE;
}

gboolean
cw_message_queue_mark_failed (CwMessageQueue *self, gint64 id, const gchar *reason,
                              GError **error)
{
  g_autoptr (CwMessage) message = NULL;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), FALSE);
  g_return_val_if_fail (reason != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = get_outgoing (self, id, error);
  if (message == NULL)
    return FALSE;
  message->state = CW_MESSAGE_STATE_FAILED;
  g_free (message->error);
  message->error = g_strdup (reason);
  return change_state (self, message,
                       CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_QUEUED)
                         | CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_SENT),
                       error);
}

gboolean
cw_message_queue_retry (CwMessageQueue *self, gint64 id, GError **error)
{
  g_autoptr (CwMessage) message = NULL;

  g_return_val_if_fail (CW_IS_MESSAGE_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = get_outgoing (self, id, error);
  if (message == NULL)
    return FALSE;
  message->state = CW_MESSAGE_STATE_QUEUED;
  message->attempts = 0;
  g_clear_pointer (&message->error, g_free);
  return change_state (self, message, CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_FAILED), error);
}
