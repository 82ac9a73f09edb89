/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwControl: a line-based command socket for tests and people (until D-Bus). */
#include "config.h"
#include "daemon/control.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>


typedef struct
{
  gchar *name;
  gint n_words;
  CwControlHandler handler;
  gpointer user_data;
} Command;

struct _CwControlClient
{
  CwControl *control;          /* unowned */
  GSocketConnection *conn;     /* owned */
  GDataInputStream *in;        /* owned */
  GOutputStream *out;          /* unowned (conn's) */
  GCancellable *cancellable;   /* owned */
  GString *pending;            /* owned: output the socket did not take yet */
  GSource *flush_source;       /* owned, nullable: waits for the socket to drain */
  gboolean watching;
  gboolean dead;               /* write failed or too far behind: dropped soon */
  guint drop_id;               /* the idle that drops a dead client */
};

struct _CwControl
{
  GObject parent;
  GSocketService *service;     /* owned */
  gchar *path;                 /* owned */
  GHashTable *commands;        /* name -> owned Command */
  GPtrArray *clients;          /* owned CwControlClient * */
};

G_DEFINE_TYPE (CwControl, cw_control, G_TYPE_OBJECT)

static void read_next (CwControlClient *client);

static void
command_free (gpointer data)
{
  Command *c = data;

  g_free (c->name);
  g_free (c);
}

static void
client_free (gpointer data)
{
  CwControlClient *client = data;

  g_cancellable_cancel (client->cancellable);
  g_object_unref (client->cancellable);
  if (client->flush_source != NULL)
    {
      g_source_destroy (client->flush_source);
      g_source_unref (client->flush_source);
    }
  g_string_free (client->pending, TRUE);
  g_clear_handle_id (&client->drop_id, g_source_remove);
  g_object_unref (client->in);
  g_io_stream_close (G_IO_STREAM (client->conn), NULL, NULL);
  g_object_unref (client->conn);
  g_free (client);
}

static void
client_drop (CwControlClient *client)
{
  g_ptr_array_remove_fast (client->control->clients, client);
}

/* A client that stops reading must never stall the daemon: output is
 * written without blocking, the rest kept and flushed when the socket
 * drains, and a client more than MAX_PENDING behind is dropped. */
#define MAX_PENDING (4 * 1024 * 1024)

static gboolean flush_pending (CwControlClient *client);

static gboolean
on_writable (GObject *stream, gpointer data)
{
  CwControlClient *client = data;

  g_clear_pointer (&client->flush_source, g_source_unref);
  if (!flush_pending (client))
    client_drop (client);
  return G_SOURCE_REMOVE;
}

/* Returns FALSE when the client is gone for good. */
static gboolean
flush_pending (CwControlClient *client)
{
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (client->out);
  g_autoptr (GError) error = NULL;

  while (client->pending->len > 0)
    {
      gssize n = g_pollable_output_stream_write_nonblocking (out, client->pending->str,
                                                             client->pending->len, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (client->flush_source == NULL)
            {
              client->flush_source = g_pollable_output_stream_create_source (out, NULL);
              g_source_set_callback (client->flush_source, G_SOURCE_FUNC (on_writable), client,
                                     NULL);
              g_source_attach (client->flush_source, NULL);
            }
          return TRUE;
        }
      if (n < 0)
        {
          g_debug ("control client write failed: %s", error->message);
          return FALSE;
        }
      g_string_erase (client->pending, 0, n);
    }
  return TRUE;
}

static gboolean
drop_later (gpointer data)
{
  CwControlClient *client = data;

  client->drop_id = 0;
  client_drop (client);
  return G_SOURCE_REMOVE;
}

static void
client_write (CwControlClient *client, const gchar *line)
{
  if (client->dead)
    return;
  g_string_append (client->pending, line);
  g_string_append_c (client->pending, '\n');
  if (client->pending->len > MAX_PENDING || (client->flush_source == NULL && !flush_pending (client)))
    {
      /* Not from inside a broadcast loop over the clients: later. */
      client->dead = TRUE;
      client->drop_id = g_idle_add (drop_later, client);
    }
}

void
cw_control_client_data (CwControlClient *client, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *line = NULL;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  /* Data lines never start like a status line, whatever a peer put in. */
  g_strdelimit (line, "\r\n", ' ');
  client_write (client, line);
}

void
cw_control_client_ok (CwControlClient *client, const gchar *info)
{
  g_autofree gchar *line = info != NULL ? g_strconcat ("ok ", info, NULL) : g_strdup ("ok");

  client_write (client, line);
}

void
cw_control_client_error (CwControlClient *client, const gchar *code, const gchar *message)
{
  g_autofree gchar *line = g_strdup_printf ("error %s %s", code, message);

  g_strdelimit (line, "\r\n", ' ');
  client_write (client, line);
}

void
cw_control_client_watch (CwControlClient *client)
{
  client->watching = TRUE;
}

void
cw_control_broadcast (CwControl *self, const gchar *line)
{
  g_autofree gchar *clean = g_strdelimit (g_strdup (line), "\r\n", ' ');

  for (guint i = 0; i < self->clients->len; i++)
    {
      CwControlClient *client = g_ptr_array_index (self->clients, i);

      if (client->watching)
        client_write (client, clean);
    }
}

/* Splits "send juliet@capulet hello there" into {send, juliet@capulet,
 * "hello there"} when the command takes one word then free text. */
static gchar **
split_command (CwControl *self, const gchar *line, Command **out_cmd)
{
  g_autofree gchar *name = NULL;
  const gchar *rest = line + strcspn (line, " ");
  Command *cmd;
  GPtrArray *argv;

  name = g_strndup (line, rest - line);
  cmd = g_hash_table_lookup (self->commands, name);
  *out_cmd = cmd;
  if (cmd == NULL)
    return NULL;
  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, g_strdup (name));
  for (gint i = 0; cmd->n_words < 0 || i < cmd->n_words; i++)
    {
      rest += strspn (rest, " ");
      if (*rest == '\0')
        break;
      g_ptr_array_add (argv, g_strndup (rest, strcspn (rest, " ")));
      rest += strcspn (rest, " ");
    }
  if (cmd->n_words >= 0 && *rest == ' ' && rest[1] != '\0')
    g_ptr_array_add (argv, g_strdup (rest + 1));
  g_ptr_array_add (argv, NULL);
  return (gchar **) g_ptr_array_free (argv, FALSE);
}

static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  CwControlClient *client = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (client->in, res, NULL, &error);
  g_auto (GStrv) argv = NULL;
  Command *cmd;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      if (error != NULL && error->domain == G_CONVERT_ERROR)
        cw_control_client_error (client, "invalid-utf8", "the command is not valid UTF-8");
      client_drop (client);
      return;
    }
  g_strchomp (line);
  argv = *line != '\0' ? split_command (client->control, line, &cmd) : NULL;
  if (*line == '\0')
    ;
  else if (argv == NULL)
    cw_control_client_error (client, "unknown-command", _("unknown command; try: roster, send, status, history, info, watch"));
  else
    cmd->handler (client, argv, cmd->user_data);
  read_next (client);
}

static void
read_next (CwControlClient *client)
{
  g_data_input_stream_read_line_async (client->in, G_PRIORITY_DEFAULT, client->cancellable,
                                       on_line, client);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  CwControl *self = data;
  CwControlClient *client = g_new0 (CwControlClient, 1);

  client->control = self;
  client->conn = g_object_ref (conn);
  client->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  client->out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  client->cancellable = g_cancellable_new ();
  client->pending = g_string_new (NULL);
  g_ptr_array_add (self->clients, client);
  read_next (client);
  return TRUE;
}

CwControl *
cw_control_new (const gchar *socket_path, GError **error)
{
  g_autoptr (CwControl) self = g_object_new (CW_TYPE_CONTROL, NULL);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (socket_path);
  g_autofree gchar *dir = g_path_get_dirname (socket_path);

  g_mkdir_with_parents (dir, 0700);
  /* A socket left by a daemon that died; a live one would still answer. */
  if (cw_control_run_client (socket_path, NULL) != 3)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   _("another chinwagd already listens on %s"), socket_path);
      return NULL;
    }
  g_unlink (socket_path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), addr,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      error))
    return NULL;
  g_chmod (socket_path, 0600);
  self->path = g_strdup (socket_path);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return g_steal_pointer (&self);
}

void
cw_control_register (CwControl *self, const gchar *command, gint n_words,
                     CwControlHandler handler, gpointer user_data)
{
  Command *c = g_new0 (Command, 1);

  c->name = g_strdup (command);
  c->n_words = n_words;
  c->handler = handler;
  c->user_data = user_data;
  g_hash_table_replace (self->commands, c->name, c);
}

static void
cw_control_finalize (GObject *object)
{
  CwControl *self = CW_CONTROL (object);

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_ptr_array_unref (self->clients);
  g_hash_table_destroy (self->commands);
  if (self->path != NULL)
    g_unlink (self->path);
  g_free (self->path);
  G_OBJECT_CLASS (cw_control_parent_class)->finalize (object);
}

static void
cw_control_class_init (CwControlClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_control_finalize;
}

static void
cw_control_init (CwControl *self)
{
  self->service = g_socket_service_new ();
  self->commands = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, command_free);
  self->clients = g_ptr_array_new_with_free_func (client_free);
}

/* ---- client side ------------------------------------------------------ */

static int
status_exit_code (const gchar *line)
{
  if (g_str_has_prefix (line, "error unknown-peer"))
    return 2;
  return 1;
}

int
cw_control_run_client (const gchar *socket_path, const gchar *command_line)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (socket_path);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *req = NULL;
  gchar *line;

  conn = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  if (conn == NULL)
    {
      if (command_line != NULL)
        g_printerr (_("chinwag: cannot reach chinwagd at %s: %s\n"), socket_path, error->message);
      return 3;
    }
  if (command_line == NULL)
    return 0;
  req = g_strconcat (command_line, "\n", NULL);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req,
                                  strlen (req), NULL, NULL, &error))
    {
      g_printerr (_("chinwag: %s\n"), error->message);
      return 3;
    }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error)) != NULL)
    {
      g_autofree gchar *owned = line;

      if (strcmp (line, "ok") == 0 || g_str_has_prefix (line, "ok "))
        {
          if (line[2] != '\0')
            printf ("%s\n", line + 3);
          fflush (stdout);
          if (!g_str_has_prefix (command_line, "watch"))
            return 0;
          continue;
        }
      if (g_str_has_prefix (line, "error "))
        {
          g_printerr ("chinwag: %s\n", line + 6);
          return status_exit_code (line);
        }
      printf ("%s\n", line);
      fflush (stdout);
    }
  if (error != NULL)
    g_printerr (_("chinwag: %s\n"), error->message);
  return 3;
}
