/* SPDX-License-Identifier: GPL-3.0-or-later */
/* purple-harness: a minimal libpurple client with one Bonjour account, driven
 * line by line for the interoperability test (tests/integration/interop-purple.sh).
 *
 *   purple-harness ACCOUNT USERDIR      e.g. purple-harness bob@h2 /tmp/x/purple
 *
 * Commands, one per line on stdin (free text is the rest of the line):
 *   send NAME TEXT               an IM to NAME (TEXT is plain text, not HTML)
 *   status available|away [MSG]  our Bonjour presence
 *   buddies                      one "buddy" line per known buddy, then "done buddies"
 *   quit                         sign off and exit (so does EOF or SIGTERM/SIGINT)
 * Events, one tab-separated line each on stdout:
 *   online ACCOUNT                        the account is connected (published)
 *   error REASON TEXT                     a connection error
 *   buddy NAME STATUS-ID MESSAGE          a buddy appeared or changed (STATUS-ID is
 *                                         libpurple's: available, away, offline)
 *   message FROM TEXT                     an IM arrived (the text as libpurple gives it
 *                                         to a UI: HTML, though Bonjour passes a plain body as is)
 *   sent NAME                             "send" handed the IM to libpurple
 *   notice NAME TEXT                      a system/error line libpurple wrote in a conversation
 *   done COMMAND / error usage TEXT       after each command
 * libpurple's debug log goes to stderr when CW_PURPLE_DEBUG=1. */
#include "config.h"

#include <glib-unix.h>
#include <glib.h>
#include <purple.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI_ID "chinwag-purple-harness"

static GMainLoop *loop;
static PurpleAccount *account;
static GHashTable *shown; /* buddy name -> last printed "status\tmessage" */
static gboolean quitting;

/* ---- output ----------------------------------------------------------------- */

/* Tabs and newlines would break the line format. */
static gchar *
one_line (const gchar *s)
{
  gchar *r = g_strdup (s != NULL ? s : "");

  for (gchar *p = r; *p != '\0'; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r')
      *p = ' ';
  return r;
}

static void G_GNUC_PRINTF (1, 2)
emit (const gchar *format, ...)
{
  va_list ap;

  va_start (ap, format);
  vprintf (format, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
}

static void
print_to_stderr (const gchar *s)
{
  fputs (s, stderr);
}

/* ---- the GLib event loop for libpurple (see libpurple/eventloop.h) ---------- */

typedef struct
{
  PurpleInputFunction func;
  gpointer data;
} InputClosure;

static gboolean
input_dispatch (GIOChannel *channel, GIOCondition cond, gpointer data)
{
  InputClosure *c = data;
  PurpleInputCondition pc = 0;

  if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
    pc |= PURPLE_INPUT_READ;
  if (cond & (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL))
    pc |= PURPLE_INPUT_WRITE;
  c->func (c->data, g_io_channel_unix_get_fd (channel), pc);
  return G_SOURCE_CONTINUE;
}

static guint
input_add (int fd, PurpleInputCondition cond, PurpleInputFunction func, gpointer data)
{
  InputClosure *c = g_new0 (InputClosure, 1);
  GIOChannel *channel = g_io_channel_unix_new (fd);
  GIOCondition gc = 0;
  guint id;

  c->func = func;
  c->data = data;
  if (cond & PURPLE_INPUT_READ)
    gc |= G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (cond & PURPLE_INPUT_WRITE)
    gc |= G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL;
  id = g_io_add_watch_full (channel, G_PRIORITY_DEFAULT, gc, input_dispatch, c, g_free);
  g_io_channel_unref (channel);
  return id;
}

static PurpleEventLoopUiOps eventloop_ops = {
  .timeout_add = g_timeout_add,
  .timeout_remove = g_source_remove,
  .input_add = input_add,
  .input_remove = g_source_remove,
  .input_get_error = NULL,
  .timeout_add_seconds = g_timeout_add_seconds,
};

/* ---- buddies ----------------------------------------------------------------- */

static gchar *
buddy_state (PurpleBuddy *b)
{
  PurplePresence *presence = purple_buddy_get_presence (b);
  PurpleStatus *status = purple_presence_get_active_status (presence);
  g_autofree gchar *msg = one_line (purple_status_get_attr_string (status, "message"));

  return g_strdup_printf ("%s\t%s", purple_status_get_id (status), msg);
}

/* Prints a line for every buddy whose state differs from what was last
 * printed; libpurple's signals do not fire for every change (a new status
 * message under the same status, for one), so this also runs on a timer. */
static void
report_buddies (gboolean all)
{
  GSList *buddies = purple_find_buddies (account, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer key;

  for (GSList *l = buddies; l != NULL; l = l->next)
    {
      PurpleBuddy *b = l->data;
      const gchar *name = purple_buddy_get_name (b);
      g_autofree gchar *state = buddy_state (b);
      const gchar *old = g_hash_table_lookup (shown, name);

      g_hash_table_add (seen, (gpointer) name);
      if (all || old == NULL || strcmp (old, state) != 0)
        emit ("buddy\t%s\t%s", name, state);
      g_hash_table_replace (shown, g_strdup (name), g_steal_pointer (&state));
    }
  g_slist_free (buddies);
  /* removed buddies (a Bonjour peer that left) */
  g_hash_table_iter_init (&it, shown);
  while (g_hash_table_iter_next (&it, &key, NULL))
    if (!g_hash_table_contains (seen, key))
      {
        emit ("buddy\t%s\toffline\t", (const gchar *) key);
        g_hash_table_iter_remove (&it);
      }
}

static gboolean
on_poll (gpointer data)
{
  if (account != NULL && purple_account_is_connected (account))
    report_buddies (FALSE);
  return G_SOURCE_CONTINUE;
}

static void
on_buddy_changed (PurpleBuddy *b, gpointer data)
{
  if (purple_buddy_get_account (b) == account)
    report_buddies (FALSE);
}

/* ---- conversations -------------------------------------------------------------- */

static void
on_received_im (PurpleAccount *acct, const gchar *sender, const gchar *text,
                PurpleConversation *conv, PurpleMessageFlags flags, gpointer data)
{
  /* as libpurple hands it to a UI: no unescaping or stripping here */
  g_autofree gchar *line = one_line (text);

  emit ("message\t%s\t%s", sender, line);
}

static void
write_conv (PurpleConversation *conv, const char *who, const char *alias, const char *text,
            PurpleMessageFlags flags, time_t mtime)
{
  if (flags & (PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_ERROR))
    {
      g_autofree gchar *plain = purple_markup_strip_html (text);
      g_autofree gchar *line = one_line (plain);

      emit ("notice\t%s\t%s", purple_conversation_get_name (conv), line);
    }
}

static PurpleConversationUiOps conv_ops = {
  .write_conv = write_conv,
};

static void
ui_init (void)
{
  purple_conversations_set_ui_ops (&conv_ops);
}

static PurpleCoreUiOps core_ops = {
  .ui_init = ui_init,
};

/* ---- the account ----------------------------------------------------------------- */

static void
on_signed_on (PurpleConnection *gc, gpointer data)
{
  emit ("online\t%s", purple_account_get_username (purple_connection_get_account (gc)));
}

static void
on_connection_error (PurpleConnection *gc, PurpleConnectionError reason, const gchar *desc,
                     gpointer data)
{
  g_autofree gchar *line = one_line (desc);

  emit ("error\t%d\t%s", (int) reason, line);
}

/* ---- commands ----------------------------------------------------------------- */

static void
cmd_send (const gchar *args)
{
  g_auto (GStrv) w = g_strsplit (args != NULL ? args : "", " ", 2);
  PurpleConversation *conv;
  g_autofree gchar *html = NULL;

  if (w[0] == NULL || w[1] == NULL || *w[0] == '\0')
    {
      emit ("error\tusage\tsend NAME TEXT");
      return;
    }
  conv = purple_find_conversation_with_account (PURPLE_CONV_TYPE_IM, w[0], account);
  if (conv == NULL)
    conv = purple_conversation_new (PURPLE_CONV_TYPE_IM, account, w[0]);
  /* an IM is HTML to libpurple; the command gives plain text */
  html = g_markup_escape_text (w[1], -1);
  purple_conv_im_send (PURPLE_CONV_IM (conv), html);
  emit ("sent\t%s", w[0]);
  emit ("done\tsend");
}

static void
cmd_status (const gchar *args)
{
  g_auto (GStrv) w = g_strsplit (args != NULL ? args : "", " ", 2);

  if (w[0] == NULL || (strcmp (w[0], "available") != 0 && strcmp (w[0], "away") != 0))
    {
      emit ("error\tusage\tstatus available|away [MESSAGE]");
      return;
    }
  if (w[1] != NULL && *w[1] != '\0')
    purple_account_set_status (account, w[0], TRUE, "message", w[1], NULL);
  else
    purple_account_set_status (account, w[0], TRUE, NULL);
  emit ("done\tstatus");
}

static void
quit (void)
{
  if (quitting)
    return;
  quitting = TRUE;
  /* signs off: the Bonjour service is withdrawn, open streams are closed */
  if (account != NULL)
    purple_account_set_enabled (account, UI_ID, FALSE);
  g_main_loop_quit (loop);
}

static void
run_command (gchar *line)
{
  gchar *args;

  g_strchomp (line);
  args = strchr (line, ' ');
  if (args != NULL)
    *args++ = '\0';
  if (*line == '\0')
    return;
  if (strcmp (line, "send") == 0)
    cmd_send (args);
  else if (strcmp (line, "status") == 0)
    cmd_status (args);
  else if (strcmp (line, "buddies") == 0)
    {
      report_buddies (TRUE);
      emit ("done\tbuddies");
    }
  else if (strcmp (line, "quit") == 0)
    {
      emit ("done\tquit");
      quit ();
    }
  else
    emit ("error\tusage\tunknown command '%s'", line);
}

static gboolean
on_stdin (GIOChannel *channel, GIOCondition cond, gpointer data)
{
  g_autofree gchar *line = NULL;
  GIOStatus st;

  do
    {
      g_clear_pointer (&line, g_free);
      st = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
      if (st == G_IO_STATUS_NORMAL)
        run_command (line);
    }
  while (st == G_IO_STATUS_NORMAL && g_io_channel_get_buffer_condition (channel) & G_IO_IN);
  if (st == G_IO_STATUS_EOF || st == G_IO_STATUS_ERROR)
    {
      quit ();
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  quit ();
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  static int handle;
  GIOChannel *in;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s ACCOUNT USERDIR\n", argv[0]);
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  /* libpurple forks for DNS lookups and does not reap the children itself */
  signal (SIGCHLD, SIG_IGN);
  /* libpurple exports itself on the session bus: never autolaunch one */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/chinwag-no-session-bus", TRUE);
  g_set_print_handler (print_to_stderr); /* libpurple's debug log uses g_print */

  loop = g_main_loop_new (NULL, FALSE);
  shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  purple_util_set_user_dir (argv[2]);
  purple_debug_set_enabled (g_strcmp0 (g_getenv ("CW_PURPLE_DEBUG"), "1") == 0);
  purple_core_set_ui_ops (&core_ops);
  purple_eventloop_set_ui_ops (&eventloop_ops);
  if (!purple_core_init (UI_ID))
    {
      fprintf (stderr, "purple-harness: libpurple initialization failed\n");
      return 1;
    }
  purple_set_blist (purple_blist_new ());
  purple_blist_load ();
  purple_prefs_load ();
  if (purple_find_prpl ("prpl-bonjour") == NULL)
    {
      fprintf (stderr, "purple-harness: libpurple has no Bonjour protocol plugin\n");
      return 1;
    }

  purple_signal_connect (purple_connections_get_handle (), "signed-on", &handle,
                         PURPLE_CALLBACK (on_signed_on), NULL);
  purple_signal_connect (purple_connections_get_handle (), "connection-error", &handle,
                         PURPLE_CALLBACK (on_connection_error), NULL);
  purple_signal_connect (purple_blist_get_handle (), "buddy-status-changed", &handle,
                         PURPLE_CALLBACK (on_buddy_changed), NULL);
  purple_signal_connect (purple_blist_get_handle (), "buddy-signed-on", &handle,
                         PURPLE_CALLBACK (on_buddy_changed), NULL);
  purple_signal_connect (purple_blist_get_handle (), "buddy-signed-off", &handle,
                         PURPLE_CALLBACK (on_buddy_changed), NULL);
  purple_signal_connect (purple_conversations_get_handle (), "received-im-msg", &handle,
                         PURPLE_CALLBACK (on_received_im), NULL);

  account = purple_account_new (argv[1], "prpl-bonjour");
  purple_account_set_string (account, "first", "Purple");
  purple_account_set_string (account, "last", "Harness");
  purple_accounts_add (account);
  purple_account_set_status (account, "available", TRUE, NULL);
  purple_account_set_enabled (account, UI_ID, TRUE);
  purple_savedstatus_activate (purple_savedstatus_new (NULL, PURPLE_STATUS_AVAILABLE));

  in = g_io_channel_unix_new (0);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
  g_io_channel_unref (in);
  g_timeout_add (200, on_poll, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_unix_signal_add (SIGINT, on_signal, NULL);

  g_main_loop_run (loop);
  purple_core_quit ();
  g_hash_table_unref (shown);
  g_main_loop_unref (loop);
  return 0;
}
