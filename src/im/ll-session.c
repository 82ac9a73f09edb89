/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlSession: the link-local peer — presence, roster, chats, queue and history. */
#include "config.h"
#include "im/ll-session.h"

#include <glib/gi18n.h>
#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "im/features.h"
#include "im/history.h"
#include "im/message-queue.h"
#include "ll/connection-manager.h"
#include "ll/listener.h"
#include "xml/caps.h"
#include "xml/stanza.h"

/* Peers with queued messages are tried again this often, in case a connect
 * failed for a reason discovery does not tell us about. */
#define RETRY_INTERVAL_S 15
#define DISCO_TIMEOUT_MS 5000

G_DEFINE_QUARK (cw-ll-session-error-quark, cw_ll_session_error)

typedef enum
{
  RECEIPTS_UNKNOWN,
  RECEIPTS_ASKING,
  RECEIPTS_YES,
  RECEIPTS_NO,
} Receipts;

typedef struct
{
  Receipts receipts;
  gboolean flushing;        /* a flush is waiting for a stream */
  gboolean flush_again;     /* messages were queued meanwhile */
  guint in_flight;          /* messages handed to the stream, not yet written */
} PeerState;

/* Queued messages go out in batches: a peer back after a long absence must
 * not make us queue megabytes at once (the stream stops reading while its
 * output is congested, and two peers doing that to each other would wait
 * forever). The next batch follows when this one is written. */
#define WRITE_BATCH 64

struct _CwLlSession
{
  GObject parent;
  CwLlDiscovery *discovery;      /* owned */
  CwLlRoster *roster;            /* owned */
  CwLlListener *listener;        /* owned */
  CwLlConnectionManager *cm;     /* owned */
  CwStore *store;                /* owned */
  CwMessageQueue *queue;         /* owned */
  CwHistory *history;            /* owned */
  CwLlTxt *txt;                  /* owned: what we publish */
  gboolean publish_personal;
  gchar *name;                   /* owned: as published */
  GHashTable *peers;             /* name -> owned PeerState */
  GHashTable *seen;              /* owned set: every peer name met since start */
  guint retry_id;
};

G_DEFINE_TYPE (CwLlSession, cw_ll_session, G_TYPE_OBJECT)

enum
{
  SIG_MESSAGE_RECEIVED,
  SIG_MESSAGE_STATE,
  SIG_CHAT_STATE,
  SIG_NAME_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void flush_queue (CwLlSession *self, const gchar *peer);

static PeerState *
peer_state (CwLlSession *self, const gchar *peer)
{
  PeerState *ps = g_hash_table_lookup (self->peers, peer);

  if (ps == NULL)
    {
      ps = g_new0 (PeerState, 1);
      g_hash_table_insert (self->peers, g_strdup (peer), ps);
    }
  return ps;
}

/* ---- presence ------------------------------------------------------- */

static GPtrArray *
encode_txt (CwLlSession *self)
{
  return cw_ll_txt_encode (self->txt, self->publish_personal);
}

void
cw_ll_session_set_presence (CwLlSession *self, CwLlStatus status, const gchar *message)
{
  g_autoptr (GPtrArray) strings = NULL;

  self->txt->status = status;
  g_free (self->txt->msg);
  self->txt->msg = message != NULL && *message != '\0' ? g_strdup (message) : NULL;
  strings = encode_txt (self);
  /* In place, so peers see a presence change and not a new service. */
  cw_ll_discovery_update_txt (self->discovery, strings);
}

CwLlStatus
cw_ll_session_get_status (CwLlSession *self)
{
  return self->txt->status;
}

const gchar *
cw_ll_session_get_status_message (CwLlSession *self)
{
  return self->txt->msg;
}

static void
on_published (CwLlDiscovery *disc, const gchar *name, CwLlSession *self)
{
  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  cw_ll_roster_set_self_name (self->roster, name);
  cw_ll_connection_manager_set_self_name (self->cm, name);
  g_signal_emit (self, signals[SIG_NAME_CHANGED], 0, name);
}

/* ---- incoming stanzas ----------------------------------------------- */

typedef struct
{
  CwLlSession *self;  /* unowned: the session outlives the streams' handlers */
  gchar *peer;
} Binding;

static Binding *
binding_new (CwLlSession *self, const gchar *peer)
{
  Binding *b = g_new0 (Binding, 1);

  b->self = self;
  b->peer = g_strdup (peer);
  return b;
}

static void
binding_free (gpointer data)
{
  Binding *b = data;

  g_free (b->peer);
  g_free (b);
}

/* XEP-0174 streams belong to one peer: a 'from' naming anyone else is a
 * spoof. Resources, if a client adds them, do not matter. */
static gboolean
from_is_peer (const CwElement *stanza, const gchar *peer)
{
  const gchar *from = cw_stanza_get_from (stanza);
  gsize len;

  if (from == NULL)
    return TRUE;
  len = strcspn (from, "/");
  return strlen (peer) == len && strncmp (from, peer, len) == 0;
}

static void
send_receipt (CwLlSession *self, CwPorter *porter, const gchar *peer, const gchar *id)
{
  g_autoptr (CwElement) ack = cw_stanza_message_new (NULL, self->name, peer, NULL, NULL);

  cw_element_set_attr (cw_element_add (ack, "received", CW_NS_RECEIPTS), "id", id);
  cw_porter_send_async (porter, ack, NULL, NULL, NULL);
}

static void
handle_error_message (CwLlSession *self, const gchar *peer, CwElement *stanza)
{
  const gchar *id = cw_stanza_get_id (stanza);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;

  if (id == NULL)
    return;
  cw_stanza_error_from_element (stanza, &error);
  found = cw_store_message_find_by_stanza_id (self->store, peer, CW_MESSAGE_DIRECTION_OUT, id, NULL);
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      CwMessage *m = g_ptr_array_index (found, i);

      cw_message_queue_mark_failed (self->queue, m->id,
                                    error != NULL ? error->message : _("the peer refused it"), NULL);
    }
}

static void
handle_chat_message (CwLlSession *self, CwPorter *porter, const gchar *peer, CwElement *stanza)
{
  const gchar *id = cw_stanza_get_id (stanza);
  const gchar *body = cw_element_get_child_text (stanza, "body", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwMessage) m = NULL;
  gboolean duplicate = FALSE;

  if (body != NULL && *body != '\0')
    {
      m = cw_history_record_incoming (self->history, peer, id, cw_stanza_get_type (stanza), body,
                                      cw_element_get_child_text (stanza, "thread", NULL),
                                      &duplicate, &error);
      if (m == NULL)
        g_warning ("cannot store a message from '%s': %s", peer, error->message);
      else if (!duplicate)
        g_signal_emit (self, signals[SIG_MESSAGE_RECEIVED], 0, m);
    }
  /* Answer receipts for duplicates too, or the sender keeps resending. */
  if (id != NULL && cw_element_get_child (stanza, "request", CW_NS_RECEIPTS) != NULL
      && (m != NULL || body == NULL))
    send_receipt (self, porter, peer, id);
}

static gboolean
on_message (CwPorter *porter, CwElement *stanza, gpointer data)
{
  Binding *b = data;
  CwLlSession *self = b->self;
  CwElement *c;

  if (!from_is_peer (stanza, b->peer))
    {
      g_autoptr (GError) error = g_error_new (CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_FROM,
                                              "this stream belongs to %s", b->peer);

      g_message ("'%s' sent a stanza as '%s'; closing its stream", b->peer,
                 cw_stanza_get_from (stanza));
      cw_ll_connection_manager_drop (self->cm, b->peer, error);
      return TRUE;
    }
  cw_ll_connection_manager_touch (self->cm, b->peer);
  if (g_strcmp0 (cw_stanza_get_type (stanza), "error") == 0)
    {
      handle_error_message (self, b->peer, stanza);
      return TRUE;
    }
  c = cw_element_get_child (stanza, "received", CW_NS_RECEIPTS);
  if (c != NULL && cw_element_get_attr (c, "id") != NULL)
    cw_message_queue_mark_delivered_by_stanza_id (self->queue, b->peer,
                                                  cw_element_get_attr (c, "id"), NULL, NULL);
  c = cw_element_get_child_in_ns (stanza, CW_NS_CHATSTATES);
  if (c != NULL)
    g_signal_emit (self, signals[SIG_CHAT_STATE], 0, b->peer, cw_element_get_name (c));
  handle_chat_message (self, porter, b->peer, stanza);
  return TRUE;
}

static gboolean
on_iq (CwPorter *porter, CwElement *stanza, gpointer data)
{
  Binding *b = data;
  g_autoptr (CwElement) reply = NULL;

  if (!from_is_peer (stanza, b->peer))
    return on_message (porter, stanza, data);
  cw_ll_connection_manager_touch (b->self->cm, b->peer);
  reply = cw_im_answer_iq (stanza);
  if (reply == NULL)
    return FALSE;  /* the porter answers service-unavailable */
  cw_porter_send_async (porter, reply, NULL, NULL, NULL);
  return TRUE;
}

/* ---- sending -------------------------------------------------------- */

typedef struct
{
  CwLlSession *self;   /* owned */
  gchar *peer;         /* owned */
  gint64 id;
  gboolean receipt;
} SendCtx;

static void
on_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  SendCtx *ctx = data;
  g_autoptr (GError) error = NULL;

  PeerState *ps = peer_state (ctx->self, ctx->peer);

  if (cw_porter_send_finish (CW_PORTER (source), res, &error))
    cw_message_queue_mark_sent (ctx->self->queue, ctx->id, ctx->receipt, NULL);
  else
    g_debug ("message %" G_GINT64_FORMAT " not written: %s", ctx->id, error->message);
  /* The batch is out: the next one, if any (and if the stream still works). */
  if (--ps->in_flight == 0 && error == NULL)
    flush_queue (ctx->self, ctx->peer);
  g_object_unref (ctx->self);
  g_free (ctx->peer);
  g_free (ctx);
}

static CwElement *
build_message (CwLlSession *self, const gchar *peer, const CwMessage *m, gboolean receipt)
{
  CwElement *stanza = cw_stanza_message_new (m->type, self->name, peer, m->stanza_id, m->body);

  if (m->thread != NULL)
    cw_element_add_text_child (stanza, "thread", NULL, m->thread);
  cw_element_add (stanza, "active", CW_NS_CHATSTATES);
  if (receipt)
    cw_element_add (stanza, "request", CW_NS_RECEIPTS);
  return stanza;
}

static void
write_pending (CwLlSession *self, const gchar *peer, CwPorter *porter)
{
  PeerState *ps = peer_state (self, peer);
  g_autoptr (GPtrArray) pending = cw_message_queue_pending_for_peer (self->queue, peer, NULL);
  gboolean receipt = ps->receipts == RECEIPTS_YES;

  if (ps->in_flight > 0)
    return;  /* the batch being written triggers the next one */
  for (guint i = 0; pending != NULL && i < pending->len && i < WRITE_BATCH; i++)
    {
      CwMessage *m = g_ptr_array_index (pending, i);
      g_autoptr (CwElement) stanza = build_message (self, peer, m, receipt);
      SendCtx *ctx = g_new0 (SendCtx, 1);

      ps->in_flight++;
      ctx->self = g_object_ref (self);
      ctx->peer = g_strdup (peer);
      ctx->id = m->id;
      ctx->receipt = receipt;
      cw_porter_send_async (porter, stanza, NULL, on_sent, ctx);
    }
  cw_ll_connection_manager_touch (self->cm, peer);
}

typedef struct
{
  CwLlSession *self; /* owned */
  gchar *peer;
} PeerCtx;

static PeerCtx *
peer_ctx_new (CwLlSession *self, const gchar *peer)
{
  PeerCtx *ctx = g_new0 (PeerCtx, 1);

  ctx->self = g_object_ref (self);
  ctx->peer = g_strdup (peer);
  return ctx;
}

static void
peer_ctx_free (PeerCtx *ctx)
{
  g_object_unref (ctx->self);
  g_free (ctx->peer);
  g_free (ctx);
}

static void
on_disco (GObject *source, GAsyncResult *res, gpointer data)
{
  PeerCtx *ctx = data;
  PeerState *ps = peer_state (ctx->self, ctx->peer);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) result = cw_porter_send_iq_finish (CW_PORTER (source), res, &error);
  gboolean yes = FALSE;

  if (result != NULL)
    {
      CwElement *q = cw_element_get_child (result, "query", CW_NS_DISCO_INFO);

      for (CwElement *f = q != NULL ? cw_element_first (q) : NULL; f != NULL; f = cw_element_next (f))
        if (cw_element_is (f, "feature", NULL)
            && g_strcmp0 (cw_element_get_attr (f, "var"), CW_NS_RECEIPTS) == 0)
          yes = TRUE;
    }
  ps->receipts = yes ? RECEIPTS_YES : RECEIPTS_NO;
  g_debug ("'%s' %s receipts", ctx->peer, yes ? "does" : "does not do");
  write_pending (ctx->self, ctx->peer, CW_PORTER (source));
  peer_ctx_free (ctx);
}

/* Receipts are only asked of peers that do them (disco#info), or an
 * unanswered request would resend the message on every new stream. */
static void
learn_receipts (CwLlSession *self, const gchar *peer, CwPorter *porter)
{
  PeerState *ps = peer_state (self, peer);
  g_autoptr (CwElement) iq = NULL;

  if (ps->receipts != RECEIPTS_UNKNOWN)
    return;
  ps->receipts = RECEIPTS_ASKING;
  iq = cw_stanza_iq_new (CW_IQ_TYPE_GET, self->name, peer, NULL);
  cw_element_add (iq, "query", CW_NS_DISCO_INFO);
  /* Some peers (libpurple, iChat) never answer: do not hold the queue for long. */
  cw_porter_set_iq_timeout (porter, DISCO_TIMEOUT_MS);
  cw_porter_send_iq_async (porter, iq, NULL, on_disco, peer_ctx_new (self, peer));
}

static void
on_porter_ready (GObject *source, GAsyncResult *res, gpointer data)
{
  PeerCtx *ctx = data;
  PeerState *ps = peer_state (ctx->self, ctx->peer);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwPorter) porter =
    cw_ll_connection_manager_get_porter_finish (CW_LL_CONNECTION_MANAGER (source), res, &error);
  gboolean again = ps->flush_again;

  ps->flushing = ps->flush_again = FALSE;
  if (porter == NULL)
    g_debug ("messages for '%s' stay queued: %s", ctx->peer, error->message);
  else if (ps->receipts == RECEIPTS_UNKNOWN)
    learn_receipts (ctx->self, ctx->peer, porter);
  else if (ps->receipts != RECEIPTS_ASKING)
    write_pending (ctx->self, ctx->peer, porter);
  if (again && porter != NULL)
    flush_queue (ctx->self, ctx->peer);
  peer_ctx_free (ctx);
}

static void
flush_queue (CwLlSession *self, const gchar *peer)
{
  PeerState *ps = peer_state (self, peer);
  g_autoptr (GPtrArray) pending = NULL;

  if (ps->flushing || ps->in_flight > 0)
    {
      /* A flush is under way, or a batch is being written: messages still
       * being written are QUEUED until then and must not go out twice. */
      ps->flush_again = ps->flushing;
      return;
    }
  if (cw_ll_roster_lookup (self->roster, peer) == NULL)
    return;  /* sent when it shows up */
  pending = cw_message_queue_pending_for_peer (self->queue, peer, NULL);
  if (pending == NULL || pending->len == 0)
    return;
  ps->flushing = TRUE;
  cw_ll_connection_manager_get_porter_async (self->cm, peer, NULL, on_porter_ready,
                                             peer_ctx_new (self, peer));
}

static gboolean
peer_is_known (CwLlSession *self, const gchar *peer)
{
  g_autoptr (GPtrArray) page = NULL;

  if (cw_ll_roster_lookup (self->roster, peer) != NULL
      || g_hash_table_contains (self->seen, peer))
    return TRUE;
  page = cw_history_get_page (self->history, peer, 0, 1, NULL);
  return page != NULL && page->len > 0;
}

/* The body's size once written as XML text, so that the stanza stays well
 * inside the receiver's limit (CW_READER_DEFAULT_MAX_STANZA_SIZE). */
static gsize
escaped_size (const gchar *body)
{
  gsize n = 0;

  for (const gchar *c = body; *c != '\0'; c++)
    n += *c == '&' ? 5 : (*c == '<' || *c == '>') ? 4 : 1;
  return n;
}

CwMessage *
cw_ll_session_send_message (CwLlSession *self, const gchar *peer, const gchar *body,
                            GError **error)
{
  CwMessage *m;

  if (peer == NULL || *peer == '\0' || !g_utf8_validate (peer, -1, NULL))
    {
      g_set_error (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_INVALID, _("no peer given"));
      return NULL;
    }
  if (body == NULL || *body == '\0' || !g_utf8_validate (body, -1, NULL))
    {
      g_set_error (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_INVALID,
                   _("the message is empty or not valid UTF-8"));
      return NULL;
    }
  if (escaped_size (body) > CW_LL_SESSION_MAX_BODY)
    {
      g_set_error (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_INVALID,
                   _("the message is too long: peers accept at most %u KiB of text"),
                   (guint) (CW_LL_SESSION_MAX_BODY / 1024));
      return NULL;
    }
  if (!peer_is_known (self, peer))
    {
      g_set_error (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_UNKNOWN_PEER,
                   _("no peer named '%s' is nearby or known"), peer);
      return NULL;
    }
  m = cw_message_queue_enqueue (self->queue, peer, body, NULL, "chat", error);
  if (m != NULL)
    flush_queue (self, peer);
  return m;
}

void
cw_ll_session_send_chat_state (CwLlSession *self, const gchar *peer, const gchar *state)
{
  CwPorter *porter = cw_ll_connection_manager_lookup (self->cm, peer);
  g_autoptr (CwElement) stanza = NULL;

  if (porter == NULL)
    return;  /* chat states are not worth a connection */
  stanza = cw_stanza_message_new ("chat", self->name, peer, NULL, NULL);
  cw_element_add (stanza, state, CW_NS_CHATSTATES);
  cw_porter_send_async (porter, stanza, NULL, NULL, NULL);
}

GPtrArray *
cw_ll_session_history (CwLlSession *self, const gchar *peer, gint64 before_id, guint limit,
                       GError **error)
{
  return cw_history_get_page (self->history, peer, before_id, limit, error);
}

/* ---- streams and roster --------------------------------------------- */

static void
on_porter_added (CwLlConnectionManager *cm, const gchar *peer, CwPorter *porter,
                 gboolean incoming, CwLlSession *self)
{
  cw_porter_register_handler_full (porter, CW_STANZA_KIND_MESSAGE, NULL, NULL, NULL,
                                   CW_PORTER_PRIORITY_NORMAL, on_message,
                                   binding_new (self, peer), binding_free);
  cw_porter_register_handler_full (porter, CW_STANZA_KIND_IQ, NULL, NULL, NULL,
                                   CW_PORTER_PRIORITY_NORMAL, on_iq, binding_new (self, peer),
                                   binding_free);
  if (incoming)
    flush_queue (self, peer);
}

static void
on_porter_removed (CwLlConnectionManager *cm, const gchar *peer, gboolean clean, CwLlSession *self)
{
  PeerState *ps = peer_state (self, peer);

  cw_message_queue_stream_ended (self->queue, peer, clean, NULL);
  /* The peer may have restarted as something else: ask again next time. */
  if (!clean)
    ps->receipts = RECEIPTS_UNKNOWN;
  flush_queue (self, peer);
}

static void
on_peer_seen (CwLlRoster *roster, CwLlPeer *peer, CwLlSession *self)
{
  /* A peer we saw may be written to after it left: it gets it on return. */
  if (!g_hash_table_contains (self->seen, peer->name))
    g_hash_table_add (self->seen, g_strdup (peer->name));
  if (peer->reachable)
    flush_queue (self, peer->name);
}

static void
on_queue_state (CwMessageQueue *queue, gint64 id, CwMessageState state, CwMessage *m,
                CwLlSession *self)
{
  g_signal_emit (self, signals[SIG_MESSAGE_STATE], 0, m);
}

static gboolean
on_retry (gpointer data)
{
  CwLlSession *self = data;
  GList *peers = cw_ll_roster_list (self->roster);

  for (GList *l = peers; l != NULL; l = l->next)
    flush_queue (self, ((CwLlPeer *) l->data)->name);
  g_list_free (peers);
  return G_SOURCE_CONTINUE;
}

/* ---- life ----------------------------------------------------------- */

static CwLlTxt *
txt_from_config (const CwLlSessionConfig *config)
{
  CwLlTxt *txt = cw_ll_txt_new ();

  txt->txtvers = 1;
  txt->status = CW_LL_STATUS_AVAIL;
  txt->nick = g_strdup (config->nick);
  txt->first = g_strdup (config->first);
  txt->last = g_strdup (config->last);
  txt->email = g_strdup (config->email);
  txt->jid = g_strdup (config->jid);
  txt->node = g_strdup (CW_IM_CAPS_NODE);
  txt->hash = g_strdup (CW_CAPS_HASH_SHA1);
  txt->ver = g_strdup (cw_im_caps_ver ());
  return txt;
}

CwLlSession *
cw_ll_session_new (const CwLlSessionConfig *config, CwLlDiscovery *discovery, GError **error)
{
  g_autoptr (CwLlSession) self = g_object_new (CW_TYPE_LL_SESSION, NULL);
  g_autoptr (CwElement) features = cw_element_new ("features", CW_NS_STREAM);

  self->name = g_strdup (config->name);
  self->discovery = g_object_ref (discovery);
  self->publish_personal = config->publish_personal;
  self->txt = txt_from_config (config);
  self->store = cw_store_open (config->db_path, error);
  if (self->store == NULL)
    return NULL;
  self->queue = cw_message_queue_new (self->store, error);
  if (self->queue == NULL)
    return NULL;
  self->history = cw_history_new (self->store);
  self->listener = cw_ll_listener_new (config->port, error);
  if (self->listener == NULL)
    return NULL;
  self->txt->port_p2pj = cw_ll_listener_get_port (self->listener);
  self->roster = cw_ll_roster_new (discovery);
  cw_ll_roster_set_self_name (self->roster, self->name);
  self->cm = cw_ll_connection_manager_new (self->roster, self->listener, self->name);
  if (config->idle_timeout_s > 0)
    cw_ll_connection_manager_set_idle_timeout (self->cm, config->idle_timeout_s);
  cw_element_add_child (features, cw_caps_element_new (CW_IM_CAPS_NODE, cw_im_caps_ver ()));
  cw_ll_connection_manager_set_features (self->cm, features);
  g_signal_connect (self->cm, "porter-added", G_CALLBACK (on_porter_added), self);
  g_signal_connect (self->cm, "porter-removed", G_CALLBACK (on_porter_removed), self);
  g_signal_connect (self->roster, "peer-added", G_CALLBACK (on_peer_seen), self);
  g_signal_connect (self->roster, "peer-changed", G_CALLBACK (on_peer_seen), self);
  g_signal_connect (self->queue, "state-changed", G_CALLBACK (on_queue_state), self);
  g_signal_connect (discovery, "published", G_CALLBACK (on_published), self);
  return g_steal_pointer (&self);
}

gboolean
cw_ll_session_start (CwLlSession *self, GError **error)
{
  g_autoptr (GPtrArray) strings = encode_txt (self);

  g_socket_service_start (G_SOCKET_SERVICE (self->listener));
  if (!cw_ll_discovery_start (self->discovery, error))
    return FALSE;
  cw_ll_discovery_publish (self->discovery, self->name, cw_ll_listener_get_port (self->listener),
                           strings);
  self->retry_id = g_timeout_add_seconds (RETRY_INTERVAL_S, on_retry, self);
  return TRUE;
}

static void
on_closed_all (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GTask) task = data;

  cw_ll_connection_manager_close_all_finish (CW_LL_CONNECTION_MANAGER (source), res, NULL);
  g_task_return_boolean (task, TRUE);
}

void
cw_ll_session_stop_async (CwLlSession *self, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  cw_ll_discovery_unpublish (self->discovery);
  g_socket_service_stop (G_SOCKET_SERVICE (self->listener));
  cw_ll_connection_manager_close_all_async (self->cm, on_closed_all, task);
}

gboolean
cw_ll_session_stop_finish (CwLlSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const gchar *
cw_ll_session_get_name (CwLlSession *self)
{
  return self->name;
}

guint16
cw_ll_session_get_port (CwLlSession *self)
{
  return cw_ll_listener_get_port (self->listener);
}

CwLlRoster *
cw_ll_session_get_roster (CwLlSession *self)
{
  return self->roster;
}

CwLlDiscovery *
cw_ll_session_get_discovery (CwLlSession *self)
{
  return self->discovery;
}

static void
cw_ll_session_dispose (GObject *object)
{
  CwLlSession *self = CW_LL_SESSION (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->discovery != NULL)
    g_signal_handlers_disconnect_by_data (self->discovery, self);
  if (self->cm != NULL)
    g_signal_handlers_disconnect_by_data (self->cm, self);
  if (self->roster != NULL)
    g_signal_handlers_disconnect_by_data (self->roster, self);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->cm);
  g_clear_object (&self->roster);
  g_clear_object (&self->listener);
  g_clear_object (&self->history);
  g_clear_object (&self->queue);
  g_clear_object (&self->store);
  g_clear_object (&self->discovery);
  G_OBJECT_CLASS (cw_ll_session_parent_class)->dispose (object);
}

static void
cw_ll_session_finalize (GObject *object)
{
  CwLlSession *self = CW_LL_SESSION (object);

  g_clear_pointer (&self->txt, cw_ll_txt_free);
  g_hash_table_destroy (self->peers);
  g_hash_table_destroy (self->seen);
  g_free (self->name);
  G_OBJECT_CLASS (cw_ll_session_parent_class)->finalize (object);
}

static void
cw_ll_session_class_init (CwLlSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_ll_session_dispose;
  object_class->finalize = cw_ll_session_finalize;
  signals[SIG_MESSAGE_RECEIVED] = g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, CW_TYPE_MESSAGE);
  signals[SIG_MESSAGE_STATE] = g_signal_new ("message-state", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             1, CW_TYPE_MESSAGE);
  signals[SIG_CHAT_STATE] = g_signal_new ("chat-state", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_STRING, G_TYPE_STRING);
  signals[SIG_NAME_CHANGED] = g_signal_new ("name-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            1, G_TYPE_STRING);
}

static void
cw_ll_session_init (CwLlSession *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
