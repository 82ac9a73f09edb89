/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGateway: ties listeners, client sessions, the router and the module table together. */
#include "config.h"

#include "server/gateway.h"

#include <glib/gi18n.h>

#include "server/c2s-session.h"
#include "server/listener.h"
#include "server/module.h"
#include "server/register.h"

/* Dispatch order: the first module that says HANDLED wins. mam comes
 * before offline so a message kept offline is archived too: the queue is
 * emptied when it is sent, and a crash then must not lose it. */
static const CwModule *const modules[] = {
  &cw_mod_caps, /* first: it only looks at presence, and passes it on */
  &cw_mod_ping,    &cw_mod_blocking, &cw_mod_mam,      &cw_mod_offline,  &cw_mod_presence,
  &cw_mod_disco,   &cw_mod_version,  &cw_mod_carbons,  &cw_mod_vcard,    &cw_mod_register,
  &cw_mod_private, NULL,
};
#define N_MODULES (G_N_ELEMENTS (modules) - 1)

struct _CwGateway
{
  gchar *domain;                /* owned, normalised */
  GTlsCertificate *certificate; /* owned */
  CwServerLimits limits;
  GArray *listener_options; /* owned: CwGatewayListener, addresses owned below */
  GPtrArray *addresses;     /* owned: gchar* */
  GPtrArray *listeners;     /* owned: CwServerListener */
  CwRouter *router;         /* owned */
  CwC2sConfig c2s;
  CwModuleHost host;
  gpointer module_state[N_MODULES];
  GHashTable *sessions;    /* owned: CwC2sSession (ref) set */
  GHashTable *per_address; /* owned: gchar* -> count */
  CwSaslLookupFunc lookup;
  gpointer lookup_data;
  CwGatewayStore *store; /* unowned, nullable */
  guint registration_throttle;
  guint registration_throttle_time;
  GHashTable *registrations; /* owned: address -> GArray of gint64 (monotonic s) */
  CwElement *caps;           /* owned: XEP-0115 <c/> of the server */
};

/* An account is one the SASL lookup knows, with either hash. */
static gboolean
account_exists (const gchar *localpart, gpointer user_data)
{
  CwGateway *self = user_data;
  g_autoptr (CwScramCredentials) sha256
    = self->lookup (localpart, CW_SASL_HASH_SHA256, self->lookup_data);
  g_autoptr (CwScramCredentials) sha1 = NULL;

  if (sha256 != NULL)
    return TRUE;
  sha1 = self->lookup (localpart, CW_SASL_HASH_SHA1, self->lookup_data);
  return sha1 != NULL;
}

static gboolean
server_stanza (CwElement *stanza, gpointer user_data)
{
  CwGateway *self = user_data;

  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i]->server_stanza != NULL
        && modules[i]->server_stanza (self->module_state[i], stanza) == CW_MODULE_HANDLED)
      return TRUE;
  return FALSE;
}

static gboolean
local_message (CwElement *stanza, const CwJid *to, GPtrArray *targets, gpointer user_data)
{
  CwGateway *self = user_data;

  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i]->local_message != NULL
        && modules[i]->local_message (self->module_state[i], stanza, to, targets)
             == CW_MODULE_HANDLED)
      return TRUE;
  return FALSE;
}

static void
session_stanza (CwC2sSession *session, CwElement *stanza, gpointer user_data)
{
  CwGateway *self = user_data;

  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i]->client_stanza != NULL
        && modules[i]->client_stanza (self->module_state[i], session, stanza) == CW_MODULE_HANDLED)
      return;
  cw_router_route (self->router, stanza);
}

static void
session_bound (CwC2sSession *session, gpointer user_data)
{
  CwGateway *self = user_data;

  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i]->session_bound != NULL)
      modules[i]->session_bound (self->module_state[i], session);
}

static void
address_release (CwGateway *self, const gchar *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));

  if (n <= 1)
    g_hash_table_remove (self->per_address, address);
  else
    g_hash_table_insert (self->per_address, g_strdup (address), GUINT_TO_POINTER (n - 1));
}

static void
session_closed (CwC2sSession *session, gpointer user_data)
{
  CwGateway *self = user_data;

  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i]->session_closed != NULL)
      modules[i]->session_closed (self->module_state[i], session);
  address_release (self, cw_c2s_session_get_address (session));
  g_hash_table_remove (self->sessions, session);
}

/* XEP-0077 before authentication, throttled per address as Prosody's
 * min_seconds_between_registrations and ejabberd's registration_timeout. */
static gboolean
register_account (CwC2sSession *session, const gchar *username, const gchar *password,
                  GError **error, gpointer user_data)
{
  CwGateway *self = user_data;
  const gchar *address = cw_c2s_session_get_address (session);
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  GArray *times = g_hash_table_lookup (self->registrations, address);

  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->registrations, g_strdup (address), times);
    }
  while (times->len > 0
         && g_array_index (times, gint64, 0) + self->registration_throttle_time <= now)
    g_array_remove_index (times, 0);
  if (self->registration_throttle > 0 && times->len >= self->registration_throttle)
    {
      g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_POLICY_VIOLATION,
                           "too many registrations from this address");
      return FALSE;
    }
  if (username == NULL || password == NULL)
    {
      g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST,
                           "username and password are needed");
      return FALSE;
    }
  if (!cw_register_set_password (self->store, username, password, TRUE, error))
    return FALSE;
  g_array_append_val (times, now);
  g_debug ("gateway: %s registered from %s", username, address);
  return TRUE;
}

static gchar *
peer_address (GSocketConnection *connection)
{
  g_autoptr (GSocketAddress) sa = g_socket_connection_get_remote_address (connection, NULL);

  if (sa == NULL || !G_IS_INET_SOCKET_ADDRESS (sa))
    return g_strdup ("unknown");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)));
}

static void
accept_cb (GSocketConnection *connection, gboolean direct_tls, gpointer user_data)
{
  CwGateway *self = user_data;
  g_autofree gchar *address = peer_address (connection);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));
  CwC2sSession *session;

  if (self->limits.max_connections_per_address > 0 && n >= self->limits.max_connections_per_address)
    {
      /* Refused before any XML: the client sees the connection close. */
      g_debug ("gateway: too many connections from %s", address);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  g_hash_table_insert (self->per_address, g_strdup (address), GUINT_TO_POINTER (n + 1));
  session = cw_c2s_session_new (&self->c2s, G_IO_STREAM (connection), direct_tls, address);
  g_hash_table_add (self->sessions, session);
  cw_c2s_session_start (session);
}

static gboolean
load_certificate (CwGateway *self, const CwGatewayOptions *options, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (options->cert_file == NULL)
    return TRUE;
  if (options->key_file != NULL)
    self->certificate
      = g_tls_certificate_new_from_files (options->cert_file, options->key_file, &local);
  else
    self->certificate = g_tls_certificate_new_from_file (options->cert_file, &local);
  if (self->certificate == NULL)
    {
      g_set_error (error, local->domain, local->code, _ ("Cannot load the certificate %s: %s"),
                   options->cert_file, local->message);
      return FALSE;
    }
  return TRUE;
}

static void
setup_c2s (CwGateway *self, const CwGatewayOptions *options)
{
  self->c2s.domain = self->domain;
  self->c2s.certificate = self->certificate;
  self->c2s.tls_required = !options->tls_optional;
  self->c2s.limits = &self->limits;
  self->c2s.lookup = options->lookup;
  self->c2s.lookup_data = options->lookup_data;
  self->c2s.router = self->router;
  self->c2s.stanza = session_stanza;
  self->c2s.bound = session_bound;
  self->c2s.closed = session_closed;
  self->c2s.user_data = self;
  self->c2s.no_plain = options->no_plain;
  self->c2s.authorize = options->authorize;
  self->c2s.roster_versioning = options->store != NULL;
  self->c2s.sm_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (options->registration && options->store != NULL)
    self->c2s.register_account = register_account;
  self->store = options->store;
  self->registration_throttle = options->registration_throttle;
  self->registration_throttle_time = options->registration_throttle_time;
  self->registrations
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  self->host.domain = self->domain;
  self->host.router = self->router;
  self->host.limits = &self->limits;
  self->host.modules = (const CwModule *const *)modules;
  self->host.store = options->store;
  for (guint i = 0; i < N_MODULES; i++)
    self->module_state[i] = modules[i]->create ? modules[i]->create (&self->host) : NULL;
  self->caps = cw_mod_disco_caps_new (&self->host);
  self->c2s.caps = self->caps;
}

CwGateway *
cw_gateway_new (const CwGatewayOptions *options, GError **error)
{
  g_autoptr (CwGateway) self = g_new0 (CwGateway, 1);
  g_autoptr (CwJid) domain = cw_jid_parse (options->domain, error);

  if (domain == NULL)
    return NULL;
  if (cw_jid_get_local (domain) != NULL || cw_jid_get_resource (domain) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _ ("“%s” is not a domain name"),
                   options->domain);
      return NULL;
    }
  self->domain = g_strdup (cw_jid_get_domain (domain));
  self->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_server_listener_free);
  self->addresses = g_ptr_array_new_with_free_func (g_free);
  self->listener_options = g_array_new (FALSE, TRUE, sizeof (CwGatewayListener));
  if (options->limits != NULL)
    self->limits = *options->limits;
  else
    cw_server_limits_init_default (&self->limits);
  if (!load_certificate (self, options, error))
    return NULL;
  if (self->certificate == NULL && !options->tls_optional)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _ ("TLS is required but no certificate is configured"));
      return NULL;
    }
  for (guint i = 0; i < options->n_listeners; i++)
    {
      CwGatewayListener l = options->listeners[i];

      l.address = g_strdup (l.address);
      g_ptr_array_add (self->addresses, (gpointer)l.address);
      g_array_append_val (self->listener_options, l);
    }
  self->lookup = options->lookup;
  self->lookup_data = options->lookup_data;
  self->router = cw_router_new (self->domain);
  cw_router_set_account_func (self->router, account_exists, self);
  cw_router_set_server_func (self->router, server_stanza, self);
  cw_router_set_message_func (self->router, local_message, self);
  setup_c2s (self, options);
  return g_steal_pointer (&self);
}

gboolean
cw_gateway_start (CwGateway *self, GError **error)
{
  for (guint i = 0; i < self->listener_options->len; i++)
    {
      const CwGatewayListener *l = &g_array_index (self->listener_options, CwGatewayListener, i);
      CwServerListener *listener;

      if (l->direct_tls && self->certificate == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _ ("Direct TLS needs a certificate"));
          cw_gateway_stop (self);
          return FALSE;
        }
      listener
        = cw_server_listener_new (l->address, l->port, l->direct_tls, accept_cb, self, error);
      if (listener == NULL)
        {
          cw_gateway_stop (self);
          return FALSE;
        }
      g_ptr_array_add (self->listeners, listener);
    }
  return TRUE;
}

void
cw_gateway_stop (CwGateway *self)
{
  g_autoptr (GList) sessions = g_hash_table_get_keys (self->sessions);

  g_ptr_array_set_size (self->listeners, 0);
  for (GList *l = sessions; l != NULL; l = l->next)
    cw_c2s_session_close_with_error (l->data, CW_STREAM_ERROR_SYSTEM_SHUTDOWN, NULL);
}

guint16
cw_gateway_get_port (CwGateway *self, guint index)
{
  g_return_val_if_fail (index < self->listeners->len, 0);
  return cw_server_listener_get_port (self->listeners->pdata[index]);
}

CwRouter *
cw_gateway_get_router (CwGateway *self)
{
  return self->router;
}

const CwCaps *
cw_gateway_get_client_caps (CwGateway *self, const CwJid *full_jid)
{
  for (guint i = 0; i < N_MODULES; i++)
    if (modules[i] == &cw_mod_caps)
      return cw_mod_caps_lookup (self->module_state[i], full_jid);
  return NULL;
}

guint
cw_gateway_get_n_sessions (CwGateway *self)
{
  return g_hash_table_size (self->sessions);
}

void
cw_gateway_free (CwGateway *self)
{
  if (self == NULL)
    return;
  if (self->listeners != NULL)
    g_ptr_array_set_size (self->listeners, 0);
  g_clear_pointer (&self->sessions, g_hash_table_destroy);
  g_clear_pointer (&self->c2s.sm_sessions, g_hash_table_destroy);
  g_clear_pointer (&self->registrations, g_hash_table_destroy);
  for (guint i = 0; i < N_MODULES; i++)
    if (self->module_state[i] != NULL && modules[i]->free != NULL)
      modules[i]->free (self->module_state[i]);
  g_clear_pointer (&self->router, cw_router_free);
  g_clear_pointer (&self->per_address, g_hash_table_destroy);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  if (self->listener_options != NULL)
    g_array_unref (self->listener_options);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->caps, cw_element_unref);
  g_free (self->domain);
  g_free (self);
}
