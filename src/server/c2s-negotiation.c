/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession negotiation (RFC 6120 §4-7): stream header, STARTTLS / Direct TLS, SASL, resource
 * binding. */
#include "config.h"

#include "server/c2s-session-private.h"

#include "common/namespaces.h"
#include "server/register.h"
#include "xml/stanza.h"

static void send_features (CwC2sSession *self);

/* ---- TLS ------------------------------------------------------------- */

/* RFC 9266 tls-exporter on TLS 1.3, RFC 5929 tls-server-end-point before. */
static void
fetch_channel_binding (CwC2sSession *self, GTlsConnection *tls)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  GTlsChannelBindingType type = G_TLS_CHANNEL_BINDING_TLS_SERVER_END_POINT;

  if (g_tls_connection_get_protocol_version (tls) == G_TLS_PROTOCOL_VERSION_TLS_1_3)
    type = G_TLS_CHANNEL_BINDING_TLS_EXPORTER;
  if (!g_tls_connection_get_channel_binding_data (tls, type, data, NULL))
    return;
  self->cb_type
    = type == G_TLS_CHANNEL_BINDING_TLS_EXPORTER ? "tls-exporter" : "tls-server-end-point";
  self->cb_data = g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  g_autoptr (GError) error = NULL;
  CwReaderLimits limits;

  if (!g_tls_connection_handshake_finish (tls, result, &error))
    {
      g_debug ("c2s %s: TLS handshake failed: %s", self->address, error->message);
      cw_c2s_session_abort (self);
    }
  else if (self->state == CW_C2S_STATE_TLS_HANDSHAKE)
    {
      self->secure = TRUE;
      fetch_channel_binding (self, tls);
      cw_xmpp_connection_get_limits (self->connection, &limits);
      g_clear_object (&self->connection);
      self->connection = cw_xmpp_connection_new (G_IO_STREAM (tls), CW_NS_CLIENT);
      cw_xmpp_connection_set_limits (self->connection, &limits);
      cw_c2s_negotiation_wait_open (self);
    }
  g_object_unref (tls);
  g_object_unref (self);
}

/* A server TLS connection without a CA database. glib-networking
 * (gnutls backend, 2.74) otherwise gives every connection its own copy of the
 * system trust store, parsed anew: about 3.4 MB per connection, held for the
 * connection's life. The gateway asks for no client certificates, so it
 * verifies nothing against that store. */
static GIOStream *
tls_server_connection_new (GIOStream *base, GTlsCertificate *certificate, GError **error)
{
  GTlsBackend *backend = g_tls_backend_get_default ();

  return g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, error,
                         "base-io-stream", base, "certificate", certificate, "database", NULL,
                         NULL);
}

static void
start_tls (CwC2sSession *self)
{
  GIOStream *base = cw_xmpp_connection_get_io_stream (self->connection);
  g_autoptr (GError) error = NULL;
  GIOStream *tls;

  self->state = CW_C2S_STATE_TLS_HANDSHAKE;
  tls = tls_server_connection_new (base, self->config->certificate, &error);
  if (tls == NULL)
    {
      g_warning ("c2s: cannot start TLS: %s", error->message);
      cw_c2s_session_abort (self);
      return;
    }
  if (self->direct_tls)
    {
      /* XEP-0368 §3: Direct TLS clients offer ALPN "xmpp-client". */
      static const gchar *const alpn[] = { "xmpp-client", NULL };

      g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), alpn);
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, self->cancellable,
                                    handshake_cb, g_object_ref (self));
}

static void
proceed_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;

  if (cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, NULL)
      && self->state == CW_C2S_STATE_NEGOTIATING)
    start_tls (self);
  g_object_unref (self);
}

static gboolean
handle_starttls (CwC2sSession *self)
{
  g_autoptr (CwElement) reply = NULL;

  if (self->secure || self->config->certificate == NULL || self->authenticated)
    {
      /* RFC 6120 §5.4.2.2: <failure/>, then the stream ends. */
      reply = cw_element_new ("failure", CW_NS_TLS);
      cw_c2s_session_send (self, reply);
      cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_POLICY_VIOLATION,
                                       "TLS is not available on this stream");
      return FALSE;
    }
  reply = cw_element_new ("proceed", CW_NS_TLS);
  cw_c2s_session_send_then (self, reply, proceed_sent_cb);
  return FALSE;
}

void
cw_c2s_negotiation_start (CwC2sSession *self)
{
  if (self->direct_tls)
    start_tls (self);
  else
    cw_c2s_negotiation_wait_open (self);
}

/* ---- stream header and features --------------------------------------- */

/* Returns: the stream error the header deserves, or -1 for none. */
static gint
check_header (CwC2sSession *self, const CwStreamHeader *header)
{
  g_autofree gchar *to = header->to ? cw_jid_normalize (header->to, NULL) : NULL;

  if (to == NULL || g_strcmp0 (to, self->config->domain) != 0)
    return CW_STREAM_ERROR_HOST_UNKNOWN;
  /* RFC 6120 §4.7.5: only major version 1 is spoken here. */
  if (header->version == NULL || !g_str_has_prefix (header->version, "1."))
    return CW_STREAM_ERROR_UNSUPPORTED_VERSION;
  return -1;
}

static void
open_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CwC2sSession *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwStreamHeader) header
    = cw_xmpp_connection_recv_open_finish (CW_XMPP_CONNECTION (source), result, &error);
  gint condition;

  if (self->state != CW_C2S_STATE_WAIT_OPEN)
    ;
  else if (header == NULL && error->domain == CW_STREAM_ERROR)
    cw_c2s_session_close_error (self, error);
  else if (header == NULL)
    cw_c2s_session_abort (self);
  else if ((condition = check_header (self, header)) >= 0)
    cw_c2s_session_close_with_error (self, condition, NULL);
  else
    {
      g_free (self->stream_id);
      self->stream_id = g_uuid_string_random ();
      cw_xmpp_connection_send_open_async (self->connection, NULL, self->config->domain, "1.0", "en",
                                          self->stream_id, NULL, NULL, NULL);
      send_features (self);
      self->state = CW_C2S_STATE_NEGOTIATING;
      cw_c2s_session_receive (self);
    }
  g_object_unref (self);
}

void
cw_c2s_negotiation_wait_open (CwC2sSession *self)
{
  self->state = CW_C2S_STATE_WAIT_OPEN;
  cw_xmpp_connection_recv_open_async (self->connection, self->cancellable, open_cb,
                                      g_object_ref (self));
}

static gboolean
sasl_allowed (CwC2sSession *self)
{
  return !self->authenticated && (self->secure || !self->config->tls_required);
}

static void
new_sasl_server (CwC2sSession *self)
{
  CwSaslServerConfig config = {
    .lookup = self->config->lookup,
    .lookup_data = self->config->lookup_data,
    .domain = self->config->domain,
    .secure = self->secure,
    .cb_type = self->cb_type,
    .cb_data = self->cb_data,
    .no_plain = self->config->no_plain,
    .authorize = self->config->authorize,
  };

  g_clear_pointer (&self->sasl, cw_sasl_server_free);
  self->sasl = cw_sasl_server_new (&config);
}

static gboolean
register_allowed (CwC2sSession *self)
{
  return self->config->register_account != NULL && sasl_allowed (self);
}

static void
send_features (CwC2sSession *self)
{
  g_autoptr (CwElement) features = cw_element_new ("features", CW_NS_STREAM);

  if (!self->secure && self->config->certificate != NULL && !self->authenticated)
    {
      CwElement *starttls = cw_element_add (features, "starttls", CW_NS_TLS);

      if (self->config->tls_required)
        cw_element_add (starttls, "required", CW_NS_TLS);
    }
  if (sasl_allowed (self))
    {
      CwElement *mechs = cw_element_add (features, "mechanisms", CW_NS_SASL);
      const gchar *const *names;

      new_sasl_server (self);
      names = cw_sasl_server_get_mechanisms (self->sasl);
      for (guint i = 0; names[i] != NULL; i++)
        cw_element_add_text_child (mechs, "mechanism", CW_NS_SASL, names[i]);
    }
  if (register_allowed (self))
    cw_element_add (features, "register", CW_NS_REGISTER_FEATURE);
  if (self->authenticated)
    {
      cw_element_add (features, "bind", CW_NS_BIND);
      cw_element_add (cw_element_add (features, "session", CW_NS_SESSION), "optional",
                      CW_NS_SESSION);
      if (self->config->roster_versioning)
        cw_element_add (features, "ver", CW_NS_ROSTERVER);
      cw_element_add (features, "sm", CW_NS_SM);
      cw_element_add (features, "csi", CW_NS_CSI);
      if (self->config->caps != NULL)
        cw_element_add_child (features, cw_element_copy (self->config->caps));
    }
  cw_c2s_session_send (self, features);
}

/* ---- SASL ------------------------------------------------------------- */

/* RFC 6120 §6.4.2: "=" is an empty response, no text is none at all;
 * anything that is not canonical base64 is incorrect-encoding. */
static gboolean
decode_sasl_data (CwElement *el, GBytes **out)
{
  const gchar *text = cw_element_get_text (el);
  gsize len = strlen (text), n = 0;
  guchar *data;

  *out = NULL;
  if (len == 0)
    return TRUE;
  if (g_str_equal (text, "="))
    {
      *out = g_bytes_new (NULL, 0);
      return TRUE;
    }
  if (len % 4 != 0
      || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != len
      || (strchr (text, '=') != NULL
          && strspn (strchr (text, '='), "=") != strlen (strchr (text, '='))))
    return FALSE;
  data = g_base64_decode (text, &n);
  *out = g_bytes_new_take (data, n);
  return TRUE;
}

static CwElement *
sasl_element (const gchar *name, GBytes *data, gboolean empty_as_equals)
{
  CwElement *el = cw_element_new (name, CW_NS_SASL);

  if (data != NULL && g_bytes_get_size (data) > 0)
    {
      g_autofree gchar *b64
        = g_base64_encode (g_bytes_get_data (data, NULL), g_bytes_get_size (data));

      cw_element_set_text (el, b64);
    }
  else if (data != NULL && empty_as_equals)
    cw_element_set_text (el, "=");
  return el;
}

static gboolean
send_failure_cb (gpointer user_data)
{
  CwC2sSession *self = user_data;
  const CwServerLimits *limits = self->config->limits;
  g_autoptr (CwElement) failure = cw_element_new ("failure", CW_NS_SASL);

  self->pause_timer = 0;
  cw_element_add (failure, self->sasl_condition, CW_NS_SASL);
  cw_c2s_session_send (self, failure);
  new_sasl_server (self);
  if (limits->max_auth_failures > 0 && self->auth_failures >= limits->max_auth_failures)
    cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_POLICY_VIOLATION,
                                     "Too many failed authentication attempts");
  else
    cw_c2s_session_receive (self);
  return G_SOURCE_REMOVE;
}

/* Failed attempts are answered after a delay, which slows down guessing;
 * aborts and malformed requests are answered at once. */
static gboolean
sasl_failed (CwC2sSession *self, const GError *error)
{
  CwSaslError code
    = error->domain == CW_SASL_ERROR ? error->code : CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE;
  guint delay = 0;

  self->sasl_condition = cw_sasl_error_to_condition (code);
  if (code == CW_SASL_ERROR_NOT_AUTHORIZED)
    {
      self->auth_failures++;
      delay = self->config->limits->auth_failure_delay_ms;
    }
  g_message ("c2s %s: authentication failed (%s): %s", self->address, self->sasl_condition,
             error->message);
  self->pause_timer = g_timeout_add (delay, send_failure_cb, self);
  return FALSE;
}

static void
sasl_succeeded (CwC2sSession *self)
{
  CwReaderLimits limits;

  self->authenticated = TRUE;
  self->username = g_strdup (cw_sasl_server_get_username (self->sasl));
  g_clear_pointer (&self->sasl, cw_sasl_server_free);
  g_message ("c2s %s: %s logged in", self->address, self->username);
  /* RFC 6120 §6.4.6: the stream restarts; nothing is being received now. */
  cw_xmpp_connection_reset (self->connection);
  cw_reader_limits_init_default (&limits);
  limits.max_stanza_size = self->config->limits->max_stanza_size;
  cw_xmpp_connection_set_limits (self->connection, &limits);
  cw_c2s_negotiation_wait_open (self);
}

static gboolean
sasl_outcome (CwC2sSession *self, CwSaslStep step, GBytes *out, GError *error)
{
  g_autoptr (CwElement) reply = NULL;

  switch (step)
    {
      case CW_SASL_STEP_CONTINUE:
        reply = sasl_element ("challenge", out, TRUE);
        cw_c2s_session_send (self, reply);
        return TRUE;
      case CW_SASL_STEP_SUCCESS:
        reply = sasl_element ("success", out, FALSE);
        cw_c2s_session_send (self, reply);
        sasl_succeeded (self);
        return FALSE;
      case CW_SASL_STEP_FAILURE:
      default:
        return sasl_failed (self, error);
    }
}

static gboolean
handle_sasl (CwC2sSession *self, CwElement *el)
{
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  CwSaslStep step;

  if (cw_element_is (el, "abort", CW_NS_SASL))
    {
      error = g_error_new_literal (CW_SASL_ERROR, CW_SASL_ERROR_ABORTED, "aborted by the client");
      return sasl_failed (self, error);
    }
  if (!decode_sasl_data (el, &data))
    {
      error = g_error_new_literal (CW_SASL_ERROR, CW_SASL_ERROR_INCORRECT_ENCODING, "bad base64");
      return sasl_failed (self, error);
    }
  if (cw_element_is (el, "auth", CW_NS_SASL))
    step = cw_sasl_server_start (self->sasl, cw_element_get_attr (el, "mechanism"), data, &out,
                                 &error);
  else if (cw_element_is (el, "response", CW_NS_SASL))
    {
      if (data == NULL)
        data = g_bytes_new_static ("", 0);
      step = cw_sasl_server_step (self->sasl, data, &out, &error);
    }
  else
    {
      cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_NOT_AUTHORIZED, NULL);
      return FALSE;
    }
  return sasl_outcome (self, step, out, error);
}

/* ---- resource binding and the legacy session ---------------------------- */

static void
deliver_cb (CwElement *stanza, gpointer user_data)
{
  cw_c2s_session_send (user_data, stanza);
}

static void
replaced_cb (gpointer user_data)
{
  CwC2sSession *self = user_data;

  self->resource = NULL;
  cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_CONFLICT,
                                   "Replaced by a new connection for the same resource");
}

static const CwRouterResourceFuncs resource_funcs = { deliver_cb, replaced_cb };

static void
send_iq_error (CwC2sSession *self, CwElement *iq, CwStanzaError condition)
{
  g_autoptr (GError) error
    = g_error_new_literal (CW_STANZA_ERROR, condition, cw_stanza_error_to_name (condition));
  g_autoptr (CwElement) reply = cw_stanza_error_reply (iq, error);

  if (reply != NULL)
    cw_c2s_session_send (self, reply);
}

/* RFC 6120 §7: the client's resource, or one we make up when it gave none
 * (or one that is not a valid resourcepart). */
static void
handle_bind (CwC2sSession *self, CwElement *iq, CwElement *bind)
{
  const gchar *wanted = cw_element_get_child_text (bind, "resource", CW_NS_BIND);
  g_autofree gchar *generated = NULL;
  g_autoptr (CwJid) jid = NULL;
  g_autoptr (CwElement) reply = NULL;

  if (wanted == NULL || *wanted == '\0')
    {
      g_autofree gchar *uuid = g_uuid_string_random ();

      generated = g_strdup_printf ("chinwag-%.8s", uuid);
      wanted = generated;
    }
  jid = cw_jid_new (self->username, self->config->domain, wanted, NULL);
  if (jid == NULL)
    {
      send_iq_error (self, iq, CW_STANZA_ERROR_BAD_REQUEST);
      return;
    }
  self->jid = g_steal_pointer (&jid);
  self->resource = cw_router_bind (self->config->router, self->jid, &resource_funcs, self);
  self->state = CW_C2S_STATE_BOUND;
  g_clear_handle_id (&self->negotiation_timer, g_source_remove);
  reply = cw_stanza_iq_result_new (iq);
  cw_element_set_attr (reply, "from", NULL);
  cw_element_set_attr (reply, "to", NULL);
  cw_element_add_text_child (cw_element_add (reply, "bind", CW_NS_BIND), "jid", CW_NS_BIND,
                             cw_jid_to_string (self->jid));
  cw_c2s_session_send (self, reply);
  g_debug ("c2s %s: bound %s", self->address, cw_jid_to_string (self->jid));
  if (self->config->bound != NULL)
    self->config->bound (self, self->config->user_data);
}

/* Returns TRUE when @iq was about binding or the RFC 3921 session. */
static gboolean
handle_negotiation_iq (CwC2sSession *self, CwElement *iq)
{
  CwElement *payload = cw_stanza_iq_get_payload (iq);
  CwIqType type;

  if (payload == NULL || !cw_stanza_iq_get_type (iq, &type) || type != CW_IQ_TYPE_SET)
    return FALSE;
  if (cw_element_is (payload, "session", CW_NS_SESSION))
    {
      g_autoptr (CwElement) reply = cw_stanza_iq_result_new (iq);

      cw_element_set_attr (reply, "from", NULL);
      cw_element_set_attr (reply, "to", NULL);
      cw_c2s_session_send (self, reply);
      return TRUE;
    }
  if (!cw_element_is (payload, "bind", CW_NS_BIND))
    return FALSE;
  if (self->state == CW_C2S_STATE_BOUND)
    send_iq_error (self, iq, CW_STANZA_ERROR_NOT_ALLOWED);
  else
    handle_bind (self, iq, payload);
  return TRUE;
}

gboolean
cw_c2s_negotiation_handle_bound_iq (CwC2sSession *self, CwElement *el)
{
  if (cw_stanza_get_kind (el) != CW_STANZA_KIND_IQ)
    return FALSE;
  return handle_negotiation_iq (self, el);
}

/* ---- XEP-0077 in-band registration ---------------------------------------- */

static gboolean
is_register_iq (CwElement *el)
{
  CwElement *payload;

  if (cw_stanza_get_kind (el) != CW_STANZA_KIND_IQ
      || !g_str_equal (cw_element_get_ns (el), CW_NS_CLIENT))
    return FALSE;
  payload = cw_stanza_iq_get_payload (el);
  return payload != NULL && cw_element_is (payload, "query", CW_NS_REGISTER);
}

static gboolean
handle_register (CwC2sSession *self, CwElement *iq)
{
  CwElement *query = cw_stanza_iq_get_payload (iq);
  g_autoptr (CwElement) reply = cw_stanza_iq_result_new (iq);
  g_autoptr (GError) error = NULL;
  const gchar *type = cw_stanza_get_type (iq);

  cw_element_set_attr (reply, "from", NULL);
  cw_element_set_attr (reply, "to", NULL);
  if (g_strcmp0 (type, "get") == 0)
    {
      /* §3.1: the fields a new account needs. */
      CwElement *fields = cw_element_add (reply, "query", CW_NS_REGISTER);

      cw_element_add_text_child (fields, "instructions", CW_NS_REGISTER,
                                 "Choose a username and password.");
      cw_element_add (fields, "username", CW_NS_REGISTER);
      cw_element_add (fields, "password", CW_NS_REGISTER);
    }
  else if (g_strcmp0 (type, "set") != 0)
    return TRUE; /* results and errors from a client: nothing to do */
  else if (!self->config->register_account (
             self, cw_element_get_child_text (query, "username", CW_NS_REGISTER),
             cw_element_get_child_text (query, "password", CW_NS_REGISTER), &error,
             self->config->user_data))
    {
      send_iq_error (self, iq,
                     error->domain == CW_STANZA_ERROR ? error->code
                                                      : CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return TRUE;
    }
  cw_c2s_session_send (self, reply);
  return TRUE;
}

/* ---- dispatch ----------------------------------------------------------- */

gboolean
cw_c2s_negotiation_handle (CwC2sSession *self, CwElement *el)
{
  if (cw_element_is (el, "starttls", CW_NS_TLS))
    return handle_starttls (self);
  if (sasl_allowed (self) && g_str_equal (cw_element_get_ns (el), CW_NS_SASL))
    return handle_sasl (self, el);
  if (!self->authenticated && cw_element_is (el, "auth", CW_NS_SASL))
    {
      /* TLS first (RFC 6120 §6.5.4); the client may still STARTTLS. */
      g_autoptr (CwElement) failure = cw_element_new ("failure", CW_NS_SASL);

      cw_element_add (failure, "encryption-required", CW_NS_SASL);
      cw_c2s_session_send (self, failure);
      return TRUE;
    }
  if (self->authenticated && cw_stanza_get_kind (el) == CW_STANZA_KIND_IQ
      && g_str_equal (cw_element_get_ns (el), CW_NS_CLIENT) && handle_negotiation_iq (self, el))
    return TRUE;
  if (register_allowed (self) && is_register_iq (el))
    return handle_register (self, el);
  if (self->authenticated && g_str_equal (cw_element_get_ns (el), CW_NS_SM))
    return cw_c2s_sm_handle_unbound (self, el);
  /* Nothing else before TLS (when required), SASL and binding. */
  cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_NOT_AUTHORIZED, NULL);
  return FALSE;
}

void
cw_c2s_negotiation_clear (CwC2sSession *self)
{
  g_clear_pointer (&self->sasl, cw_sasl_server_free);
  g_clear_pointer (&self->cb_data, g_bytes_unref);
}
