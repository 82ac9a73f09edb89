/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reaching chinwagd over D-Bus: the session bus, or a private bus started on demand. */
#include "config.h"

#include "frontends/client.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/un.h>
#include <unistd.h>

#include "dbus/dbus-api.h"

#define BUS_ADDRESS_KEY "cw-client-bus-address"
#define POLL_INTERVAL_US (100 * 1000)

G_DEFINE_QUARK (cw-client-error-quark, cw_client_error)

/* ---- the private bus ------------------------------------------------------ */

static gchar *
private_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "chinwag", NULL);
}

static GDBusConnection *
connect_address (const gchar *address, GError **error)
{
  GDBusConnection *bus = g_dbus_connection_new_for_address_sync (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);

  if (bus != NULL)
    g_object_set_data_full (G_OBJECT (bus), BUS_ADDRESS_KEY, g_strdup (address), g_free);
  return bus;
}

/* The bus configuration and the activation file for chinwagd. */
static gboolean
write_bus_files (const gchar *dir, const gchar *socket, GError **error)
{
  g_autofree gchar *services = g_build_filename (dir, "services", NULL);
  g_autofree gchar *conf = g_build_filename (dir, "bus.conf", NULL);
  g_autofree gchar *service = g_build_filename (services, "im.chinwag.Chinwag1.service", NULL);
  g_autofree gchar *daemon = cw_client_find_daemon ();
  g_autofree gchar *esc_socket = g_markup_escape_text (socket, -1);
  g_autofree gchar *esc_services = g_markup_escape_text (services, -1);
  g_autofree gchar *quoted = g_shell_quote (daemon);
  g_autofree gchar *conf_text = NULL;
  g_autofree gchar *service_text = NULL;

  if (g_mkdir_with_parents (services, 0700) != 0)
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS, _("cannot create %s: %s"),
                   services, g_strerror (errno));
      return FALSE;
    }
  conf_text = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<!-- written by chinwag: its private bus, for machines without a session bus -->\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:path=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <servicedir>%s</servicedir>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n",
    esc_socket, esc_services);
  service_text = g_strdup_printf ("[D-BUS Service]\nName=%s\nExec=%s\n", CW_DBUS_BUS_NAME,
                                  quoted);
  return g_file_set_contents_full (conf, conf_text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                   error)
         && g_file_set_contents_full (service, service_text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                      0600, error);
}

/* Starts dbus-daemon on @dir's configuration; it forks and outlives us. */
static gboolean
start_private_bus (const gchar *dir, const gchar *socket, GError **error)
{
  g_autofree gchar *conf = g_build_filename (dir, "bus.conf", NULL);
  g_autofree gchar *conf_arg = g_strconcat ("--config-file=", conf, NULL);
  g_autofree gchar *pid_file = g_build_filename (dir, "bus.pid", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *argv[] = { "dbus-daemon", conf_arg, "--fork", "--print-pid", NULL };
  gint status = 0;

  if (!write_bus_files (dir, socket, error))
    return FALSE;
  (void) g_unlink (socket); /* a stale socket of a bus that died */
  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS,
                   _("dbus-daemon could not start: %s"), g_strstrip (err));
      return FALSE;
    }
  return g_file_set_contents (pid_file, g_strstrip (out), -1, error);
}

static GDBusConnection *
connect_private_bus (GError **error)
{
  g_autofree gchar *dir = private_dir ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autofree gchar *lock_path = g_build_filename (dir, "lock", NULL);
  g_autofree gchar *escaped = g_dbus_address_escape_value (socket);
  g_autofree gchar *address = g_strconcat ("unix:path=", escaped, NULL);
  GDBusConnection *bus;
  int lock;

  if (strlen (socket) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS,
                   _("the private bus socket path is too long: %s"), socket);
      return NULL;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0
      || (lock = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS, _("cannot use %s: %s"), dir,
                   g_strerror (errno));
      return NULL;
    }
  /* One chinwag at a time decides whether the bus must be started. */
  while (flock (lock, LOCK_EX) != 0 && errno == EINTR)
    ;
  bus = connect_address (address, NULL);
  if (bus == NULL && start_private_bus (dir, socket, error))
    bus = connect_address (address, error);
  close (lock); /* releases the lock */
  return bus;
}

GDBusConnection *
cw_client_connect_bus (gboolean *is_private, GError **error)
{
  const gchar *address = g_getenv ("CHINWAG_BUS_ADDRESS");
  g_autoptr (GError) local = NULL;
  g_autofree gchar *session = NULL;
  GDBusConnection *bus;

  if (is_private != NULL)
    *is_private = FALSE;
  if (address != NULL && *address != '\0')
    {
      bus = connect_address (address, &local);
      if (bus == NULL)
        g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS,
                     _("cannot reach the bus in CHINWAG_BUS_ADDRESS: %s"), local->message);
      return bus;
    }
  session = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (session != NULL && (bus = connect_address (session, NULL)) != NULL)
    return bus;
  bus = connect_private_bus (&local);
  if (bus == NULL)
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_BUS,
                   _("no session bus, and no private bus could be started: %s"),
                   local->message);
      return NULL;
    }
  if (is_private != NULL)
    *is_private = TRUE;
  return bus;
}

/* ---- the daemon -------------------------------------------------------------- */

gchar *
cw_client_find_daemon (void)
{
  const gchar *env = g_getenv ("CHINWAGD");
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (self != NULL)
    {
      g_autofree gchar *dir = g_path_get_dirname (self);
      g_autofree gchar *beside = g_build_filename (dir, "chinwagd", NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  return g_build_filename (CW_SBINDIR, "chinwagd", NULL);
}

static gboolean
name_has_owner (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
    g_variant_new ("(s)", CW_DBUS_BUS_NAME), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
    NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
detach (gpointer data)
{
  (void) setsid ();
}

/* Starts chinwagd in the background, its output in the private dir's log. */
static gboolean
spawn_daemon (const gchar *address, GError **error)
{
  g_autofree gchar *daemon = cw_client_find_daemon ();
  g_autofree gchar *dir = private_dir ();
  g_autofree gchar *log = g_build_filename (dir, "chinwagd.log", NULL);
  g_auto (GStrv) envp = g_get_environ ();
  const gchar *argv[] = { daemon, NULL };
  gboolean ok;
  int fd;

  envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  (void) g_mkdir_with_parents (dir, 0700);
  fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ok = g_spawn_async_with_fds (NULL, (gchar **) argv, envp, G_SPAWN_DEFAULT, detach, NULL, NULL,
                               -1, fd, fd, error);
  if (fd >= 0)
    close (fd);
  return ok;
}

gboolean
cw_client_ensure_daemon (GDBusConnection *bus, guint timeout_s, GError **error)
{
  const gchar *address = g_object_get_data (G_OBJECT (bus), BUS_ADDRESS_KEY);
  g_autoptr (GError) local = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree gchar *remote = NULL;
  gint64 deadline;

  /* A bus without an activation file answers ServiceUnknown even while the
   * name is owned: never start a second daemon beside a running one. */
  if (name_has_owner (bus))
    return TRUE;
  reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "StartServiceByName", g_variant_new ("(su)", CW_DBUS_BUS_NAME, 0), G_VARIANT_TYPE ("(u)"),
    G_DBUS_CALL_FLAGS_NONE, (gint) timeout_s * 1000, NULL, &local);
  if (reply != NULL)
    return TRUE;
  remote = g_dbus_error_get_remote_error (local);
  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") != 0 || address == NULL)
    {
      g_dbus_error_strip_remote_error (local);
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_DAEMON,
                   _("chinwagd could not be started: %s"), local->message);
      return FALSE;
    }
  g_clear_error (&local);
  if (!spawn_daemon (address, &local))
    {
      g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_DAEMON,
                   _("chinwagd could not be started: %s"), local->message);
      return FALSE;
    }
  deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  while (!name_has_owner (bus))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, CW_CLIENT_ERROR, CW_CLIENT_ERROR_NO_DAEMON,
                       _("chinwagd did not come up within %u seconds"), timeout_s);
          return FALSE;
        }
      g_usleep (POLL_INTERVAL_US);
    }
  return TRUE;
}

CwChinwag1 *
cw_client_get_proxy (GDBusConnection *bus, GError **error)
{
  (void) CW_DBUS_ERROR; /* the error names, before the first call fails */
  return cw_chinwag1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, CW_DBUS_BUS_NAME,
                                     CW_DBUS_OBJECT_PATH, NULL, error);
}
