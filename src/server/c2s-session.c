/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession: the receive loop, rate limit, stanza stamping and the end of a client connection.
 */
#include "config.h"

#include "server/c2s-session.h"

#include "common/namespaces.h"
#include "server/c2s-session-private.h"
#include "xml/stanza.h"

G_DEFINE_FINAL_TYPE (CwC2sSession, cw_c2s_session, G_TYPE_OBJECT)

static void
cw_c2s_session_finalize (GObject *object)
{
  CwC2sSession *self = CW_C2S_SESSION (object);

  g_clear_handle_id (&self->negotiation_timer, g_source_remove);
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  g_clear_handle_id (&self->sm_timer, g_source_remove);
  g_clear_pointer (&self->sm, cw_sm_free);
  g_free (self->sm_id);
  cw_c2s_csi_clear (self);
  cw_c2s_negotiation_clear (self);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->jid, cw_jid_unref);
  g_free (self->username);
  g_free (self->address);
  g_free (self->stream_id);
  G_OBJECT_CLASS (cw_c2s_session_parent_class)->finalize (object);
}

static void
cw_c2s_session_class_init (CwC2sSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_c2s_session_finalize;
}

static void
cw_c2s_session_init (CwC2sSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->last_activity = g_get_monotonic_time ();
}

CwC2sSession *
cw_c2s_session_new (const CwC2sConfig *config, GIOStream *stream, gboolean direct_tls,
                    const gchar *address)
{
  CwC2sSession *self = g_object_new (CW_TYPE_C2S_SESSION, NULL);

  self->config = config;
  self->connection = cw_xmpp_connection_new (stream, CW_NS_CLIENT);
  self->direct_tls = direct_tls;
  self->address = g_strdup (address);
  return self;
}

static gboolean
negotiation_timeout_cb (gpointer user_data)
{
  CwC2sSession *self = user_data;

  self->negotiation_timer = 0;
  g_debug ("c2s %s: negotiation timed out", self->address);
  cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_CONNECTION_TIMEOUT,
                                   "Stream negotiation took too long");
  return G_SOURCE_REMOVE;
}

void
cw_c2s_session_start (CwC2sSession *self)
{
  const CwServerLimits *limits = self->config->limits;
  CwReaderLimits rl;

  g_object_ref (self); /* dropped in finish() */
  /* Before authentication: small, shallow stanzas with few elements. */
  cw_reader_limits_init_preauth (&rl);
  rl.max_stanza_size = limits->max_stanza_size_preauth;
  cw_xmpp_connection_set_limits (self->connection, &rl);
  if (limits->negotiation_timeout_ms > 0)
    self->negotiation_timer
      = g_timeout_add (limits->negotiation_timeout_ms, negotiation_timeout_cb, self);
  cw_c2s_negotiation_start (self);
}

CwJid *
cw_c2s_session_get_jid (CwC2sSession *self)
{
  return self->jid;
}

const gchar *
cw_c2s_session_get_address (CwC2sSession *self)
{
  return self->address;
}

gboolean
cw_c2s_session_is_secure (CwC2sSession *self)
{
  return self->secure;
}

gboolean
cw_c2s_session_is_authenticated (CwC2sSession *self)
{
  return self->authenticated;
}

gboolean
cw_c2s_session_is_hibernating (CwC2sSession *self)
{
  return self->state == CW_C2S_STATE_HIBERNATING;
}

gint64
cw_c2s_session_get_last_activity (CwC2sSession *self)
{
  return self->last_activity;
}

CwRouterResource *
cw_c2s_session_get_resource (CwC2sSession *self)
{
  return self->resource;
}

/* The resource goes, and with it what XEP-0198 still held for it. */
static void
unbind (CwC2sSession *self)
{
  if (self->resource != NULL)
    {
      cw_router_unbind (self->config->router, self->resource);
      self->resource = NULL;
    }
  cw_c2s_sm_release (self);
}

/* The end: unbind, tell the gateway, drop the self-reference. */
void
cw_c2s_session_finish (CwC2sSession *self)
{
  if (self->state == CW_C2S_STATE_CLOSED)
    return;
  self->state = CW_C2S_STATE_CLOSED;
  g_clear_handle_id (&self->negotiation_timer, g_source_remove);
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  unbind (self);
  if (self->config->closed != NULL)
    self->config->closed (self, self->config->user_data);
  g_object_unref (self);
}

static void
force_closed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;

  cw_xmpp_connection_force_close_finish (CW_XMPP_CONNECTION (source), result, NULL);
  cw_c2s_session_finish (self);
  g_object_unref (self);
}

static void
force_close (CwC2sSession *self)
{
  cw_xmpp_connection_force_close_async (self->connection, NULL, force_closed_cb,
                                        g_object_ref (self));
}

void
cw_c2s_session_abort (CwC2sSession *self)
{
  if (self->state >= CW_C2S_STATE_CLOSING)
    return;
  self->state = CW_C2S_STATE_CLOSING;
  g_cancellable_cancel (self->cancellable);
  unbind (self);
  if (self->connection == NULL) /* hibernating */
    cw_c2s_session_finish (self);
  else
    force_close (self);
}

static void
error_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;

  cw_xmpp_connection_send_stream_error_finish (CW_XMPP_CONNECTION (source), result, NULL);
  force_close (self);
  g_object_unref (self);
}

static void
close_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;

  cw_xmpp_connection_send_close_finish (CW_XMPP_CONNECTION (source), result, NULL);
  force_close (self);
  g_object_unref (self);
}

void
cw_c2s_session_close_error (CwC2sSession *self, const GError *error)
{
  if (self->state >= CW_C2S_STATE_CLOSING)
    return;
  if (self->state == CW_C2S_STATE_TLS_HANDSHAKE)
    {
      /* No XML can go out in the middle of a TLS handshake. */
      cw_c2s_session_abort (self);
      return;
    }
  if (self->connection == NULL)
    {
      cw_c2s_session_abort (self);
      return;
    }
  g_debug ("c2s %s: closing with %s", self->address, error->message);
  self->state = CW_C2S_STATE_CLOSING;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  unbind (self);
  if (cw_xmpp_connection_is_close_sent (self->connection))
    force_close (self);
  else
    cw_xmpp_connection_send_stream_error_async (self->connection, error, NULL, error_sent_cb,
                                                g_object_ref (self));
}

void
cw_c2s_session_close_with_error (CwC2sSession *self, CwStreamError condition, const gchar *text)
{
  g_autoptr (GError) error = g_error_new_literal (
    CW_STREAM_ERROR, condition, text ? text : cw_stream_error_to_name (condition));

  cw_c2s_session_close_error (self, error);
}

void
cw_c2s_session_close_with_element (CwC2sSession *self, CwElement *error_el)
{
  if (self->state >= CW_C2S_STATE_CLOSING)
    return;
  if (self->connection == NULL || self->state == CW_C2S_STATE_TLS_HANDSHAKE)
    {
      cw_c2s_session_abort (self);
      return;
    }
  self->state = CW_C2S_STATE_CLOSING;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  unbind (self);
  cw_xmpp_connection_send_stanza_async (self->connection, error_el, NULL, NULL, NULL);
  cw_xmpp_connection_send_close_async (self->connection, NULL, close_sent_cb, g_object_ref (self));
}

/* The peer sent </stream:stream>: answer with ours, then close. */
static void
peer_closed (CwC2sSession *self)
{
  self->state = CW_C2S_STATE_CLOSING;
  unbind (self);
  if (cw_xmpp_connection_is_close_sent (self->connection))
    force_close (self);
  else
    cw_xmpp_connection_send_close_async (self->connection, NULL, close_sent_cb,
                                         g_object_ref (self));
}

static void
sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, &error))
    g_debug ("c2s: send failed: %s", error->message);
}

void
cw_c2s_session_send (CwC2sSession *self, CwElement *stanza)
{
  if (self->state >= CW_C2S_STATE_CLOSING || cw_c2s_csi_hold (self, stanza)
      || !cw_c2s_sm_outbound (self, stanza)
      || self->connection == NULL)
    return;
  cw_xmpp_connection_send_stanza_async (self->connection, stanza, NULL, sent_cb, NULL);
  cw_c2s_sm_after_send (self);
}

void
cw_c2s_session_send_then (CwC2sSession *self, CwElement *el, GAsyncReadyCallback callback)
{
  cw_xmpp_connection_send_stanza_async (self->connection, el, NULL, callback, g_object_ref (self));
}

/* A cheap upper estimate of the bytes @el took on the wire. */
static gsize
element_size (const CwElement *el)
{
  gsize size;

  if (cw_element_is_text (el))
    return strlen (el->text);
  size = 2 * strlen (el->name) + 5;
  for (guint i = 0; i < el->n_attrs; i++)
    size += strlen (el->attrs[i].name) + strlen (el->attrs[i].value) + 4;
  for (const CwElement *c = el->first_child; c != NULL; c = c->next)
    size += element_size (c);
  return size;
}

static gboolean
resume_cb (gpointer user_data)
{
  CwC2sSession *self = user_data;

  self->pause_timer = 0;
  cw_c2s_session_receive (self);
  return G_SOURCE_REMOVE;
}

/* Charges @el to the token bucket. Returns FALSE when reading must pause
 * (a timer then resumes it). */
static gboolean
rate_limit (CwC2sSession *self, const CwElement *el)
{
  const CwServerLimits *limits = self->config->limits;
  gint64 now = g_get_monotonic_time ();
  gint64 rate = limits->rate_bytes_per_sec;

  if (rate == 0)
    return TRUE;
  if (self->bucket_time == 0)
    self->bucket = limits->rate_burst_bytes;
  else
    self->bucket += (now - self->bucket_time) * rate / G_USEC_PER_SEC;
  self->bucket = MIN (self->bucket, (gint64)limits->rate_burst_bytes);
  self->bucket_time = now;
  self->bucket -= element_size (el);
  if (self->bucket >= 0)
    return TRUE;
  self->pause_timer = g_timeout_add ((guint)(-self->bucket * 1000 / rate) + 1, resume_cb, self);
  return FALSE;
}

/* RFC 6120 §8.1.2.1: the server stamps the client's full JID as 'from',
 * whatever the client wrote there, so no stanza leaves with a spoofed one. */
static void
handle_bound_stanza (CwC2sSession *self, CwElement *el)
{
  if (!g_str_equal (cw_element_get_ns (el), CW_NS_CLIENT)
      || cw_stanza_get_kind (el) == CW_STANZA_KIND_OTHER)
    {
      cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE, NULL);
      return;
    }
  if (cw_c2s_negotiation_handle_bound_iq (self, el))
    return;
  cw_element_set_attr (el, "from", cw_jid_to_string (self->jid));
  if (cw_stanza_get_kind (el) == CW_STANZA_KIND_MESSAGE && cw_stanza_get_to (el) == NULL)
    cw_element_set_attr (el, "to", cw_jid_get_bare_string (self->jid));
  if (self->config->stanza != NULL)
    self->config->stanza (self, el, self->config->user_data);
}

static void
handle_recv_error (CwC2sSession *self, GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || self->state >= CW_C2S_STATE_CLOSING)
    return;
  if (g_error_matches (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED))
    peer_closed (self);
  else if (error->domain == CW_STREAM_ERROR)
    cw_c2s_session_close_error (self, error);
  else
    {
      g_debug ("c2s %s: connection lost: %s", self->address, error->message);
      if (!cw_c2s_sm_hibernate (self))
        cw_c2s_session_abort (self);
    }
}

static void
recv_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) el
    = cw_xmpp_connection_recv_stanza_finish (CW_XMPP_CONNECTION (source), result, &error);
  gboolean more = TRUE;

  if (source != (GObject *)self->connection)
    {
      /* A receive on a connection XEP-0198 replaced or dropped. */
      g_object_unref (self);
      return;
    }
  self->receiving = FALSE;
  if (el == NULL)
    handle_recv_error (self, error);
  else if (self->state == CW_C2S_STATE_NEGOTIATING)
    more = cw_c2s_negotiation_handle (self, el);
  else if (self->state == CW_C2S_STATE_BOUND)
    {
      self->last_activity = g_get_monotonic_time ();
      if (g_strcmp0 (cw_element_get_ns (el), CW_NS_SM) == 0)
        more = cw_c2s_sm_handle_bound (self, el);
      else if (g_strcmp0 (cw_element_get_ns (el), CW_NS_CSI) == 0)
        more = cw_c2s_csi_handle (self, el);
      else
        {
          cw_c2s_sm_count_handled (self);
          handle_bound_stanza (self, el);
        }
      more = more && rate_limit (self, el);
    }
  if (el != NULL && more && self->state < CW_C2S_STATE_CLOSING)
    cw_c2s_session_receive (self);
  g_object_unref (self);
}

void
cw_c2s_session_receive (CwC2sSession *self)
{
  if (self->receiving || self->state >= CW_C2S_STATE_HIBERNATING || self->connection == NULL)
    return;
  self->receiving = TRUE;
  cw_xmpp_connection_recv_stanza_async (self->connection, self->cancellable, recv_cb,
                                        g_object_ref (self));
}
