/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwagd --gateway: a CwGatewayConfig turned into a running CwGateway, its store and signals. */
#include "config.h"

#include "daemon/gateway-run.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/gateway-config.h"
#include "server/gateway.h"
#include "store/gateway-store.h"
#include "store/store-error.h"

/* How long sessions get to close after system-shutdown was sent. */
#define SHUTDOWN_GRACE_MS 2000
#define SHUTDOWN_POLL_MS 50

typedef struct
{
  CwGatewayConfig *config; /* owned */
  CwGatewayStore *store;   /* owned */
  CwGateway *gateway;      /* owned */
  GMainLoop *loop;         /* owned */
  CwServerLimits limits;
  GArray *listeners;    /* owned: CwGatewayListener */
  GPtrArray *addresses; /* owned: gchar *, what listeners point to */
  gint64 stop_deadline; /* monotonic; 0 while running */
} GatewayRun;

/* ---- accounts ----------------------------------------------------------- */

static CwScramCredentials *
lookup_cb (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  GatewayRun *run = user_data;
  g_autoptr (GError) error = NULL;
  CwScramCredentials *creds
    = cw_gateway_store_account_get_credential (run->store, username, hash, &error);

  /* An unknown account runs on with made-up keys, like a wrong password. */
  if (creds == NULL && !g_error_matches (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
    g_warning ("cannot read the account %s: %s", username, error->message);
  return creds;
}

static gboolean
authorize_cb (const gchar *username, gpointer user_data, GError **error)
{
  GatewayRun *run = user_data;
  g_autoptr (GError) local = NULL;
  g_autoptr (CwGatewayAccount) account
    = cw_gateway_store_account_get (run->store, username, &local);

  if (account == NULL)
    {
      g_warning ("cannot read the account %s: %s", username, local->message);
      g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE,
                           _("The account cannot log in at the moment"));
      return FALSE;
    }
  if (account->disabled)
    {
      g_set_error (error, CW_SASL_ERROR, CW_SASL_ERROR_ACCOUNT_DISABLED,
                   _("The account %s is disabled"), username);
      return FALSE;
    }
  return TRUE;
}

/* ---- configuration to options -------------------------------------------- */

static void
add_listeners (GatewayRun *run, GPtrArray *list, gboolean direct_tls)
{
  for (guint i = 0; i < list->len; i++)
    {
      const CwListenAddress *la = g_ptr_array_index (list, i);
      CwGatewayListener l = { NULL, la->port, direct_tls };

      /* NULL is every address: the listener's dual-stack form. */
      if (la->address != NULL)
        {
          l.address = g_inet_address_to_string (la->address);
          g_ptr_array_add (run->addresses, (gpointer)l.address);
        }
      g_array_append_val (run->listeners, l);
    }
}

static void
map_limits (const CwGatewayConfig *c, CwServerLimits *limits)
{
  cw_server_limits_init_default (limits);
  limits->max_stanza_size_preauth = c->max_stanza_size_preauth;
  limits->max_stanza_size = c->max_stanza_size;
  limits->negotiation_timeout_ms = c->negotiation_timeout * 1000;
  limits->rate_bytes_per_sec = c->rate;
  limits->rate_burst_bytes = c->burst;
  limits->max_connections_per_address = c->connections_per_address;
  limits->max_auth_failures = c->auth_failures;
  limits->auth_failure_delay_ms = c->auth_failure_delay * 1000;
  limits->ping_interval_ms = c->ping_interval * 1000;
  limits->ping_timeout_ms = c->ping_timeout * 1000;
  limits->offline_cap = c->offline_cap;
  limits->sm_resume_timeout = c->resume_timeout;
}

static void
map_options (GatewayRun *run, CwGatewayOptions *options)
{
  const CwGatewayConfig *c = run->config;

  add_listeners (run, c->listen, FALSE);
  add_listeners (run, c->direct_tls, TRUE);
  map_limits (c, &run->limits);
  options->domain = c->domain;
  options->cert_file = c->certificate_file;
  options->key_file = c->key_file;
  options->tls_optional = !c->require_tls;
  options->listeners = (const CwGatewayListener *)(gpointer)run->listeners->data;
  options->n_listeners = run->listeners->len;
  options->limits = &run->limits;
  options->lookup = lookup_cb;
  options->lookup_data = run;
  options->store = run->store;
  options->no_plain = !c->plain;
  options->authorize = authorize_cb;
  options->registration = c->registration;
  options->registration_throttle = c->registration_throttle;
  options->registration_throttle_time = c->registration_throttle_time;
}

/* ---- start and stop ------------------------------------------------------ */

CwGatewayStore *
cw_gateway_open_storage (const gchar *path, GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
      return NULL;
    }
  return cw_gateway_store_open (path, error);
}

static gboolean
open_store (GatewayRun *run)
{
  g_autoptr (GError) error = NULL;

  run->store = cw_gateway_open_storage (run->config->storage, &error);
  if (run->store == NULL)
    {
      g_printerr (_("chinwagd: cannot open the storage %s: %s\n"), run->config->storage,
                  error->message);
      return FALSE;
    }
  return TRUE;
}

static void
log_listening (GatewayRun *run)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < run->listeners->len; i++)
    {
      const CwGatewayListener *l = &g_array_index (run->listeners, CwGatewayListener, i);
      gboolean v6 = l->address != NULL && strchr (l->address, ':') != NULL;

      g_string_append_printf (s, "%s%s%s%s:%u (%s)", i > 0 ? ", " : "", v6 ? "[" : "",
                              l->address != NULL ? l->address : "*", v6 ? "]" : "",
                              cw_gateway_get_port (run->gateway, i),
                              l->direct_tls ? "Direct TLS" : "STARTTLS");
    }
  g_message ("gateway for %s listening on %s, storage %s", run->config->domain,
             s->len > 0 ? s->str : "nothing", run->config->storage);
}

static gboolean
wait_sessions_cb (gpointer user_data)
{
  GatewayRun *run = user_data;

  if (cw_gateway_get_n_sessions (run->gateway) > 0
      && g_get_monotonic_time () < run->stop_deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* SIGTERM/SIGINT: no new connections, system-shutdown to every client,
 * up to SHUTDOWN_GRACE_MS for them to go; a second signal ends at once. */
static gboolean
signal_cb (gpointer user_data)
{
  GatewayRun *run = user_data;

  if (run->stop_deadline != 0)
    {
      g_main_loop_quit (run->loop);
      return G_SOURCE_CONTINUE;
    }
  g_message ("gateway for %s stopping", run->config->domain);
  run->stop_deadline = g_get_monotonic_time () + SHUTDOWN_GRACE_MS * G_TIME_SPAN_MILLISECOND;
  cw_gateway_stop (run->gateway);
  g_timeout_add (SHUTDOWN_POLL_MS, wait_sessions_cb, run);
  return G_SOURCE_CONTINUE;
}

static gboolean
start (GatewayRun *run)
{
  g_autoptr (GError) error = NULL;
  CwGatewayOptions options = { 0 };

  if (!open_store (run))
    return FALSE;
  map_options (run, &options);
  run->gateway = cw_gateway_new (&options, &error);
  if (run->gateway == NULL || !cw_gateway_start (run->gateway, &error))
    {
      g_printerr (_("chinwagd: %s\n"), error->message);
      return FALSE;
    }
  log_listening (run);
  return TRUE;
}

static void
run_clear (GatewayRun *run)
{
  /* Sessions still open after the grace time point into the gateway, but
   * nothing runs the main loop for them any more. */
  g_clear_pointer (&run->gateway, cw_gateway_free);
  g_clear_object (&run->store);
  g_clear_pointer (&run->loop, g_main_loop_unref);
  g_clear_pointer (&run->listeners, g_array_unref);
  g_clear_pointer (&run->addresses, g_ptr_array_unref);
  g_clear_pointer (&run->config, cw_gateway_config_free);
}

int
cw_gateway_run (const gchar *path, gboolean check_only)
{
  g_autoptr (GError) error = NULL;
  GatewayRun run = { 0 };
  guint term, intr;

  /* Errors read "FILE:LINE: reason", as a compiler's do, for editors. */
  run.config = cw_gateway_config_load (path, &error);
  if (run.config == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (check_only)
    {
      g_print (_("%s: configuration OK\n"), path);
      cw_gateway_config_free (run.config);
      return EXIT_SUCCESS;
    }
  run.listeners = g_array_new (FALSE, TRUE, sizeof (CwGatewayListener));
  run.addresses = g_ptr_array_new_with_free_func (g_free);
  if (!start (&run))
    {
      run_clear (&run);
      return EXIT_FAILURE;
    }
  run.loop = g_main_loop_new (NULL, FALSE);
  term = g_unix_signal_add (SIGTERM, signal_cb, &run);
  intr = g_unix_signal_add (SIGINT, signal_cb, &run);
  g_main_loop_run (run.loop);
  g_source_remove (term);
  g_source_remove (intr);
  g_message ("gateway for %s stopped", run.config->domain);
  run_clear (&run);
  return EXIT_SUCCESS;
}
