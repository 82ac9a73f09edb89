/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwag's subcommands for scripts: roster, send, status, watch, history, info. */
#include "config.h"

#include "frontends/cli.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dbus/dbus-api.h"

/* More than the daemon accepts (192 KiB escaped), so that it is the daemon
 * that refuses a long message with its own words; bounded all the same. */
#define MAX_STDIN_MESSAGE (4 * 1024 * 1024)
#define DEFAULT_WAIT_S 30

typedef gint (*CommandFunc) (CwChinwag1 *proxy, gint argc, gchar **argv);

typedef struct
{
  const gchar *name;
  const gchar *args;
  const gchar *summary;
  CommandFunc run;
} Command;

/* ---- output -------------------------------------------------------------- */

static gboolean opt_json;

/* A tab-separated field: tabs, newlines and backslashes escaped C-style. */
static void
append_field (GString *line, const gchar *text)
{
  for (const gchar *c = text; *c != '\0'; c++)
    switch (*c)
      {
      case '\\': g_string_append (line, "\\\\"); break;
      case '\n': g_string_append (line, "\\n"); break;
      case '\t': g_string_append (line, "\\t"); break;
      case '\r': g_string_append (line, "\\r"); break;
      default: g_string_append_c (line, *c);
      }
}

/* Prints @object as one line: JSON with --json, else its values in order,
 * tab-separated (the "event" member, when there is one, first). */
static void
print_object (JsonObject *object)
{
  g_autoptr (GString) line = g_string_new (NULL);
  GList *members = json_object_get_members (object);

  if (opt_json)
    {
      g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree gchar *text = json_to_string (node, FALSE);

      g_string_append (line, text);
    }
  else
    for (GList *l = members; l != NULL; l = l->next)
      {
        JsonNode *value = json_object_get_member (object, l->data);
        GType type = json_node_get_value_type (value);

        if (line->len > 0)
          g_string_append_c (line, '\t');
        if (type == G_TYPE_BOOLEAN)
          g_string_append (line, json_node_get_boolean (value) ? "yes" : "no");
        else if (type == G_TYPE_INT64)
          g_string_append_printf (line, "%" G_GINT64_FORMAT, json_node_get_int (value));
        else if (type == G_TYPE_STRING)
          append_field (line, json_node_get_string (value));
      }
  g_list_free (members);
  g_string_append_c (line, '\n');
  fputs (line->str, stdout);
  fflush (stdout);
}

gint
cw_cli_report_error (const GError *error)
{
  g_autoptr (GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  g_printerr ("chinwag: %s\n", copy->message);
  if (g_error_matches (error, CW_DBUS_ERROR, CW_DBUS_ERROR_UNKNOWN_PEER))
    return CW_EXIT_UNKNOWN_PEER;
  if (g_error_matches (error, CW_DBUS_ERROR, CW_DBUS_ERROR_INVALID_ARGUMENT)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS))
    return CW_EXIT_USAGE;
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return CW_EXIT_NO_DAEMON;
  return CW_EXIT_FAILED;
}

static gint
usage_error (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

static gint
usage_error (const gchar *format, ...)
{
  va_list ap;
  g_autofree gchar *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_printerr ("chinwag: %s\n", message);
  return CW_EXIT_USAGE;
}

/* Parses the subcommand's own options; leaves the positional arguments. */
static gboolean
parse_options (const gchar *command, const GOptionEntry *entries, gint *argc, gchar ***argv,
               gint *status)
{
  g_autoptr (GOptionContext) context = g_option_context_new (command);
  g_autoptr (GError) error = NULL;

  g_option_context_set_help_enabled (context, TRUE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (g_option_context_parse (context, argc, argv, &error))
    return TRUE;
  *status = usage_error ("%s", error->message);
  return FALSE;
}

static const GOptionEntry json_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("One JSON object per line"), NULL },
  { NULL }
};

/* ---- roster, status, info ------------------------------------------------------ */

static gint
cmd_roster (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) peers = NULL;
  GVariantIter iter;
  const gchar *name, *status, *message, *nick;
  gboolean reachable, verified;
  GVariant *addresses;
  gint rc = CW_EXIT_OK;

  if (!parse_options ("roster", json_entries, &argc, &argv, &rc))
    return rc;
  if (argc > 1)
    return usage_error (_("roster takes no arguments"));
  if (!cw_chinwag1_call_get_roster_sync (proxy, &peers, NULL, &error))
    return cw_cli_report_error (error);
  g_variant_iter_init (&iter, peers);
  while (g_variant_iter_next (&iter, "(&s&s&sb@as&sb)", &name, &status, &message, &reachable,
                              &addresses, &nick, &verified))
    {
      g_autoptr (JsonObject) o = json_object_new ();
      g_autofree const gchar **addrs = g_variant_get_strv (addresses, NULL);
      g_autofree gchar *joined = g_strjoinv (" ", (gchar **) addrs);

      json_object_set_string_member (o, "peer", name);
      json_object_set_string_member (o, "status", status);
      json_object_set_boolean_member (o, "reachable", reachable);
      json_object_set_string_member (o, "nick", nick);
      if (opt_json)
        {
          JsonArray *a = json_array_new ();

          for (guint i = 0; addrs[i] != NULL; i++)
            json_array_add_string_element (a, addrs[i]);
          json_object_set_array_member (o, "addresses", a);
        }
      else
        json_object_set_string_member (o, "addresses", joined);
      json_object_set_string_member (o, "message", message);
      json_object_set_boolean_member (o, "verified", verified);
      print_object (o);
      g_variant_unref (addresses);
    }
  return CW_EXIT_OK;
}

static gint
cmd_status (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *message = NULL;
  gint rc = CW_EXIT_OK;

  if (!parse_options ("status [avail|away|dnd [MESSAGE…]]", json_entries, &argc, &argv, &rc))
    return rc;
  if (argc > 1)
    {
      g_autofree gchar *text = g_strjoinv (" ", argv + 2);

      if (!g_utf8_validate (text, -1, NULL))
        return usage_error (_("the status message is not valid UTF-8"));
      if (!cw_chinwag1_call_set_presence_sync (proxy, argv[1], text, NULL, &error))
        return cw_cli_report_error (error);
      return CW_EXIT_OK;
    }
  if (!cw_chinwag1_call_get_presence_sync (proxy, &status, &message, NULL, &error))
    return cw_cli_report_error (error);
  {
    g_autoptr (JsonObject) o = json_object_new ();

    json_object_set_string_member (o, "status", status);
    json_object_set_string_member (o, "message", message);
    print_object (o);
  }
  return CW_EXIT_OK;
}

static gint
cmd_info (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) info = NULL;
  g_autoptr (JsonObject) o = json_object_new ();
  GVariantIter iter;
  const gchar *key;
  GVariant *value;
  gint rc = CW_EXIT_OK;

  if (!parse_options ("info", json_entries, &argc, &argv, &rc))
    return rc;
  if (argc > 1)
    return usage_error (_("info takes no arguments"));
  if (!cw_chinwag1_call_get_info_sync (proxy, &info, NULL, &error))
    return cw_cli_report_error (error);
  g_variant_iter_init (&iter, info);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        json_object_set_string_member (o, key, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
        json_object_set_int_member (o, key, g_variant_get_uint16 (value));
      g_variant_unref (value);
    }
  if (opt_json)
    print_object (o);
  else
    {
      GList *members = json_object_get_members (o);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr (JsonObject) kv = json_object_new ();
          JsonNode *v = json_object_get_member (o, l->data);

          json_object_set_string_member (kv, "key", l->data);
          json_object_set_member (kv, "value", json_node_copy (v));
          print_object (kv);
        }
      g_list_free (members);
    }
  return CW_EXIT_OK;
}

/* ---- history --------------------------------------------------------------------- */

static gint
cmd_history (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  static gint limit = 20;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("One JSON object per line"), NULL },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, N_("Show the last N messages (default 20)"),
      "N" },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) page = NULL;
  gint rc = CW_EXIT_OK;

  if (!parse_options ("history PEER", entries, &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return usage_error (_("usage: chinwag history PEER"));
  if (limit < 1 || limit > 1000)
    return usage_error (_("--limit must be between 1 and 1000"));
  if (!g_utf8_validate (argv[1], -1, NULL))
    return usage_error (_("the peer name is not valid UTF-8"));
  if (!cw_chinwag1_call_get_history_sync (proxy, argv[1], 0, (guint) limit, &page, NULL, &error))
    return cw_cli_report_error (error);
  /* The page is newest first; a reader wants the conversation in order. */
  for (gsize i = g_variant_n_children (page); i-- > 0;)
    {
      g_autoptr (JsonObject) o = json_object_new ();
      g_autoptr (GDateTime) t = NULL;
      g_autofree gchar *when = NULL;
      const gchar *direction, *state, *body;
      gint64 id, created;

      g_variant_get_child (page, i, "(x&s&s&sx)", &id, &direction, &state, &body, &created);
      t = g_date_time_new_from_unix_utc (created / G_USEC_PER_SEC);
      when = t != NULL ? g_date_time_format_iso8601 (t) : g_strdup ("");
      json_object_set_int_member (o, "id", id);
      json_object_set_string_member (o, "time", when);
      json_object_set_string_member (o, "direction", direction);
      json_object_set_string_member (o, "state", state);
      json_object_set_string_member (o, "body", body);
      print_object (o);
    }
  return CW_EXIT_OK;
}

/* ---- send -------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  gint64 id;
  gint status;
} SendWait;

static void
on_send_state (CwChinwag1 *proxy, gint64 id, const gchar *peer, const gchar *state,
               SendWait *w)
{
  if (id != w->id)
    return;
  if (strcmp (state, "delivered") == 0)
    w->status = CW_EXIT_OK;
  else if (strcmp (state, "failed") == 0)
    w->status = CW_EXIT_FAILED;
  else
    return;
  g_main_loop_quit (w->loop);
}

static gboolean
on_send_timeout (gpointer data)
{
  g_main_loop_quit (((SendWait *) data)->loop);
  return G_SOURCE_REMOVE;
}

/* The whole of stdin, bounded; one trailing newline dropped. */
static gchar *
read_stdin (GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gchar buf[65536];
  gsize n;

  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    {
      g_string_append_len (text, buf, (gssize) n);
      if (text->len > MAX_STDIN_MESSAGE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       _("the message is too long"));
          return NULL;
        }
    }
  if (ferror (stdin))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("cannot read standard input"));
      return NULL;
    }
  if (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gint
wait_for_delivery (CwChinwag1 *proxy, gint64 id, gint timeout_s)
{
  SendWait w = { g_main_loop_new (NULL, FALSE), id, CW_EXIT_TIMEOUT };
  gulong handler = g_signal_connect (proxy, "message-state-changed", G_CALLBACK (on_send_state),
                                     &w);
  guint timer = g_timeout_add_seconds ((guint) timeout_s, on_send_timeout, &w);

  g_main_loop_run (w.loop);
  g_signal_handler_disconnect (proxy, handler);
  if (w.status != CW_EXIT_TIMEOUT)
    g_source_remove (timer);
  g_main_loop_unref (w.loop);
  if (w.status != CW_EXIT_OK)
    {
      g_autofree gchar *ids = g_strdup_printf ("%" G_GINT64_FORMAT, id);

      if (w.status == CW_EXIT_FAILED)
        g_printerr (_("chinwag: message %s could not be delivered\n"), ids);
      else
        g_printerr (_("chinwag: message %s not delivered within %d seconds; it stays queued\n"),
                    ids, timeout_s);
    }
  return w.status;
}

static gint
cmd_send (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  static gboolean wait;
  static gint timeout_s = DEFAULT_WAIT_S;
  const GOptionEntry entries[] = {
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait,
      N_("Wait until the message is delivered or has failed"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
      N_("With --wait, give up after SECONDS (default 30)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *body = NULL;
  gint64 id = 0;
  gint rc = CW_EXIT_OK;

  if (!parse_options ("send PEER [TEXT…|-]", entries, &argc, &argv, &rc))
    return rc;
  if (argc < 2)
    return usage_error (_("usage: chinwag send PEER [TEXT…|-]"));
  if (timeout_s < 1)
    return usage_error (_("--timeout must be at least 1 second"));
  if (!g_utf8_validate (argv[1], -1, NULL))
    return usage_error (_("the peer name is not valid UTF-8"));
  if (argc == 2 || (argc == 3 && strcmp (argv[2], "-") == 0))
    body = read_stdin (&error);
  else
    body = g_strjoinv (" ", argv + 2);
  if (body == NULL)
    return usage_error ("%s", error->message);
  /* D-Bus can only carry UTF-8: say so here rather than lose the bus. */
  if (!g_utf8_validate (body, -1, NULL))
    return usage_error (_("the message is not valid UTF-8"));
  if (!cw_chinwag1_call_send_message_sync (proxy, argv[1], body, &id, NULL, &error))
    return cw_cli_report_error (error);
  g_print ("%" G_GINT64_FORMAT "\n", id);
  fflush (stdout);
  return wait ? wait_for_delivery (proxy, id, timeout_s) : CW_EXIT_OK;
}

/* ---- watch --------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  gint status;
} Watch;

static void
emit (Watch *w, JsonObject *o)
{
  print_object (o);
  if (ferror (stdout))
    {
      w->status = CW_EXIT_OK; /* the reader went away: done */
      g_main_loop_quit (w->loop);
    }
}

static JsonObject *
event_new (const gchar *event)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "event", event);
  return o;
}

static void
on_roster (CwChinwag1 *p, const gchar *name, const gchar *change, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("roster");

  json_object_set_string_member (o, "peer", name);
  json_object_set_string_member (o, "change", change);
  emit (w, o);
}

static void
on_presence (CwChinwag1 *p, const gchar *name, const gchar *status, const gchar *message,
             gboolean reachable, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("presence");

  json_object_set_string_member (o, "peer", name);
  json_object_set_string_member (o, "status", status);
  json_object_set_boolean_member (o, "reachable", reachable);
  json_object_set_string_member (o, "message", message);
  emit (w, o);
}

static void
on_message (CwChinwag1 *p, const gchar *peer, gint64 id, const gchar *body, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("message");

  json_object_set_string_member (o, "peer", peer);
  json_object_set_int_member (o, "id", id);
  json_object_set_string_member (o, "body", body);
  emit (w, o);
}

static void
on_state (CwChinwag1 *p, gint64 id, const gchar *peer, const gchar *state, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("state");

  json_object_set_int_member (o, "id", id);
  json_object_set_string_member (o, "peer", peer);
  json_object_set_string_member (o, "state", state);
  emit (w, o);
}

static void
on_chat_state (CwChinwag1 *p, const gchar *peer, const gchar *state, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("chatstate");

  json_object_set_string_member (o, "peer", peer);
  json_object_set_string_member (o, "state", state);
  emit (w, o);
}

static void
on_name (CwChinwag1 *p, const gchar *name, Watch *w)
{
  g_autoptr (JsonObject) o = event_new ("name");

  json_object_set_string_member (o, "name", name);
  emit (w, o);
}

static void
on_owner (GObject *proxy, GParamSpec *pspec, Watch *w)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  g_autoptr (JsonObject) o = event_new ("daemon");

  json_object_set_string_member (o, "state", owner != NULL ? "running" : "gone");
  emit (w, o);
}

static gboolean
on_quit_signal (gpointer data)
{
  g_main_loop_quit (((Watch *) data)->loop);
  return G_SOURCE_CONTINUE;
}

static gint
cmd_watch (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  Watch w = { g_main_loop_new (NULL, FALSE), CW_EXIT_OK };
  gint rc = CW_EXIT_OK;
  guint sources[2];

  if (!parse_options ("watch", json_entries, &argc, &argv, &rc))
    return rc;
  if (argc > 1)
    return usage_error (_("watch takes no arguments"));
  g_signal_connect (proxy, "roster-changed", G_CALLBACK (on_roster), &w);
  g_signal_connect (proxy, "presence-changed", G_CALLBACK (on_presence), &w);
  g_signal_connect (proxy, "message-received", G_CALLBACK (on_message), &w);
  g_signal_connect (proxy, "message-state-changed", G_CALLBACK (on_state), &w);
  g_signal_connect (proxy, "chat-state", G_CALLBACK (on_chat_state), &w);
  g_signal_connect (proxy, "name-changed", G_CALLBACK (on_name), &w);
  g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (on_owner), &w);
  sources[0] = g_unix_signal_add (SIGINT, on_quit_signal, &w);
  sources[1] = g_unix_signal_add (SIGTERM, on_quit_signal, &w);
  g_main_loop_run (w.loop);
  g_signal_handlers_disconnect_by_data (proxy, &w);
  g_source_remove (sources[0]);
  g_source_remove (sources[1]);
  g_main_loop_unref (w.loop);
  return w.status;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static const Command commands[] = {
  { "roster", "[--json]", N_("List the peers nearby with their presence"), cmd_roster },
  { "send", "PEER [TEXT…|-] [--wait]", N_("Send a message (TEXT, or standard input)"),
    cmd_send },
  { "status", "[avail|away|dnd [MESSAGE…]]", N_("Show or set our presence"), cmd_status },
  { "watch", "[--json]", N_("Print events as they happen, one per line"), cmd_watch },
  { "history", "PEER [--limit N] [--json]", N_("Show the conversation with a peer"),
    cmd_history },
  { "info", "[--json]", N_("Show facts about the running chinwagd"), cmd_info },
};

static const Command *
find_command (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

gboolean
cw_cli_is_command (const gchar *name)
{
  return find_command (name) != NULL;
}

gchar *
cw_cli_describe_commands (void)
{
  GString *s = g_string_new (_("Commands (without one, in a terminal: the chat window):"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].args);

      g_string_append_printf (s, "\n  %-40s %s", usage, _(commands[i].summary));
    }
  return g_string_free (s, FALSE);
}

gint
cw_cli_run (CwChinwag1 *proxy, gint argc, gchar **argv)
{
  const Command *command = find_command (argv[0]);

  if (command == NULL)
    return usage_error (_("unknown command '%s' (see chinwag --help)"), argv[0]);
  return command->run (proxy, argc, argv);
}
