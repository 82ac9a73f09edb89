/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwagd: the chinwag engine — options, start-up, control commands and the main loop. */
#include "config.h"

#include <glib-unix.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "daemon/control.h"
#include "daemon/gateway-run.h"
#include "dbus/dbus-adapter.h"
#include "im/ll-session.h"
#include "ll/avahi-discovery.h"

typedef struct
{
  gchar *name;
  gchar *nick;
  gchar *state_dir;
  gchar *control;
  gchar *command;
  gint port;
  gint idle_timeout;
  gboolean no_personal;
  gboolean embedded_mdns;
  gboolean no_dbus;
  gboolean version;
  gboolean gateway;
  gchar *config;
  gboolean check_config;
} Options;

static Options opt;

static const GOptionEntry entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt.name,
    N_("Name to publish (default: login@short-hostname)"), N_("USER@MACHINE") },
  { "nick", 0, 0, G_OPTION_ARG_STRING, &opt.nick, N_("Nickname shown to peers"), N_("NICK") },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt.port, N_("TCP port (default: 5298 when free)"),
    N_("PORT") },
  { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.state_dir,
    N_("Where history and the message queue live"), N_("DIR") },
  { "control", 'c', 0, G_OPTION_ARG_FILENAME, &opt.control, N_("Control socket path"),
    N_("PATH") },
  { "command", 'C', 0, G_OPTION_ARG_STRING, &opt.command,
    N_("Send one command to a running chinwagd and print the answer"), N_("COMMAND") },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt.idle_timeout,
    N_("Close streams idle for this many seconds (default 300)"), N_("SECONDS") },
  { "no-personal", 0, 0, G_OPTION_ARG_NONE, &opt.no_personal,
    N_("Do not publish first/last name, email or JID"), NULL },
  { "embedded-mdns", 0, 0, G_OPTION_ARG_NONE, &opt.embedded_mdns,
    N_("Use the built-in mDNS responder even when avahi-daemon runs"), NULL },
  { "no-dbus", 0, 0, G_OPTION_ARG_NONE, &opt.no_dbus,
    N_("Do not offer the D-Bus API on the session bus"), NULL },
  { "gateway", 0, 0, G_OPTION_ARG_NONE, &opt.gateway,
    N_("Run as an XMPP server for clients (gateway mode)"), NULL },
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt.config,
    N_("Gateway configuration file, see chinwag.conf(5)"), N_("FILE") },
  { "check-config", 0, 0, G_OPTION_ARG_NONE, &opt.check_config,
    N_("Check the gateway configuration and exit"), NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt.version, N_("Print the version and exit"), NULL },
  { NULL }
};

typedef struct
{
  GMainLoop *loop;
  CwLlSession *session;
  CwControl *control;
  GDBusConnection *bus;    /* nullable: no session bus, or --no-dbus */
  CwDbusAdapter *adapter;  /* nullable, as bus */
  guint bus_name_id;       /* 0 without a bus */
} Daemon;

/* ---- defaults --------------------------------------------------------- */

static gchar *
default_name (void)
{
  g_autofree gchar *host = g_strdup (g_get_host_name ());

  host[strcspn (host, ".")] = '\0';
  return g_strdup_printf ("%s@%s", g_get_user_name (), host);
}

/* The passwd GECOS field: "Juliet Capulet,,," -> "Juliet Capulet". */
static gchar *
real_name (void)
{
  const gchar *gecos = g_get_real_name ();
  gchar *name;

  if (gecos == NULL || strcmp (gecos, "Unknown") == 0)
    return NULL;
  name = g_strndup (gecos, strcspn (gecos, ","));
  g_strstrip (name);
  if (*name == '\0')
    g_clear_pointer (&name, g_free);
  return name;
}

static gchar *
default_control_path (const gchar *state_dir)
{
  if (g_getenv ("XDG_RUNTIME_DIR") != NULL)
    return g_build_filename (g_get_user_runtime_dir (), "chinwag", "control", NULL);
  return g_build_filename (state_dir, "control", NULL);
}

/* ---- control commands ---------------------------------------------------- */

static gchar *
join_addresses (const CwLlPeer *peer)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < peer->addresses->len; i++)
    {
      g_autofree gchar *a = g_socket_connectable_to_string (g_ptr_array_index (peer->addresses, i));

      g_string_append_printf (s, "%s%s", i > 0 ? "," : "", a);
    }
  return g_string_free (s, FALSE);
}

static const gchar *
status_of (const CwLlPeer *peer)
{
  return cw_ll_status_to_string (peer->txt != NULL ? peer->txt->status : CW_LL_STATUS_AVAIL);
}

static void
cmd_roster (CwControlClient *client, gchar **argv, gpointer data)
{
  Daemon *d = data;
  GList *peers = cw_ll_roster_list (cw_ll_session_get_roster (d->session));

  for (GList *l = peers; l != NULL; l = l->next)
    {
      CwLlPeer *p = l->data;
      g_autofree gchar *addrs = join_addresses (p);

      cw_control_client_data (client, "%s\t%s\t%s\t%s\t%s\t%s", p->name, status_of (p),
                              p->reachable ? "reachable" : "unreachable", addrs,
                              p->txt != NULL && p->txt->nick != NULL ? p->txt->nick : "",
                              p->txt != NULL && p->txt->msg != NULL ? p->txt->msg : "");
    }
  g_list_free (peers);
  cw_control_client_ok (client, NULL);
}

static void
cmd_send (CwControlClient *client, gchar **argv, gpointer data)
{
  Daemon *d = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwMessage) m = NULL;
  g_autofree gchar *info = NULL;

  if (argv[1] == NULL || argv[2] == NULL)
    {
      cw_control_client_error (client, "usage", _("send PEER TEXT"));
      return;
    }
  m = cw_ll_session_send_message (d->session, argv[1], argv[2], &error);
  if (m == NULL)
    {
      cw_control_client_error (client,
                               g_error_matches (error, CW_LL_SESSION_ERROR,
                                                CW_LL_SESSION_ERROR_UNKNOWN_PEER)
                                 ? "unknown-peer" : "failed",
                               error->message);
      return;
    }
  info = g_strdup_printf ("%" G_GINT64_FORMAT, m->id);
  cw_control_client_ok (client, info);
}

static void
cmd_status (CwControlClient *client, gchar **argv, gpointer data)
{
  Daemon *d = data;
  const gchar *s = argv[1];

  if (s == NULL || (strcmp (s, "avail") != 0 && strcmp (s, "away") != 0 && strcmp (s, "dnd") != 0))
    {
      cw_control_client_error (client, "usage", _("status avail|away|dnd [MESSAGE]"));
      return;
    }
  cw_ll_session_set_presence (d->session, cw_ll_status_from_string (s), argv[2]);
  cw_control_client_ok (client, NULL);
}

static void
cmd_history (CwControlClient *client, gchar **argv, gpointer data)
{
  Daemon *d = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = NULL;

  if (argv[1] == NULL)
    {
      cw_control_client_error (client, "usage", _("history PEER"));
      return;
    }
  page = cw_ll_session_history (d->session, argv[1], 0, 100, &error);
  if (page == NULL)
    {
      cw_control_client_error (client, "failed", error->message);
      return;
    }
  /* Oldest first, like a conversation reads. */
  for (guint i = page->len; i > 0; i--)
    {
      CwMessage *m = g_ptr_array_index (page, i - 1);

      cw_control_client_data (client, "%" G_GINT64_FORMAT "\t%s\t%s\t%s", m->id,
                              cw_message_direction_to_string (m->direction),
                              cw_message_state_to_string (m->state), m->body != NULL ? m->body : "");
    }
  cw_control_client_ok (client, NULL);
}

static void
cmd_info (CwControlClient *client, gchar **argv, gpointer data)
{
  Daemon *d = data;
  CwLlDiscovery *disc = cw_ll_session_get_discovery (d->session);
  const gchar *state[] = { "starting", "running", "reconnecting", "failed" };

  cw_control_client_data (client, "name\t%s", cw_ll_session_get_name (d->session));
  cw_control_client_data (client, "port\t%u", cw_ll_session_get_port (d->session));
  cw_control_client_data (client, "status\t%s",
                          cw_ll_status_to_string (cw_ll_session_get_status (d->session)));
  cw_control_client_data (client, "discovery\t%s %s", cw_ll_discovery_describe (disc),
                          state[cw_ll_discovery_get_state (disc)]);
  cw_control_client_ok (client, NULL);
}

static void
cmd_watch (CwControlClient *client, gchar **argv, gpointer data)
{
  cw_control_client_ok (client, NULL);
  cw_control_client_watch (client);
}

/* ---- events for watchers ----------------------------------------------- */

static void
on_peer_event (CwLlRoster *roster, CwLlPeer *peer, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("peer\t%s\t%s\t%s\t%s", peer->name, status_of (peer),
                                            peer->reachable ? "reachable" : "unreachable",
                                            peer->txt != NULL && peer->txt->msg != NULL
                                              ? peer->txt->msg : "");

  cw_control_broadcast (d->control, line);
}

static void
on_peer_removed (CwLlRoster *roster, const gchar *name, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("peer-removed\t%s", name);

  cw_control_broadcast (d->control, line);
}

static void
on_message_received (CwLlSession *session, CwMessage *m, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("message\t%s\t%" G_GINT64_FORMAT "\t%s", m->peer,
                                            m->id, m->body);

  cw_control_broadcast (d->control, line);
}

static void
on_message_state (CwLlSession *session, CwMessage *m, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("state\t%" G_GINT64_FORMAT "\t%s\t%s", m->id,
                                            cw_message_state_to_string (m->state), m->peer);

  cw_control_broadcast (d->control, line);
}

static void
on_chat_state (CwLlSession *session, const gchar *peer, const gchar *state, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("chat-state\t%s\t%s", peer, state);

  cw_control_broadcast (d->control, line);
}

static void
on_name_changed (CwLlSession *session, const gchar *name, gpointer data)
{
  Daemon *d = data;
  g_autofree gchar *line = g_strdup_printf ("name\t%s", name);

  cw_control_broadcast (d->control, line);
}

static void
connect_events (Daemon *d)
{
  CwLlRoster *roster = cw_ll_session_get_roster (d->session);

  g_signal_connect (roster, "peer-added", G_CALLBACK (on_peer_event), d);
  g_signal_connect (roster, "peer-changed", G_CALLBACK (on_peer_event), d);
  g_signal_connect (roster, "peer-removed", G_CALLBACK (on_peer_removed), d);
  g_signal_connect (d->session, "message-received", G_CALLBACK (on_message_received), d);
  g_signal_connect (d->session, "message-state", G_CALLBACK (on_message_state), d);
  g_signal_connect (d->session, "chat-state", G_CALLBACK (on_chat_state), d);
  g_signal_connect (d->session, "name-changed", G_CALLBACK (on_name_changed), d);
  cw_control_register (d->control, "roster", 0, cmd_roster, d);
  cw_control_register (d->control, "send", 1, cmd_send, d);
  cw_control_register (d->control, "status", 1, cmd_status, d);
  cw_control_register (d->control, "history", 1, cmd_history, d);
  cw_control_register (d->control, "info", 0, cmd_info, d);
  cw_control_register (d->control, "watch", 0, cmd_watch, d);
}

/* ---- D-Bus -------------------------------------------------------------- */

static void
on_name_acquired (GDBusConnection *bus, const gchar *name, gpointer data)
{
  g_message ("D-Bus API on the session bus as %s", name);
}

/* Another chinwagd has the name, or the bus went away: the control socket
 * still works, so this is worth a note, not a failure. */
static void
on_name_lost (GDBusConnection *bus, const gchar *name, gpointer data)
{
  Daemon *d = data;

  g_message ("D-Bus name %s is not ours (taken, or no bus): going on without D-Bus", name);
  if (d->adapter != NULL)
    cw_dbus_adapter_unexport (d->adapter);
}

/* The object is exported before the name is asked for, so a caller that
 * D-Bus activation started us for finds it as soon as the name is ours. */
static void
start_dbus (Daemon *d)
{
  g_autoptr (GError) error = NULL;

  if (opt.no_dbus)
    return;
  /* Activated by a bus (e.g. chinwag's private one): serve on that bus. */
  d->bus = g_bus_get_sync (g_getenv ("DBUS_STARTER_ADDRESS") != NULL ? G_BUS_TYPE_STARTER
                                                                     : G_BUS_TYPE_SESSION,
                           NULL, &error);
  if (d->bus == NULL)
    {
      g_message ("no session bus (%s): D-Bus API off", error->message);
      return;
    }
  /* The engine outlives its bus: a bus that exits must not take us along. */
  g_dbus_connection_set_exit_on_close (d->bus, FALSE);
  d->adapter = cw_dbus_adapter_new (d->session);
  if (!cw_dbus_adapter_export (d->adapter, d->bus, &error))
    {
      g_message ("cannot export the D-Bus API: %s", error->message);
      g_clear_object (&d->adapter);
      g_clear_object (&d->bus);
      return;
    }
  d->bus_name_id = g_bus_own_name_on_connection (d->bus, CW_DBUS_BUS_NAME,
                                                 G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                 on_name_acquired, on_name_lost, d, NULL);
}

static void
stop_dbus (Daemon *d)
{
  if (d->bus_name_id != 0)
    g_bus_unown_name (d->bus_name_id);
  d->bus_name_id = 0;
  if (d->adapter != NULL)
    cw_dbus_adapter_unexport (d->adapter);
  g_clear_object (&d->adapter);
  if (d->bus != NULL)
    g_dbus_connection_flush_sync (d->bus, NULL, NULL);
  g_clear_object (&d->bus);
}

/* ---- start and stop ----------------------------------------------------- */

static void
on_stopped (GObject *source, GAsyncResult *res, gpointer data)
{
  Daemon *d = data;

  cw_ll_session_stop_finish (CW_LL_SESSION (source), res, NULL);
  g_main_loop_quit (d->loop);
}

static gboolean
on_signal (gpointer data)
{
  Daemon *d = data;
  static gboolean stopping;

  if (stopping)
    {
      g_main_loop_quit (d->loop);
      return G_SOURCE_REMOVE;
    }
  stopping = TRUE;
  g_message ("stopping");
  cw_ll_session_stop_async (d->session, on_stopped, d);
  return G_SOURCE_CONTINUE;
}

/* avahi-daemon when there is one: it is shared with every other program on
 * the host and follows its restarts. Otherwise our own responder, since a
 * host has room for only one mDNS stack. */
static CwLlDiscovery *
make_discovery (GError **error)
{
  g_autoptr (GError) local_error = NULL;
  CwLlDiscovery *discovery;

  if (opt.embedded_mdns)
    return cw_ll_avahi_discovery_new_embedded (error);
  if (cw_ll_avahi_daemon_available ())
    return cw_ll_avahi_discovery_new ();
  g_message (_("no avahi-daemon: using the embedded avahi-core responder"));
  discovery = cw_ll_avahi_discovery_new_embedded (&local_error);
  if (discovery != NULL)
    return discovery;
  /* Still worth running: peers appear once a daemon starts. */
  g_warning (_("%s; waiting for an avahi-daemon to appear"), local_error->message);
  return cw_ll_avahi_discovery_new ();
}

/* Every stream holds a descriptor, and a daemon that runs out of them
 * cannot accept peers (GSocketService then retries accept() in a loop).
 * The soft limit is often far below the hard one (1024 vs 524288 under
 * systemd): take all that we are allowed. */
static void
raise_fd_limit (void)
{
  struct rlimit rl;
  rlim_t soft;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
    return;
  soft = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
    g_debug ("raised the open files limit from %llu to %llu", (unsigned long long)soft,
             (unsigned long long)rl.rlim_max);
  else
    g_debug ("could not raise the open files limit from %llu: %s", (unsigned long long)soft,
             g_strerror (errno));
}

static int
run_peer (void)
{
  Daemon d = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (CwLlDiscovery) discovery = NULL;
  g_autofree gchar *name = opt.name != NULL ? g_strdup (opt.name) : default_name ();
  g_autofree gchar *gecos = real_name ();
  g_autofree gchar *db = g_build_filename (opt.state_dir, "chinwag.db", NULL);
  g_autofree gchar *first = NULL;
  CwLlSessionConfig config = { 0 };

  if (gecos != NULL && strchr (gecos, ' ') != NULL)
    first = g_strndup (gecos, strcspn (gecos, " "));
  config.name = name;
  config.nick = opt.nick != NULL ? opt.nick : gecos;
  config.first = first;
  config.last = first != NULL ? gecos + strlen (first) + 1 : NULL;
  config.publish_personal = !opt.no_personal;
  config.port = (guint16) opt.port;
  config.db_path = db;
  config.idle_timeout_s = opt.idle_timeout > 0 ? (guint) opt.idle_timeout : 0;
  raise_fd_limit ();
  if (g_mkdir_with_parents (opt.state_dir, 0700) != 0)
    {
      g_printerr (_("chinwagd: cannot create %s\n"), opt.state_dir);
      return EXIT_FAILURE;
    }
  discovery = make_discovery (&error);
  if (discovery == NULL)
    {
      g_printerr (_("chinwagd: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  d.control = cw_control_new (opt.control, &error);
  if (d.control == NULL || (d.session = cw_ll_session_new (&config, discovery, &error)) == NULL
      || !cw_ll_session_start (d.session, &error))
    {
      g_printerr (_("chinwagd: %s\n"), error->message);
      g_clear_object (&d.session);
      g_clear_object (&d.control);
      return EXIT_FAILURE;
    }
  connect_events (&d);
  start_dbus (&d);
  g_message ("chinwagd %s: '%s' on port %u, control socket %s", PACKAGE_VERSION, name,
             cw_ll_session_get_port (d.session), opt.control);
  d.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, &d);
  g_unix_signal_add (SIGINT, on_signal, &d);
  g_main_loop_run (d.loop);
  stop_dbus (&d);
  g_object_unref (d.session);
  g_object_unref (d.control);
  g_main_loop_unref (d.loop);
  return EXIT_SUCCESS;
}

/* ---- gateway mode ------------------------------------------------------- */

static int
run_gateway (void)
{
  g_autofree gchar *path = opt.config != NULL
                             ? g_strdup (opt.config)
                             : g_build_filename (CW_SYSCONFDIR, "chinwag", "chinwag.conf", NULL);

  return cw_gateway_run (path, opt.check_config);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  int rc;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ctx = g_option_context_new (NULL);
  g_option_context_set_summary (ctx, _("Serverless link-local XMPP (XEP-0174) peer and gateway."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr (_("chinwagd: %s\nTry 'chinwagd --help'.\n"), error->message);
      return 2;
    }
  if (opt.version)
    {
      g_print ("chinwagd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if ((opt.config != NULL || opt.check_config) && !opt.gateway)
    {
      g_printerr (_("chinwagd: --config and --check-config go with --gateway\n"));
      return 2;
    }
  if (opt.gateway)
    {
      rc = run_gateway ();
      g_free (opt.config);
      return rc;
    }
  if (opt.port < 0 || opt.port > 65535)
    {
      g_printerr (_("chinwagd: the port must be between 0 and 65535\n"));
      return 2;
    }
  if (opt.state_dir == NULL)
    opt.state_dir = g_build_filename (g_get_user_data_dir (), "chinwag", NULL);
  if (opt.control == NULL)
    opt.control = default_control_path (opt.state_dir);
  if (opt.command != NULL)
    return cw_control_run_client (opt.control, opt.command);
  rc = run_peer ();
  g_free (opt.state_dir);
  g_free (opt.control);
  return rc;
}
