/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlConnectionManager: one XMPP stream per link-local peer, in both directions. */
#include "config.h"
#include "ll/connection-manager.h"

#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"

#define CONNECT_TIMEOUT_S 5
#define IDENTIFY_WAIT_MS 3000
#define IDENTIFY_RETRY_MS 250

/* Each incoming stream still waiting for its header holds a descriptor
 * for up to the handshake timeout. A flood of silent connections could
 * exhaust them (then GSocketService retries accept() in a busy loop) or
 * crowd out real peers: beyond these, a new connection is closed at once,
 * before anything is read. The cap per address keeps one host from taking
 * every slot; a LAN has few peers, each opening one stream at a time. */
#define MAX_PENDING_INCOMING 32
#define MAX_PENDING_INCOMING_PER_ADDRESS 4

/* What we know about one peer's stream. */
typedef struct
{
  CwLlConnectionManager *self; /* unowned */
  gchar *peer;                 /* owned */
  CwPorter *porter;            /* owned, nullable: the current stream */
  gchar *initiator;            /* owned, nullable: who opened the current stream */
  GPtrArray *waiters;          /* owned GTask *: get_porter calls waiting */
  GCancellable *connecting;    /* owned, nullable: an outgoing connect runs */
  guint idle_id;
} Slot;

/* One stream being set up, outgoing or incoming. */
typedef struct
{
  CwLlConnectionManager *self; /* owned */
  gchar *peer;                 /* owned, nullable until identified (incoming) */
  GPtrArray *addresses;        /* owned (GSocketAddress *): left to try (outgoing) */
  GError *last_error;          /* owned */
  GSocketConnection *conn;     /* owned */
  CwXmppConnection *xc;        /* owned */
  GCancellable *cancellable;   /* owned */
  guint timeout_id;
  gboolean incoming;
  CwStreamHeader *header;      /* owned, nullable: the peer's (incoming) */
  gint64 deadline;             /* identification gives up then */
  gchar *source;               /* owned, nullable: counted in pending_by_address (incoming) */
} Handshake;

struct _CwLlConnectionManager
{
  GObject parent;
  CwLlRoster *roster;          /* owned */
  CwLlListener *listener;      /* owned, nullable */
  gchar *self_name;            /* owned */
  GHashTable *slots;           /* peer -> owned Slot */
  GPtrArray *porters;          /* owned: every live porter, current or closing */
  CwElement *features;         /* owned, nullable */
  guint idle_timeout_s;
  guint handshake_timeout_ms;
  gulong incoming_id;
  guint n_pending_incoming;        /* incoming handshakes not finished */
  GHashTable *pending_by_address;  /* owned: address (owned gchar *) -> count (GUINT_TO_POINTER) */
};

G_DEFINE_TYPE (CwLlConnectionManager, cw_ll_connection_manager, G_TYPE_OBJECT)

enum
{
  SIG_PORTER_ADDED,
  SIG_PORTER_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void connect_next (Handshake *hs);
static void try_identify (Handshake *hs);
static void adopt (CwLlConnectionManager *self, const gchar *peer, CwPorter *porter,
                   gboolean incoming);

/* ---- slots ---------------------------------------------------------- */

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_clear_handle_id (&slot->idle_id, g_source_remove);
  if (slot->connecting != NULL)
    g_cancellable_cancel (slot->connecting);
  g_clear_object (&slot->connecting);
  g_clear_object (&slot->porter);
  g_ptr_array_unref (slot->waiters);
  g_free (slot->initiator);
  g_free (slot->peer);
  g_free (slot);
}

static Slot *
get_slot (CwLlConnectionManager *self, const gchar *peer)
{
  Slot *slot = g_hash_table_lookup (self->slots, peer);

  if (slot == NULL)
    {
      slot = g_new0 (Slot, 1);
      slot->self = self;
      slot->peer = g_strdup (peer);
      slot->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->slots, slot->peer, slot);
    }
  return slot;
}

static void
finish_waiters (Slot *slot, const GError *error)
{
  g_autoptr (GPtrArray) waiters = slot->waiters;

  slot->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_object_ref (slot->porter), g_object_unref);
    }
}

static gboolean
on_idle (gpointer data)
{
  Slot *slot = data;
  CwPorter *porter = g_steal_pointer (&slot->porter);

  slot->idle_id = 0;
  if (porter == NULL)
    return G_SOURCE_REMOVE;
  g_debug ("closing the idle stream to '%s'", slot->peer);
  /* The porter stays alive until it has closed; new sends open a new one. */
  cw_porter_close_async (porter, NULL, NULL, NULL);
  g_object_unref (porter);
  return G_SOURCE_REMOVE;
}

void
cw_ll_connection_manager_touch (CwLlConnectionManager *self, const gchar *peer)
{
  Slot *slot = g_hash_table_lookup (self->slots, peer);

  if (slot == NULL || slot->porter == NULL)
    return;
  g_clear_handle_id (&slot->idle_id, g_source_remove);
  if (self->idle_timeout_s > 0)
    slot->idle_id = g_timeout_add_seconds (self->idle_timeout_s, on_idle, slot);
}

/* ---- porters -------------------------------------------------------- */

typedef struct
{
  CwLlConnectionManager *self; /* unowned: the manager outlives its porters' signals */
  gchar *peer;
  gboolean errored;            /* the stream ended with an error */
} PorterWatch;

static void
porter_watch_free (gpointer data, GClosure *closure)
{
  PorterWatch *w = data;

  g_free (w->peer);
  g_free (w);
}

static void
on_porter_closed (CwPorter *porter, PorterWatch *w)
{
  CwLlConnectionManager *self = w->self;
  Slot *slot = g_hash_table_lookup (self->slots, w->peer);
  gboolean was_current = slot != NULL && slot->porter == porter;
  CwXmppConnection *xc = cw_porter_get_connection (porter);
  /* Clean: the stream ended with the peer's </stream:stream>, not a cut
   * connection or an error, whoever closed first. Peers such as libpurple
   * always close first; a proper close says it read what came before. */
  gboolean clean = cw_xmpp_connection_is_close_received (xc) && !w->errored;

  if (was_current)
    {
      g_clear_handle_id (&slot->idle_id, g_source_remove);
      g_clear_object (&slot->porter);
    }
  g_signal_emit (self, signals[SIG_PORTER_REMOVED], 0, w->peer, clean);
  g_ptr_array_remove_fast (self->porters, porter);
}

static void
on_porter_error (CwPorter *porter, const GError *error, PorterWatch *w)
{
  w->errored = TRUE;
}

static void
on_porter_closing (CwPorter *porter, PorterWatch *w)
{
  Slot *slot = g_hash_table_lookup (w->self->slots, w->peer);

  /* The peer is done with this stream: the next send needs a new one. */
  if (slot != NULL && slot->porter == porter)
    {
      g_clear_handle_id (&slot->idle_id, g_source_remove);
      g_clear_object (&slot->porter);
    }
}

static void
watch_porter (CwLlConnectionManager *self, const gchar *peer, CwPorter *porter,
              gboolean incoming)
{
  PorterWatch *w = g_new0 (PorterWatch, 1);

  w->self = self;
  w->peer = g_strdup (peer);
  g_ptr_array_add (self->porters, g_object_ref (porter));
  g_signal_connect_data (porter, "closed", G_CALLBACK (on_porter_closed), w, porter_watch_free, 0);
  g_signal_connect (porter, "closing", G_CALLBACK (on_porter_closing), w);
  g_signal_connect (porter, "remote-error", G_CALLBACK (on_porter_error), w);
  g_signal_emit (self, signals[SIG_PORTER_ADDED], 0, peer, porter, incoming);
  cw_porter_start (porter);
}

static void
close_porter (CwPorter *porter)
{
  cw_porter_close_async (porter, NULL, NULL, NULL);
}

/* Both sides connecting at once end up with two streams. Both keep the one
 * opened by the peer whose name sorts first, so they agree without talking;
 * the other is closed properly, so stanzas already on it still arrive. */
static void
adopt (CwLlConnectionManager *self, const gchar *peer, CwPorter *porter, gboolean incoming)
{
  Slot *slot = get_slot (self, peer);
  const gchar *initiator = incoming ? peer : self->self_name;
  gboolean keep_new = TRUE;

  watch_porter (self, peer, porter, incoming);
  if (slot->porter != NULL && g_strcmp0 (slot->initiator, initiator) != 0)
    keep_new = strcmp (initiator, slot->initiator) < 0;
  if (!keep_new)
    {
      g_debug ("two streams with '%s': keeping the one %s opened", peer, slot->initiator);
      close_porter (porter);
      return;
    }
  if (slot->porter != NULL)
    {
      g_debug ("two streams with '%s': keeping the one %s opened", peer, initiator);
      close_porter (slot->porter);
      g_clear_object (&slot->porter);
    }
  slot->porter = g_object_ref (porter);
  g_free (slot->initiator);
  slot->initiator = g_strdup (initiator);
  cw_ll_roster_mark_reachable (self->roster, peer);
  cw_ll_connection_manager_touch (self, peer);
  finish_waiters (slot, NULL);
}

/* ---- handshakes ----------------------------------------------------- */

/* Counts an incoming handshake from @source; FALSE when a cap is reached. */
static gboolean
admit_incoming (CwLlConnectionManager *self, const gchar *source)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_by_address, source));

  if (self->n_pending_incoming >= MAX_PENDING_INCOMING || n >= MAX_PENDING_INCOMING_PER_ADDRESS)
    return FALSE;
  self->n_pending_incoming++;
  g_hash_table_insert (self->pending_by_address, g_strdup (source), GUINT_TO_POINTER (n + 1));
  return TRUE;
}

static void
release_incoming (CwLlConnectionManager *self, const gchar *source)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_by_address, source));

  g_assert (n > 0 && self->n_pending_incoming > 0);
  self->n_pending_incoming--;
  if (n == 1)
    g_hash_table_remove (self->pending_by_address, source);
  else
    g_hash_table_insert (self->pending_by_address, g_strdup (source), GUINT_TO_POINTER (n - 1));
}

static void
handshake_free (Handshake *hs)
{
  if (hs->source != NULL)
    release_incoming (hs->self, hs->source);
  g_free (hs->source);
  g_clear_handle_id (&hs->timeout_id, g_source_remove);
  g_clear_pointer (&hs->addresses, g_ptr_array_unref);
  g_clear_error (&hs->last_error);
  g_clear_pointer (&hs->header, cw_stream_header_free);
  g_clear_object (&hs->xc);
  if (hs->conn != NULL)
    g_io_stream_close (G_IO_STREAM (hs->conn), NULL, NULL);
  g_clear_object (&hs->conn);
  g_clear_object (&hs->cancellable);
  g_free (hs->peer);
  g_object_unref (hs->self);
  g_free (hs);
}

/* The stream now belongs to its porter: forget it without closing it. */
static void
handshake_succeeded (Handshake *hs)
{
  g_clear_object (&hs->conn);
  handshake_free (hs);
}

static gboolean
on_handshake_timeout (gpointer data)
{
  Handshake *hs = data;

  hs->timeout_id = 0;
  g_cancellable_cancel (hs->cancellable);
  return G_SOURCE_REMOVE;
}

static void
arm_timeout (Handshake *hs)
{
  g_clear_handle_id (&hs->timeout_id, g_source_remove);
  hs->timeout_id = g_timeout_add (hs->self->handshake_timeout_ms, on_handshake_timeout, hs);
}

static void
outgoing_failed (Handshake *hs, GError *error)
{
  g_clear_error (&hs->last_error);
  hs->last_error = error;
  g_clear_object (&hs->xc);
  if (hs->conn != NULL)
    g_io_stream_close (G_IO_STREAM (hs->conn), NULL, NULL);
  g_clear_object (&hs->conn);
  connect_next (hs);
}

static void
on_out_open_received (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  GError *error = NULL;
  g_autoptr (CwStreamHeader) header = cw_xmpp_connection_recv_open_finish (hs->xc, res, &error);
  g_autoptr (CwPorter) porter = NULL;

  if (header == NULL)
    {
      outgoing_failed (hs, error);
      return;
    }
  g_clear_handle_id (&hs->timeout_id, g_source_remove);
  /* Someone else lives at that address now (the peer was renamed after a
   * collision, or left): this is a failed connect, and discovery has to
   * look again, not a stream to deliver messages on. */
  if (header->from != NULL && strcmp (header->from, hs->peer) != 0)
    {
      outgoing_failed (hs, g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                                        "'%s' answered as '%s'", hs->peer, header->from));
      return;
    }
  porter = cw_porter_new (hs->xc, hs->self->self_name, hs->peer);
  g_clear_object (&get_slot (hs->self, hs->peer)->connecting);
  adopt (hs->self, hs->peer, porter, FALSE);
  handshake_succeeded (hs);
}

static void
on_out_open_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  GError *error = NULL;

  if (!cw_xmpp_connection_send_open_finish (hs->xc, res, &error))
    {
      outgoing_failed (hs, error);
      return;
    }
  cw_xmpp_connection_recv_open_async (hs->xc, hs->cancellable, on_out_open_received, hs);
}

static void
on_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  GError *error = NULL;

  hs->conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (hs->conn == NULL)
    {
      outgoing_failed (hs, error);
      return;
    }
  /* The client's connect timeout stays on the socket: a stream may be quiet for long. */
  g_socket_set_timeout (g_socket_connection_get_socket (hs->conn), 0);
  arm_timeout (hs);
  hs->xc = cw_xmpp_connection_new (G_IO_STREAM (hs->conn), CW_NS_CLIENT);
  cw_xmpp_connection_send_open_async (hs->xc, hs->peer, hs->self->self_name, "1.0", NULL, NULL,
                                      hs->cancellable, on_out_open_sent, hs);
}

static void
connect_next (Handshake *hs)
{
  Slot *slot = get_slot (hs->self, hs->peer);
  g_autoptr (GSocketClient) client = NULL;
  g_autoptr (GSocketAddress) addr = NULL;

  if (g_cancellable_is_cancelled (slot->connecting) || hs->addresses->len == 0)
    {
      GError *error = hs->last_error != NULL
                        ? g_error_copy (hs->last_error)
                        : g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                                       "'%s' has no address", hs->peer);

      g_clear_object (&slot->connecting);
      /* Someone else's stream (an incoming one) may have won meanwhile. */
      if (slot->porter == NULL)
        {
          g_message ("cannot reach '%s': %s", hs->peer, error->message);
          cw_ll_roster_mark_unreachable (hs->self->roster, hs->peer);
          finish_waiters (slot, error);
        }
      g_error_free (error);
      handshake_free (hs);
      return;
    }
  addr = g_ptr_array_steal_index (hs->addresses, 0);
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  g_clear_object (&hs->cancellable);
  hs->cancellable = g_cancellable_new ();
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (addr), hs->cancellable,
                                 on_connected, hs);
}

static void
start_connect (CwLlConnectionManager *self, Slot *slot, CwLlPeer *peer)
{
  Handshake *hs = g_new0 (Handshake, 1);

  hs->self = g_object_ref (self);
  hs->peer = g_strdup (slot->peer);
  hs->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < peer->addresses->len; i++)
    g_ptr_array_add (hs->addresses, g_object_ref (g_ptr_array_index (peer->addresses, i)));
  slot->connecting = g_cancellable_new ();
  connect_next (hs);
}

void
cw_ll_connection_manager_get_porter_async (CwLlConnectionManager *self, const gchar *peer_name,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  CwLlPeer *peer = cw_ll_roster_lookup (self->roster, peer_name);
  Slot *slot;

  g_task_set_source_tag (task, cw_ll_connection_manager_get_porter_async);
  slot = g_hash_table_lookup (self->slots, peer_name);
  if (slot != NULL && slot->porter != NULL)
    {
      g_task_return_pointer (task, g_object_ref (slot->porter), g_object_unref);
      return;
    }
  if (peer == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no peer named '%s' nearby",
                               peer_name);
      return;
    }
  slot = get_slot (self, peer_name);
  g_ptr_array_add (slot->waiters, g_steal_pointer (&task));
  if (slot->connecting == NULL)
    start_connect (self, slot, peer);
}

CwPorter *
cw_ll_connection_manager_get_porter_finish (CwLlConnectionManager *self, GAsyncResult *result,
                                            GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

CwPorter *
cw_ll_connection_manager_lookup (CwLlConnectionManager *self, const gchar *peer)
{
  Slot *slot = g_hash_table_lookup (self->slots, peer);

  return slot != NULL ? slot->porter : NULL;
}

/* ---- incoming ------------------------------------------------------- */

/* Who is this? The stream's 'from' must be a peer we know that owns the
 * source address; without 'from' (iChat) one peer must own the address. */
static gchar *
identify (CwLlConnectionManager *self, const CwStreamHeader *header, GInetAddress *source,
          GError **error)
{
  g_autofree gchar *addr = g_inet_address_to_string (source);

  if (header->from != NULL)
    {
      CwLlPeer *peer = cw_ll_roster_lookup (self->roster, header->from);

      if (peer != NULL && cw_ll_peer_has_address (peer, source))
        return g_strdup (peer->name);
      g_set_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_FROM,
                   peer == NULL ? "'%s' is not a peer on this link" : "'%s' does not live at %s",
                   header->from, addr);
      return NULL;
    }
  {
    g_autoptr (GList) owners = cw_ll_roster_find_by_address (self->roster, source);

    if (owners != NULL && owners->next == NULL)
      return g_strdup (((CwLlPeer *) owners->data)->name);
    g_set_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_FROM,
                 owners == NULL ? "no peer lives at %s" : "several peers live at %s; say who you are",
                 addr);
    return NULL;
  }
}

static void
on_refused (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;

  cw_xmpp_connection_send_stream_error_finish (hs->xc, res, NULL);
  handshake_free (hs);
}

static void
adopt_incoming (Handshake *hs)
{
  g_autoptr (CwPorter) porter = cw_porter_new (hs->xc, hs->self->self_name, hs->peer);

  adopt (hs->self, hs->peer, porter, TRUE);
  handshake_succeeded (hs);
}

static void
on_in_features_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_send_stanza_finish (hs->xc, res, &error))
    {
      g_message ("stream from '%s' failed: %s", hs->peer, error->message);
      handshake_free (hs);
      return;
    }
  adopt_incoming (hs);
}

static void
on_in_open_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) features = cw_element_new ("features", CW_NS_STREAM);

  if (!cw_xmpp_connection_send_open_finish (hs->xc, res, &error))
    {
      handshake_free (hs);
      return;
    }
  /* Stream features exist only on version 1.0 streams (RFC 6120 §4.3). */
  if (hs->header->version == NULL)
    {
      adopt_incoming (hs);
      return;
    }
  if (hs->self->features != NULL)
    for (CwElement *c = cw_element_first (hs->self->features); c != NULL; c = cw_element_next (c))
      cw_element_add_child (features, cw_element_copy (c));
  cw_xmpp_connection_send_stanza_async (hs->xc, features, hs->cancellable, on_in_features_sent, hs);
}

/* A peer that just started may connect before our browser resolved it:
 * give discovery a moment before calling the stream a stranger's. */
static gboolean
retry_identify (gpointer data)
{
  Handshake *hs = data;

  hs->timeout_id = 0;
  try_identify (hs);
  return G_SOURCE_REMOVE;
}

static void
try_identify (Handshake *hs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (hs->conn, &error);
  CwReaderLimits limits;

  if (hs->header->to != NULL && strcmp (hs->header->to, hs->self->self_name) != 0)
    {
      g_set_error (&error, CW_STREAM_ERROR, CW_STREAM_ERROR_HOST_UNKNOWN,
                   "this is %s, not %s", hs->self->self_name, hs->header->to);
      g_message ("refusing a stream: %s", error->message);
      cw_xmpp_connection_send_stream_error_async (hs->xc, error, NULL, on_refused, hs);
      return;
    }
  if (remote != NULL)
    hs->peer = identify (hs->self, hs->header,
                         g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)), &error);
  if (hs->peer == NULL && remote != NULL && g_get_monotonic_time () < hs->deadline)
    {
      hs->timeout_id = g_timeout_add (IDENTIFY_RETRY_MS, retry_identify, hs);
      return;
    }
  if (hs->peer == NULL)
    {
      g_message ("refusing a stream: %s", error->message);
      cw_xmpp_connection_send_stream_error_async (hs->xc, error, NULL, on_refused, hs);
      return;
    }
  cw_reader_limits_init_default (&limits);
  cw_xmpp_connection_set_limits (hs->xc, &limits);
  /* Our header: version only when the peer spoke 1.0 (old iChat did not). */
  cw_xmpp_connection_send_open_async (hs->xc, hs->peer, hs->self->self_name,
                                      hs->header->version != NULL ? "1.0" : NULL, NULL, NULL,
                                      hs->cancellable, on_in_open_sent, hs);
}

static void
on_in_open_received (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *hs = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwStreamHeader) header = cw_xmpp_connection_recv_open_finish (hs->xc, res, &error);

  g_clear_handle_id (&hs->timeout_id, g_source_remove);
  if (header == NULL)
    {
      g_message ("incoming stream failed before its header: %s", error->message);
      if (error->domain == CW_STREAM_ERROR)
        cw_xmpp_connection_send_stream_error_async (hs->xc, error, NULL, on_refused, hs);
      else
        handshake_free (hs);
      return;
    }
  hs->header = g_steal_pointer (&header);
  hs->deadline = g_get_monotonic_time () + IDENTIFY_WAIT_MS * 1000;
  try_identify (hs);
}

/* The remote IP address as text, or "" when the socket cannot tell. */
static gchar *
remote_address_string (GSocketConnection *conn)
{
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("");
  return g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  CwLlConnectionManager *self = data;
  g_autofree gchar *address = remote_address_string (conn);
  Handshake *hs;

  if (!admit_incoming (self, address))
    {
      /* g_debug only: a flood must not flood the log as well. */
      g_debug ("closing a connection from %s: too many streams waiting for their header (%u)",
               address, self->n_pending_incoming);
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      return TRUE;
    }
  hs = g_new0 (Handshake, 1);
  hs->source = g_steal_pointer (&address);
  hs->self = g_object_ref (self);
  hs->incoming = TRUE;
  hs->conn = g_object_ref (conn);
  hs->cancellable = g_cancellable_new ();
  hs->xc = cw_xmpp_connection_new (G_IO_STREAM (conn), CW_NS_CLIENT);
  /* Until we know who it is, a stranger gets the small pre-auth limits. */
  {
    CwReaderLimits limits;

    cw_reader_limits_init_preauth (&limits);
    cw_xmpp_connection_set_limits (hs->xc, &limits);
  }
  arm_timeout (hs);
  cw_xmpp_connection_recv_open_async (hs->xc, hs->cancellable, on_in_open_received, hs);
  return TRUE;
}

/* ---- the rest ------------------------------------------------------- */

void
cw_ll_connection_manager_drop (CwLlConnectionManager *self, const gchar *peer,
                               const GError *stream_error)
{
  Slot *slot = g_hash_table_lookup (self->slots, peer);
  CwPorter *porter;

  if (slot == NULL || slot->porter == NULL)
    return;
  porter = g_steal_pointer (&slot->porter);
  g_clear_handle_id (&slot->idle_id, g_source_remove);
  if (stream_error != NULL)
    cw_xmpp_connection_send_stream_error_async (cw_porter_get_connection (porter), stream_error,
                                                NULL, NULL, NULL);
  cw_porter_force_close_async (porter, NULL, NULL, NULL);
  g_object_unref (porter);
}

static void
on_one_closed (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  guint *left = g_task_get_task_data (task);

  if (--(*left) == 0)
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
cw_ll_connection_manager_close_all_async (CwLlConnectionManager *self,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (GPtrArray) porters = g_ptr_array_new_with_free_func (g_object_unref);
  guint *left = g_new0 (guint, 1);

  for (guint i = 0; i < self->porters->len; i++)
    g_ptr_array_add (porters, g_object_ref (g_ptr_array_index (self->porters, i)));
  g_task_set_task_data (task, left, g_free);
  *left = porters->len + 1;
  for (guint i = 0; i < porters->len; i++)
    cw_porter_close_async (g_ptr_array_index (porters, i), NULL, on_one_closed, g_object_ref (task));
  on_one_closed (NULL, NULL, g_object_ref (task));
}

gboolean
cw_ll_connection_manager_close_all_finish (CwLlConnectionManager *self, GAsyncResult *result,
                                           GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cw_ll_connection_manager_set_self_name (CwLlConnectionManager *self, const gchar *name)
{
  g_free (self->self_name);
  self->self_name = g_strdup (name);
}

void
cw_ll_connection_manager_set_idle_timeout (CwLlConnectionManager *self, guint seconds)
{
  self->idle_timeout_s = seconds;
}

void
cw_ll_connection_manager_set_handshake_timeout (CwLlConnectionManager *self, guint ms)
{
  self->handshake_timeout_ms = ms;
}

void
cw_ll_connection_manager_set_features (CwLlConnectionManager *self, CwElement *features)
{
  g_clear_pointer (&self->features, cw_element_unref);
  self->features = features != NULL ? cw_element_ref (features) : NULL;
}

static void
cw_ll_connection_manager_dispose (GObject *object)
{
  CwLlConnectionManager *self = CW_LL_CONNECTION_MANAGER (object);

  if (self->listener != NULL)
    g_clear_signal_handler (&self->incoming_id, self->listener);
  g_clear_object (&self->listener);
  G_OBJECT_CLASS (cw_ll_connection_manager_parent_class)->dispose (object);
}

static void
cw_ll_connection_manager_finalize (GObject *object)
{
  CwLlConnectionManager *self = CW_LL_CONNECTION_MANAGER (object);

  for (guint i = 0; i < self->porters->len; i++)
    {
      CwPorter *porter = g_ptr_array_index (self->porters, i);

      g_signal_handlers_disconnect_matched (porter, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            on_porter_closed, NULL);
      g_signal_handlers_disconnect_matched (porter, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            on_porter_closing, NULL);
      g_signal_handlers_disconnect_matched (porter, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                            on_porter_error, NULL);
    }
  g_ptr_array_unref (self->porters);
  g_hash_table_destroy (self->slots);
  g_hash_table_destroy (self->pending_by_address);
  g_clear_pointer (&self->features, cw_element_unref);
  g_object_unref (self->roster);
  g_free (self->self_name);
  G_OBJECT_CLASS (cw_ll_connection_manager_parent_class)->finalize (object);
}

static void
cw_ll_connection_manager_class_init (CwLlConnectionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_ll_connection_manager_dispose;
  object_class->finalize = cw_ll_connection_manager_finalize;
  signals[SIG_PORTER_ADDED] = g_signal_new ("porter-added", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            3, G_TYPE_STRING, CW_TYPE_PORTER, G_TYPE_BOOLEAN);
  signals[SIG_PORTER_REMOVED] = g_signal_new ("porter-removed", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                              2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
cw_ll_connection_manager_init (CwLlConnectionManager *self)
{
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, slot_free);
  self->porters = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending_by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->idle_timeout_s = CW_LL_DEFAULT_IDLE_TIMEOUT_S;
  self->handshake_timeout_ms = CW_LL_DEFAULT_HANDSHAKE_TIMEOUT_MS;
}

CwLlConnectionManager *
cw_ll_connection_manager_new (CwLlRoster *roster, CwLlListener *listener, const gchar *self_name)
{
  CwLlConnectionManager *self = g_object_new (CW_TYPE_LL_CONNECTION_MANAGER, NULL);

  self->roster = g_object_ref (roster);
  self->self_name = g_strdup (self_name);
  if (listener != NULL)
    {
      self->listener = g_object_ref (listener);
      self->incoming_id = g_signal_connect (listener, "incoming", G_CALLBACK (on_incoming), self);
    }
  return self;
}
