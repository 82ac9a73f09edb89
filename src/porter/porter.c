/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwPorter: stanza dispatch on an open stream — handlers, IQ tracking, close handshake. */
#include "config.h"
#include "porter/porter.h"

#include <string.h>

#include "common/debug.h"
#include "common/jid.h"
#include "common/namespaces.h"

typedef enum
{
  STATE_NEW,     /* handlers may be registered; nothing received yet */
  STATE_OPEN,    /* the receive loop runs */
  STATE_CLOSING, /* our </stream:stream> is out; still receiving */
  STATE_ENDED,   /* the GIOStream is being closed or is closed */
} PorterState;

typedef struct
{
  gint ref_count;
  guint id;
  CwStanzaKind kind;
  gchar *type;       /* owned, nullable */
  CwJid *from;       /* owned, nullable */
  gchar *payload_ns; /* owned, nullable */
  gint priority;
  CwPorterHandler func;
  gpointer user_data;
  GDestroyNotify notify;
  gboolean removed; /* unregistered, maybe still in a dispatch snapshot */
} Handler;

typedef struct
{
  CwPorter *porter; /* unowned: the porter fails every pending IQ before it goes */
  GTask *task;      /* owned */
  gchar *id;        /* owned: key in pending_iqs */
  gchar *to;        /* owned, nullable: the request's 'to' */
  GSource *timeout; /* owned, nullable */
  GSource *cancel;  /* owned, nullable */
} PendingIq;

struct _CwPorter
{
  GObject parent;

  CwXmppConnection *connection; /* owned */
  GMainContext *context;        /* owned: where our sources go */
  gchar *local_jid;             /* owned, nullable */
  gchar *peer_jid;              /* owned, nullable */
  CwJid *peer;                  /* owned, nullable: parsed peer_jid */
  CwJid *local_bare;            /* owned, nullable: bare local_jid */
  guint iq_timeout_ms;
  guint close_timeout_ms;

  PorterState state;
  GCancellable *recv_cancellable; /* owned */
  gulong congested_id;            /* on the connection's notify::congested */
  gboolean recv_paused;           /* the receive loop waits for the send queue to drain */
  GPtrArray *handlers;            /* owned (Handler *), by priority, highest first */
  guint next_handler_id;
  GHashTable *pending_iqs; /* owned: id (unowned, in value) -> PendingIq (owned) */

  GSource *close_timer;    /* owned, nullable */
  GError *close_error;     /* owned, nullable: what close_async reports */
  GPtrArray *close_tasks;  /* owned (GTask *): close_async callers waiting */
  GPtrArray *force_tasks;  /* owned (GTask *): force_close callers waiting */
  gboolean done_receiving; /* the peer closed, failed or sent a stream error */
  gboolean close_written;  /* our close or stream error is out (or failed) */
  GError *ending_error;    /* owned, nullable: why receiving ended, if badly */
  gboolean finished;       /* the GIOStream is closed and "closed" emitted */
};

enum
{
  SIGNAL_CLOSING,
  SIGNAL_REMOTE_ERROR,
  SIGNAL_UNHANDLED_STANZA,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CwPorter, cw_porter, G_TYPE_OBJECT)

static void terminate (CwPorter *self, const GError *remote_error);
static void on_congested_changed (GObject *connection, GParamSpec *pspec, gpointer user_data);

/* ---- handlers ----------------------------------------------------------- */

static Handler *
handler_ref (Handler *h)
{
  h->ref_count++;
  return h;
}

static void
handler_unref (Handler *h)
{
  if (--h->ref_count > 0)
    return;
  if (h->notify != NULL)
    h->notify (h->user_data);
  g_free (h->type);
  g_clear_pointer (&h->from, cw_jid_unref);
  g_free (h->payload_ns);
  g_free (h);
}

/* ---- pending IQs ------------------------------------------------------------ */

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
pending_iq_free (PendingIq *p)
{
  destroy_source (&p->timeout);
  destroy_source (&p->cancel);
  g_clear_object (&p->task);
  g_free (p->id);
  g_free (p->to);
  g_free (p);
}

/* Removes @p from the table and completes its task with @reply (a result)
 * or @error (consumed). */
static void
pending_iq_complete (CwPorter *self, PendingIq *p, CwElement *reply, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&p->task);

  g_hash_table_remove (self->pending_iqs, p->id);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cw_element_ref (reply), (GDestroyNotify)cw_element_unref);
}

static gboolean
on_iq_timeout (gpointer user_data)
{
  PendingIq *p = user_data;

  CW_DEBUG ("IQ %s timed out", p->id);
  pending_iq_complete (p->porter, p, NULL,
                       g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                    "no reply to IQ '%s' within %u ms", p->id,
                                    p->porter->iq_timeout_ms));
  return G_SOURCE_REMOVE;
}

static gboolean
on_iq_cancelled (GCancellable *cancellable, gpointer user_data)
{
  PendingIq *p = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  pending_iq_complete (p->porter, p, NULL, error);
  return G_SOURCE_REMOVE;
}

/* Fails every pending IQ: the stream they were sent on has ended. */
static void
fail_pending_iqs (CwPorter *self, const GError *cause)
{
  g_autoptr (GList) list = g_hash_table_get_values (self->pending_iqs);

  for (GList *l = list; l != NULL; l = l->next)
    {
      GError *error = cause != NULL ? g_error_copy (cause)
                                    : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                           "the stream closed before the reply");

      pending_iq_complete (self, l->data, NULL, error);
    }
}

/* ---- GObject ---------------------------------------------------------------- */

static void
cw_porter_dispose (GObject *object)
{
  CwPorter *self = CW_PORTER (object);

  /* Pending IQs, closes and the receive loop all hold references, so
   * none can be left here. */
  g_assert (g_hash_table_size (self->pending_iqs) == 0);
  g_assert (self->close_tasks->len == 0 && self->force_tasks->len == 0);
  destroy_source (&self->close_timer);
  g_ptr_array_set_size (self->handlers, 0);
  if (self->connection != NULL)
    g_clear_signal_handler (&self->congested_id, self->connection);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (cw_porter_parent_class)->dispose (object);
}

static void
cw_porter_finalize (GObject *object)
{
  CwPorter *self = CW_PORTER (object);

  g_main_context_unref (self->context);
  g_free (self->local_jid);
  g_free (self->peer_jid);
  g_clear_pointer (&self->peer, cw_jid_unref);
  g_clear_pointer (&self->local_bare, cw_jid_unref);
  g_clear_object (&self->recv_cancellable);
  g_ptr_array_unref (self->handlers);
  g_hash_table_unref (self->pending_iqs);
  g_clear_error (&self->close_error);
  g_clear_error (&self->ending_error);
  g_ptr_array_unref (self->close_tasks);
  g_ptr_array_unref (self->force_tasks);
  G_OBJECT_CLASS (cw_porter_parent_class)->finalize (object);
}

static void
cw_porter_class_init (CwPorterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_porter_dispose;
  object_class->finalize = cw_porter_finalize;

  signals[SIGNAL_CLOSING] = g_signal_new ("closing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_REMOTE_ERROR]
    = g_signal_new ("remote-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_UNHANDLED_STANZA]
    = g_signal_new ("unhandled-stanza", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cw_porter_init (CwPorter *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->iq_timeout_ms = CW_PORTER_DEFAULT_IQ_TIMEOUT_MS;
  self->close_timeout_ms = CW_PORTER_DEFAULT_CLOSE_TIMEOUT_MS;
  self->recv_cancellable = g_cancellable_new ();
  self->handlers = g_ptr_array_new_with_free_func ((GDestroyNotify)handler_unref);
  self->next_handler_id = 1;
  self->pending_iqs
    = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)pending_iq_free);
  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->force_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/* A JID we can compare, or NULL (with a note) for one we cannot parse. */
static CwJid *
parse_jid_or_warn (const gchar *what, const gchar *str)
{
  g_autoptr (GError) error = NULL;
  CwJid *jid;

  if (str == NULL)
    return NULL;
  jid = cw_jid_parse (str, &error);
  if (jid == NULL)
    CW_DEBUG ("%s '%s' is not a valid JID: %s", what, str, error->message);
  return jid;
}

CwPorter *
cw_porter_new (CwXmppConnection *connection, const gchar *local_jid, const gchar *peer_jid)
{
  CwPorter *self;
  g_autoptr (CwJid) local = NULL;

  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (connection), NULL);
  self = g_object_new (CW_TYPE_PORTER, NULL);
  self->connection = g_object_ref (connection);
  self->congested_id
    = g_signal_connect (connection, "notify::congested", G_CALLBACK (on_congested_changed), self);
  self->local_jid = g_strdup (local_jid);
  self->peer_jid = g_strdup (peer_jid);
  self->peer = parse_jid_or_warn ("peer", peer_jid);
  local = parse_jid_or_warn ("local", local_jid);
  if (local != NULL)
    self->local_bare = cw_jid_get_bare (local);
  return self;
}

CwXmppConnection *
cw_porter_get_connection (CwPorter *self)
{
  g_return_val_if_fail (CW_IS_PORTER (self), NULL);
  return self->connection;
}

const gchar *
cw_porter_get_local_jid (CwPorter *self)
{
  g_return_val_if_fail (CW_IS_PORTER (self), NULL);
  return self->local_jid;
}

const gchar *
cw_porter_get_peer_jid (CwPorter *self)
{
  g_return_val_if_fail (CW_IS_PORTER (self), NULL);
  return self->peer_jid;
}

void
cw_porter_set_iq_timeout (CwPorter *self, guint timeout_ms)
{
  g_return_if_fail (CW_IS_PORTER (self));
  self->iq_timeout_ms = timeout_ms;
}

guint
cw_porter_get_iq_timeout (CwPorter *self)
{
  g_return_val_if_fail (CW_IS_PORTER (self), 0);
  return self->iq_timeout_ms;
}

void
cw_porter_set_close_timeout (CwPorter *self, guint timeout_ms)
{
  g_return_if_fail (CW_IS_PORTER (self));
  self->close_timeout_ms = timeout_ms;
}

/* ---- handler registration ---------------------------------------------------- */

guint
cw_porter_register_handler_full (CwPorter *self, CwStanzaKind kind, const gchar *type,
                                 const gchar *from, const gchar *payload_ns, gint priority,
                                 CwPorterHandler handler, gpointer user_data, GDestroyNotify notify)
{
  g_autoptr (CwJid) from_jid = NULL;
  Handler *h;
  guint pos;

  g_return_val_if_fail (CW_IS_PORTER (self), 0);
  g_return_val_if_fail (handler != NULL, 0);
  if (from != NULL)
    {
      from_jid = cw_jid_parse (from, NULL);
      g_return_val_if_fail (from_jid != NULL, 0);
    }
  h = g_new0 (Handler, 1);
  h->ref_count = 1;
  h->id = self->next_handler_id++;
  h->kind = kind;
  h->type = g_strdup (type);
  h->from = g_steal_pointer (&from_jid);
  h->payload_ns = g_strdup (payload_ns);
  h->priority = priority;
  h->func = handler;
  h->user_data = user_data;
  h->notify = notify;
  /* After every handler of the same or higher priority: stable order. */
  for (pos = 0; pos < self->handlers->len; pos++)
    if (((Handler *)g_ptr_array_index (self->handlers, pos))->priority < priority)
      break;
  g_ptr_array_insert (self->handlers, pos, h);
  return h->id;
}

guint
cw_porter_register_handler (CwPorter *self, CwStanzaKind kind, const gchar *type, const gchar *from,
                            gint priority, CwPorterHandler handler, gpointer user_data)
{
  return cw_porter_register_handler_full (self, kind, type, from, NULL, priority, handler,
                                          user_data, NULL);
}

void
cw_porter_unregister_handler (CwPorter *self, guint handler_id)
{
  g_return_if_fail (CW_IS_PORTER (self));
  for (guint i = 0; i < self->handlers->len; i++)
    {
      Handler *h = g_ptr_array_index (self->handlers, i);

      if (h->id == handler_id)
        {
          /* A dispatch in progress holds its own reference and skips it. */
          h->removed = TRUE;
          g_ptr_array_remove_index (self->handlers, i);
          return;
        }
    }
  g_critical ("%s: no handler with id %u", G_STRFUNC, handler_id);
}

/* ---- sending ------------------------------------------------------------------- */

static gboolean
can_send (CwPorter *self, GError **error)
{
  if (self->state >= STATE_CLOSING)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the stream is closed");
      return FALSE;
    }
  return TRUE;
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cw_porter_send_async (CwPorter *self, CwElement *stanza, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (CW_IS_PORTER (self));
  g_return_if_fail (stanza != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_porter_send_async);
  if (!can_send (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cw_xmpp_connection_send_stanza_async (self->connection, stanza, cancellable, on_sent,
                                        g_steal_pointer (&task));
}

gboolean
cw_porter_send_finish (CwPorter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_sent_and_forgotten (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, &error))
    CW_DEBUG ("could not send a reply: %s", error->message);
}

/* Sends @stanza (consumed) when our side is still open; nobody waits. */
static void
send_and_forget (CwPorter *self, CwElement *stanza)
{
  g_autoptr (CwElement) owned = stanza;

  if (owned == NULL || !can_send (self, NULL))
    return;
  cw_xmpp_connection_send_stanza_async (self->connection, owned, NULL, on_sent_and_forgotten, NULL);
}

void
cw_porter_send_iq_result (CwPorter *self, const CwElement *request, CwElement *payload)
{
  CwElement *reply;

  g_return_if_fail (CW_IS_PORTER (self));
  g_return_if_fail (request != NULL);
  reply = cw_stanza_iq_result_new (request);
  if (payload != NULL && reply != NULL)
    cw_element_add_child (reply, payload);
  else if (payload != NULL)
    cw_element_unref (payload);
  send_and_forget (self, reply);
}

void
cw_porter_send_iq_error (CwPorter *self, const CwElement *request, const GError *error)
{
  g_return_if_fail (CW_IS_PORTER (self));
  g_return_if_fail (request != NULL && error != NULL);
  send_and_forget (self, cw_stanza_error_reply (request, error));
}

/* ---- IQ requests ------------------------------------------------------------------ */

typedef struct
{
  CwPorter *porter; /* owned */
  gchar *id;        /* owned */
  PendingIq *p;     /* unowned: compared, never dereferenced once gone */
} IqSend;

static void
on_iq_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  IqSend *s = user_data;
  GError *error = NULL;

  if (!cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, &error))
    {
      /* Still waiting (not timed out or cancelled meanwhile)? Then it
       * never will get an answer. */
      PendingIq *p = g_hash_table_lookup (s->porter->pending_iqs, s->id);

      if (p == s->p)
        pending_iq_complete (s->porter, p, NULL, error);
      else
        g_error_free (error);
    }
  g_object_unref (s->porter);
  g_free (s->id);
  g_free (s);
}

static PendingIq *
pending_iq_new (CwPorter *self, GTask *task, const CwElement *iq)
{
  PendingIq *p = g_new0 (PendingIq, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  p->porter = self;
  p->task = g_object_ref (task);
  p->id = g_strdup (cw_stanza_get_id (iq));
  p->to = g_strdup (cw_stanza_get_to (iq));
  if (self->iq_timeout_ms > 0)
    {
      p->timeout = g_timeout_source_new (self->iq_timeout_ms);
      g_source_set_callback (p->timeout, on_iq_timeout, p, NULL);
      g_source_attach (p->timeout, self->context);
    }
  if (cancellable != NULL)
    {
      p->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel, G_SOURCE_FUNC (on_iq_cancelled), p, NULL);
      g_source_attach (p->cancel, self->context);
    }
  g_hash_table_insert (self->pending_iqs, p->id, p);
  return p;
}

void
cw_porter_send_iq_async (CwPorter *self, CwElement *iq, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;
  IqSend *s;
  CwIqType type;

  g_return_if_fail (CW_IS_PORTER (self));
  g_return_if_fail (iq != NULL && cw_stanza_iq_get_type (iq, &type));
  g_return_if_fail (type == CW_IQ_TYPE_GET || type == CW_IQ_TYPE_SET);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_porter_send_iq_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!can_send (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (cw_stanza_get_id (iq) == NULL)
    {
      g_autofree gchar *id = cw_stanza_generate_id ();

      cw_element_set_attr (iq, "id", id);
    }
  if (g_hash_table_contains (self->pending_iqs, cw_stanza_get_id (iq)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               "an IQ with id '%s' is already waiting", cw_stanza_get_id (iq));
      return;
    }
  s = g_new0 (IqSend, 1);
  s->porter = g_object_ref (self);
  s->id = g_strdup (cw_stanza_get_id (iq));
  s->p = pending_iq_new (self, task, iq);
  cw_xmpp_connection_send_stanza_async (self->connection, iq, NULL, on_iq_sent, s);
}

CwElement *
cw_porter_send_iq_finish (CwPorter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cw_porter_send_iq_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Whether @jid_str names the peer; NULL does, as a stanza without an
 * address on a one-to-one stream concerns the peer. */
static gboolean
is_peer_or_null (CwPorter *self, const CwJid *jid, const gchar *jid_str)
{
  if (jid_str == NULL)
    return TRUE;
  return jid != NULL && self->peer != NULL && cw_jid_equal (jid, self->peer);
}

/* Whether @reply comes from whom @p was sent to (RFC 6120 §8.1.2.1: only
 * that entity may answer, else anyone could inject replies). */
static gboolean
reply_matches (CwPorter *self, PendingIq *p, const CwElement *reply)
{
  const gchar *from_str = cw_stanza_get_from (reply);
  g_autoptr (CwJid) from = parse_jid_or_warn ("reply from", from_str);
  g_autoptr (CwJid) to = parse_jid_or_warn ("request to", p->to);
  gboolean own;

  if (from_str != NULL && from == NULL)
    return FALSE;
  if (p->to != NULL && to == NULL)
    return g_strcmp0 (p->to, from_str) == 0;
  if (from != NULL && to != NULL && cw_jid_equal (from, to))
    return TRUE;
  /* Both sides mean the peer, each in its own way: absent or explicit. */
  if (is_peer_or_null (self, to, p->to) && is_peer_or_null (self, from, from_str))
    return TRUE;
  /* RFC 6120 §10.3.3: a server answers requests to our own account (or
   * to nobody) from our bare JID or with no 'from' at all. */
  if (self->local_bare == NULL)
    return FALSE;
  own = p->to == NULL || cw_jid_equal (to, self->local_bare);
  return own && (from_str == NULL || cw_jid_equal (from, self->local_bare));
}

/* Completes the pending IQ @reply answers. Returns FALSE when it answers
 * none of ours, and dispatch goes on. */
static gboolean
handle_iq_reply (CwPorter *self, CwElement *reply, CwIqType type)
{
  const gchar *id = cw_stanza_get_id (reply);
  PendingIq *p = id != NULL ? g_hash_table_lookup (self->pending_iqs, id) : NULL;
  GError *error = NULL;

  if (p == NULL)
    return FALSE;
  if (!reply_matches (self, p, reply))
    {
      CW_DEBUG ("ignoring reply to IQ '%s' from '%s': it was sent to '%s'", id,
                cw_stanza_get_from (reply) != NULL ? cw_stanza_get_from (reply) : "(the peer)",
                p->to != NULL ? p->to : "(the peer)");
      return FALSE;
    }
  if (type == CW_IQ_TYPE_ERROR)
    cw_stanza_error_from_element (reply, &error);
  pending_iq_complete (self, p, reply, error);
  return TRUE;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static gboolean
has_child_in_ns (const CwElement *el, const gchar *ns)
{
  for (CwElement *c = cw_element_first (el); c != NULL; c = cw_element_next (c))
    if (g_strcmp0 (cw_element_get_ns (c), ns) == 0)
      return TRUE;
  return FALSE;
}

/* @from: the parsed sender, the peer when the stanza has no 'from', or
 * NULL when it is unparsable. */
static gboolean
handler_matches (const Handler *h, CwElement *stanza, CwStanzaKind kind, const CwJid *from)
{
  const gchar *type = cw_stanza_get_type (stanza);

  if (h->removed || h->kind != kind)
    return FALSE;
  if (type == NULL && kind == CW_STANZA_KIND_MESSAGE)
    type = "normal";
  if (h->type != NULL && g_strcmp0 (h->type, type) != 0)
    return FALSE;
  if (h->from != NULL)
    {
      if (from == NULL)
        return FALSE;
      if (cw_jid_is_bare (h->from) ? !cw_jid_equal_bare (h->from, from)
                                   : !cw_jid_equal (h->from, from))
        return FALSE;
    }
  return h->payload_ns == NULL || has_child_in_ns (stanza, h->payload_ns);
}

/* Offers @stanza to the handlers, highest priority first. Returns TRUE
 * once one took it. */
static gboolean
run_handlers (CwPorter *self, CwElement *stanza, CwStanzaKind kind)
{
  const gchar *from_str = cw_stanza_get_from (stanza);
  g_autoptr (CwJid) from = NULL;
  g_autoptr (GPtrArray) snapshot = NULL;

  if (from_str != NULL)
    from = parse_jid_or_warn ("stanza from", from_str);
  else if (self->peer != NULL)
    from = cw_jid_ref (self->peer);
  /* Handlers may (un)register handlers: iterate over a copy. */
  snapshot = g_ptr_array_new_full (self->handlers->len, (GDestroyNotify)handler_unref);
  for (guint i = 0; i < self->handlers->len; i++)
    g_ptr_array_add (snapshot, handler_ref (g_ptr_array_index (self->handlers, i)));
  for (guint i = 0; i < snapshot->len; i++)
    {
      Handler *h = g_ptr_array_index (snapshot, i);

      if (handler_matches (h, stanza, kind, from) && h->func (self, stanza, h->user_data))
        return TRUE;
    }
  return FALSE;
}

/* RFC 6120 §8.2.3 and §8.4: every get and set gets an answer, even when
 * nothing here understands it. Results and errors never do. */
static void
refuse_iq (CwPorter *self, CwElement *iq)
{
  g_autoptr (GError) error = NULL;
  CwIqType type;

  if (cw_stanza_iq_get_type (iq, &type) && (type == CW_IQ_TYPE_RESULT || type == CW_IQ_TYPE_ERROR))
    return;
  if (!cw_stanza_iq_get_type (iq, NULL) || cw_stanza_iq_get_payload (iq) == NULL)
    error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST,
                                 "an IQ request needs a type and exactly one payload");
  else
    error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_SERVICE_UNAVAILABLE, "");
  send_and_forget (self, cw_stanza_error_reply (iq, error));
}

static void
dispatch (CwPorter *self, CwElement *stanza)
{
  CwStanzaKind kind = cw_stanza_get_kind (stanza);
  CwIqType iq_type;

  if (kind == CW_STANZA_KIND_IQ && cw_stanza_iq_get_type (stanza, &iq_type)
      && (iq_type == CW_IQ_TYPE_RESULT || iq_type == CW_IQ_TYPE_ERROR)
      && handle_iq_reply (self, stanza, iq_type))
    return;
  if (run_handlers (self, stanza, kind))
    return;
  if (kind == CW_STANZA_KIND_IQ)
    refuse_iq (self, stanza);
  else
    g_signal_emit (self, signals[SIGNAL_UNHANDLED_STANZA], 0, stanza);
}

/* ---- the receive loop and the end of the stream ----------------------------------------- */

static void receive_next (CwPorter *self);

/* Our last bytes (a close or a stream error) are out, or failed to go:
 * once the peer is done too, nothing more can happen on this stream. */
static void
final_bytes_done (CwPorter *self)
{
  self->close_written = TRUE;
  if (self->done_receiving)
    terminate (self, self->ending_error);
}

static void
on_close_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwPorter) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_send_close_finish (CW_XMPP_CONNECTION (source), result, &error))
    CW_DEBUG ("could not send our stream close: %s", error->message);
  final_bytes_done (self);
}

static void
on_stream_error_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwPorter) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_send_stream_error_finish (CW_XMPP_CONNECTION (source), result, &error))
    CW_DEBUG ("could not send the stream error: %s", error->message);
  final_bytes_done (self);
}

static gboolean on_close_timeout (gpointer user_data);

/* Bounds the wait for the peer's close, and for our last bytes to go out
 * to a peer that may have stopped reading. */
static void
arm_close_timer (CwPorter *self)
{
  if (self->close_timer != NULL || self->close_timeout_ms == 0)
    return;
  self->close_timer = g_timeout_source_new (self->close_timeout_ms);
  g_source_set_callback (self->close_timer, on_close_timeout, self, NULL);
  g_source_attach (self->close_timer, self->context);
}

/* Queues our </stream:stream> unless it went out already. */
static void
send_close (CwPorter *self)
{
  self->state = STATE_CLOSING;
  arm_close_timer (self);
  if (cw_xmpp_connection_is_close_sent (self->connection))
    return;
  cw_xmpp_connection_send_close_async (self->connection, NULL, on_close_sent, g_object_ref (self));
}

static void
handle_remote_close (CwPorter *self)
{
  CW_DEBUG ("the peer closed the stream");
  self->done_receiving = TRUE;
  if (self->state == STATE_OPEN)
    {
      /* Handlers of "closing" may still send their last stanzas. */
      g_signal_emit (self, signals[SIGNAL_CLOSING], 0);
      if (self->state == STATE_OPEN)
        send_close (self);
      return;
    }
  /* We closed first: done once our close is out. */
  if (self->close_written)
    terminate (self, NULL);
}

/* Ends the stream because of what came in: a <stream:error> from the
 * peer (@stream_error_element TRUE), bad XML, or a broken connection. */
static void
handle_receive_error (CwPorter *self, const GError *error, gboolean stream_error_element)
{
  self->done_receiving = TRUE;
  if (self->ending_error == NULL)
    self->ending_error = g_error_copy (error);
  if (self->close_written)
    terminate (self, self->ending_error);
  else if (cw_xmpp_connection_is_close_sent (self->connection))
    arm_close_timer (self); /* our close is on its way: on_close_sent ends */
  else if (stream_error_element)
    send_close (self); /* a peer waiting for our close gets it */
  else if (error->domain == CW_STREAM_ERROR)
    {
      /* The peer's XML broke the rules: tell it why before hanging up. */
      self->state = STATE_CLOSING;
      arm_close_timer (self);
      cw_xmpp_connection_send_stream_error_async (self->connection, error, NULL,
                                                  on_stream_error_sent, g_object_ref (self));
    }
  else
    terminate (self, self->ending_error); /* the connection is gone */
}

static void
on_stanza (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwPorter) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) stanza = NULL;

  stanza = cw_xmpp_connection_recv_stanza_finish (CW_XMPP_CONNECTION (source), result, &error);
  if (self->state == STATE_ENDED)
    return;
  if (stanza == NULL)
    {
      if (g_error_matches (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED))
        handle_remote_close (self);
      else
        {
          CW_DEBUG ("receiving failed: %s", error->message);
          handle_receive_error (self, error, FALSE);
        }
      return;
    }
  if (cw_element_is (stanza, "error", CW_NS_STREAM))
    {
      cw_stream_error_from_element (stanza, &error);
      CW_DEBUG ("the peer sent a stream error: %s", error->message);
      handle_receive_error (self, error, TRUE);
      return;
    }
  dispatch (self, stanza);
  if (self->state != STATE_ENDED && !self->done_receiving)
    receive_next (self);
}

static void
receive_next (CwPorter *self)
{
  /* Back-pressure: every stanza we read may queue an answer (an IQ must
   * get one), so a peer that sends but never reads would make our send
   * queue grow without bound. While it is congested, stop reading: TCP
   * then makes the peer wait instead. on_congested_changed resumes. */
  if (cw_xmpp_connection_is_congested (self->connection))
    {
      CW_DEBUG ("%p: %" G_GSIZE_FORMAT " bytes wait to be sent; not reading until they drain",
                (void *)self, cw_xmpp_connection_get_queued_bytes (self->connection));
      self->recv_paused = TRUE;
      return;
    }
  cw_xmpp_connection_recv_stanza_async (self->connection, self->recv_cancellable, on_stanza,
                                        g_object_ref (self));
}

static void
on_congested_changed (GObject *connection, GParamSpec *pspec, gpointer user_data)
{
  CwPorter *self = user_data;

  if (!self->recv_paused || cw_xmpp_connection_is_congested (self->connection))
    return;
  self->recv_paused = FALSE;
  if (self->state == STATE_ENDED || self->done_receiving)
    return;
  CW_DEBUG ("%p: the send queue drained; reading again", (void *)self);
  receive_next (self);
}

void
cw_porter_start (CwPorter *self)
{
  g_return_if_fail (CW_IS_PORTER (self));
  g_return_if_fail (self->state == STATE_NEW);
  self->state = STATE_OPEN;
  receive_next (self);
}

static void
complete_waiters (CwPorter *self)
{
  g_autoptr (GPtrArray) close_tasks = g_steal_pointer (&self->close_tasks);
  g_autoptr (GPtrArray) force_tasks = g_steal_pointer (&self->force_tasks);

  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->force_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < close_tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (close_tasks, i);

      if (self->close_error != NULL)
        g_task_return_error (task, g_error_copy (self->close_error));
      else
        g_task_return_boolean (task, TRUE);
    }
  for (guint i = 0; i < force_tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (force_tasks, i), TRUE);
}

static void
on_connection_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwPorter) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_force_close_finish (CW_XMPP_CONNECTION (source), result, &error))
    CW_DEBUG ("closing the connection: %s", error->message);
  self->finished = TRUE;
  complete_waiters (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/* The one way out: stops receiving, fails what waits for the peer, closes
 * the GIOStream, and reports how it went. @remote_error: why the stream
 * broke, or NULL for a clean end. */
static void
terminate (CwPorter *self, const GError *remote_error)
{
  g_autoptr (CwPorter) hold = g_object_ref (self);

  if (self->state == STATE_ENDED)
    return;
  self->state = STATE_ENDED;
  g_cancellable_cancel (self->recv_cancellable);
  destroy_source (&self->close_timer);
  if (remote_error != NULL && self->close_error == NULL)
    self->close_error = g_error_copy (remote_error);
  if (remote_error != NULL)
    g_signal_emit (self, signals[SIGNAL_REMOTE_ERROR], 0, remote_error);
  fail_pending_iqs (self, remote_error);
  cw_xmpp_connection_force_close_async (self->connection, NULL, on_connection_closed,
                                        g_object_ref (self));
}

/* ---- closing ------------------------------------------------------------------------------ */

static gboolean
on_close_timeout (gpointer user_data)
{
  CwPorter *self = user_data;

  g_clear_pointer (&self->close_timer, g_source_unref);
  if (self->close_error == NULL && self->ending_error == NULL)
    self->close_error
      = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     self->done_receiving ? "our end of the stream could not be sent within %u ms"
                                          : "the peer did not close the stream within %u ms",
                     self->close_timeout_ms);
  terminate (self, self->ending_error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_close_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  CwPorter *self = g_task_get_source_object (task);
  guint index;

  /* Still waiting? Then only this caller stops waiting: the handshake
   * goes on, bounded by the close timeout. */
  if (g_ptr_array_find (self->close_tasks, task, &index))
    {
      g_autoptr (GTask) owned = g_ptr_array_steal_index (self->close_tasks, index);

      g_task_return_error_if_cancelled (owned);
    }
  return G_SOURCE_REMOVE;
}

static void
destroy_and_unref_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
watch_close_cancellable (CwPorter *self, GTask *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  GSource *source;

  if (cancellable == NULL)
    return;
  source = g_cancellable_source_new (cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (on_close_cancelled), task, NULL);
  g_source_attach (source, self->context);
  /* Goes with the task, so it never fires for a task that is gone. */
  g_object_set_data_full (G_OBJECT (task), "cw-porter-cancel-source", source,
                          destroy_and_unref_source);
}

void
cw_porter_close_async (CwPorter *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CW_IS_PORTER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_porter_close_async);
  if (self->finished)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "the stream is closed");
      return;
    }
  watch_close_cancellable (self, task);
  g_ptr_array_add (self->close_tasks, g_steal_pointer (&task));
  if (self->state == STATE_ENDED)
    return; /* the GIOStream is closing: reported with the others */
  if (self->state == STATE_NEW)
    cw_porter_start (self);
  send_close (self);
}

gboolean
cw_porter_close_finish (CwPorter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_porter_force_close_async (CwPorter *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CW_IS_PORTER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_porter_force_close_async);
  if (self->finished)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (self->force_tasks, g_steal_pointer (&task));
  if (self->close_error == NULL)
    self->close_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                             "the stream was closed before the peer answered");
  terminate (self, NULL);
}

gboolean
cw_porter_force_close_finish (CwPorter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
