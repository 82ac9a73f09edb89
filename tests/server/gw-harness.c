/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gw-harness: runs a CwGateway with accounts user1..user3 (password "secret") for tests:
 * in memory, or with --store PATH in a gateway store that the modules use too. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "server/gateway.h"

#define N_USERS 3

static CwScramCredentials *accounts[N_USERS][2];
static CwGatewayStore *store;

static CwScramCredentials *
store_lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  return cw_gateway_store_account_get_credential (store, username, hash, NULL);
}

static CwScramCredentials *
lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  CwScramCredentials *copy;
  const CwScramCredentials *creds;
  guint n;

  if (!g_str_has_prefix (username, "user") || strlen (username) != 5)
    return NULL;
  n = username[4] - '1';
  if (n >= N_USERS)
    return NULL;
  creds = accounts[n][hash == CW_SASL_HASH_SHA256];
  copy = g_new0 (CwScramCredentials, 1);
  copy->hash = creds->hash;
  copy->iterations = creds->iterations;
  copy->salt = g_bytes_ref (creds->salt);
  copy->stored_key = g_bytes_ref (creds->stored_key);
  copy->server_key = g_bytes_ref (creds->server_key);
  return copy;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
expire_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gchar *domain, *cert, *key, *address, *store;
  gint c2s_port, tls_port;
  gboolean tls_optional;
  gint timeout_ms, max_failures, delay_ms, ping_ms, ping_timeout_ms, rate, burst, per_address;
  gint preauth_size, stanza_size, offline_cap;
  gint registration; /* XEP-0077 on, this many accounts per address and hour; -1 off */
  gint resume_timeout;
} Args;

static gboolean
parse_args (Args *a, int *argc, char ***argv, GError **error)
{
  GOptionEntry entries[] = {
    { "domain", 0, 0, G_OPTION_ARG_STRING, &a->domain, "domain", "D" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &a->cert, "certificate PEM", "F" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &a->key, "key PEM", "F" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &a->address, "listen address", "A" },
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &a->store, "gateway store (created)", "PATH" },
    { "c2s-port", 0, 0, G_OPTION_ARG_INT, &a->c2s_port, "STARTTLS port (-1: none)", "P" },
    { "tls-port", 0, 0, G_OPTION_ARG_INT, &a->tls_port, "Direct TLS port (-1: none)", "P" },
    { "tls-optional", 0, 0, G_OPTION_ARG_NONE, &a->tls_optional, "SASL without TLS", NULL },
    { "negotiation-timeout-ms", 0, 0, G_OPTION_ARG_INT, &a->timeout_ms, "", "MS" },
    { "max-auth-failures", 0, 0, G_OPTION_ARG_INT, &a->max_failures, "", "N" },
    { "auth-delay-ms", 0, 0, G_OPTION_ARG_INT, &a->delay_ms, "", "MS" },
    { "ping-interval-ms", 0, 0, G_OPTION_ARG_INT, &a->ping_ms, "", "MS" },
    { "ping-timeout-ms", 0, 0, G_OPTION_ARG_INT, &a->ping_timeout_ms, "", "MS" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &a->rate, "bytes/s", "N" },
    { "burst", 0, 0, G_OPTION_ARG_INT, &a->burst, "bytes", "N" },
    { "max-per-address", 0, 0, G_OPTION_ARG_INT, &a->per_address, "", "N" },
    { "max-stanza-preauth", 0, 0, G_OPTION_ARG_INT, &a->preauth_size, "", "BYTES" },
    { "max-stanza", 0, 0, G_OPTION_ARG_INT, &a->stanza_size, "", "BYTES" },
    { "offline-cap", 0, 0, G_OPTION_ARG_INT, &a->offline_cap, "offline messages", "N" },
    { "registration", 0, 0, G_OPTION_ARG_INT, &a->registration, "in-band, N per hour", "N" },
    { "resume-timeout", 0, 0, G_OPTION_ARG_INT, &a->resume_timeout, "XEP-0198", "S" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- chinwag gateway test harness");

  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error);
}

static void
apply_limits (const Args *a, CwServerLimits *limits)
{
  cw_server_limits_init_default (limits);
  if (a->timeout_ms >= 0)
    limits->negotiation_timeout_ms = a->timeout_ms;
  if (a->max_failures >= 0)
    limits->max_auth_failures = a->max_failures;
  if (a->delay_ms >= 0)
    limits->auth_failure_delay_ms = a->delay_ms;
  if (a->ping_ms >= 0)
    limits->ping_interval_ms = a->ping_ms;
  if (a->ping_timeout_ms >= 0)
    limits->ping_timeout_ms = a->ping_timeout_ms;
  if (a->rate >= 0)
    limits->rate_bytes_per_sec = a->rate;
  if (a->burst >= 0)
    limits->rate_burst_bytes = a->burst;
  if (a->per_address >= 0)
    limits->max_connections_per_address = a->per_address;
  if (a->preauth_size > 0)
    limits->max_stanza_size_preauth = a->preauth_size;
  if (a->stanza_size > 0)
    limits->max_stanza_size = a->stanza_size;
  if (a->offline_cap >= 0)
    limits->offline_cap = a->offline_cap;
}

static gboolean
make_accounts (GError **error)
{
  for (guint i = 0; i < N_USERS; i++)
    for (guint h = 0; h < 2; h++)
      {
        /* Fewer iterations than real accounts: the tests log in often. */
        accounts[i][h] = cw_scram_credentials_derive (h ? CW_SASL_HASH_SHA256 : CW_SASL_HASH_SHA1,
                                                      "secret", NULL, 4096, error);
        if (accounts[i][h] == NULL)
          return FALSE;
      }
  return TRUE;
}

/* --store: the accounts go into the store (kept when they exist). */
static gboolean
open_store (const gchar *path, GError **error)
{
  store = cw_gateway_store_open (path, error);
  if (store == NULL)
    return FALSE;
  for (guint i = 0; i < N_USERS; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("user%u", i + 1);

      if (!cw_gateway_store_account_exists (store, name, NULL)
          && !cw_gateway_store_account_create (store, name, accounts[i][0], accounts[i][1], error))
        return FALSE;
    }
  return TRUE;
}

static void
print_ports (CwGateway *gw, const Args *a)
{
  guint index = 0;

  if (a->c2s_port >= 0)
    printf ("c2s %u\n", cw_gateway_get_port (gw, index++));
  if (a->tls_port >= 0)
    printf ("tls %u\n", cw_gateway_get_port (gw, index++));
  printf ("ready\n");
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  Args a = { .c2s_port = 0,
             .tls_port = 0,
             .timeout_ms = -1,
             .max_failures = -1,
             .delay_ms = -1,
             .ping_ms = -1,
             .ping_timeout_ms = -1,
             .rate = -1,
             .burst = -1,
             .per_address = -1,
             .offline_cap = -1,
             .registration = -1,
             .resume_timeout = -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  CwGatewayListener listeners[2];
  CwGatewayOptions options = { 0 };
  CwServerLimits limits;
  CwGateway *gw;
  gboolean expired = FALSE;

  if (!parse_args (&a, &argc, &argv, &error) || !make_accounts (&error)
      || (a.store != NULL && !open_store (a.store, &error)))
    {
      g_printerr ("gw-harness: %s\n", error->message);
      return 2;
    }
  apply_limits (&a, &limits);
  options.domain = a.domain ? a.domain : "localhost";
  options.cert_file = a.cert;
  options.key_file = a.key;
  options.tls_optional = a.tls_optional;
  options.registration = a.registration >= 0;
  options.registration_throttle = MAX (a.registration, 0);
  options.registration_throttle_time = 3600;
  if (a.resume_timeout >= 0)
    limits.sm_resume_timeout = a.resume_timeout;
  options.limits = &limits;
  options.lookup = store != NULL ? store_lookup : lookup;
  options.store = store;
  options.listeners = listeners;
  if (a.c2s_port >= 0)
    listeners[options.n_listeners++]
      = (CwGatewayListener){ a.address ? a.address : "127.0.0.1", a.c2s_port, FALSE };
  if (a.tls_port >= 0)
    listeners[options.n_listeners++]
      = (CwGatewayListener){ a.address ? a.address : "127.0.0.1", a.tls_port, TRUE };
  gw = cw_gateway_new (&options, &error);
  if (gw == NULL || !cw_gateway_start (gw, &error))
    {
      g_printerr ("gw-harness: %s\n", error->message);
      return 1;
    }
  print_ports (gw, &a);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  cw_gateway_stop (gw);
  /* Let the system-shutdown errors go out, for at most two seconds. */
  g_timeout_add_seconds (2, expire_cb, &expired);
  while (cw_gateway_get_n_sessions (gw) > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  cw_gateway_free (gw);
  for (guint i = 0; i < N_USERS; i++)
    for (guint h = 0; h < 2; h++)
      cw_scram_credentials_free (accounts[i][h]);
  g_clear_object (&store);
  g_free (a.domain), g_free (a.cert), g_free (a.key), g_free (a.address), g_free (a.store);
  return 0;
}
