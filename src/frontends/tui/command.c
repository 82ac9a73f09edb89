/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a line typed into the chat window means: text to send, or a /command. */
#include "config.h"

#include "frontends/tui/command.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (cw-tui-error-quark, cw_tui_error)

void
cw_tui_command_free (CwTuiCommand *command)
{
  if (command == NULL)
    return;
  g_free (command->peer);
  g_free (command->status);
  g_free (command->text);
  g_free (command);
}

static CwTuiCommand *
command_new (CwTuiCommandKind kind)
{
  CwTuiCommand *command = g_new0 (CwTuiCommand, 1);

  command->kind = kind;
  return command;
}

/* Splits "word rest" at the first run of spaces; @rest is NULL when empty. */
static gchar *
split_word (const gchar *args, gchar **rest)
{
  const gchar *end = args;
  const gchar *next;

  while (*end != '\0' && !g_ascii_isspace (*end))
    end++;
  next = end;
  while (g_ascii_isspace (*next))
    next++;
  *rest = *next != '\0' ? g_strdup (next) : NULL;
  return end > args ? g_strndup (args, (gsize) (end - args)) : NULL;
}

static CwTuiCommand *
parse_msg (const gchar *args, GError **error)
{
  g_autoptr (CwTuiCommand) command = command_new (CW_TUI_COMMAND_MSG);

  command->peer = split_word (args, &command->text);
  if (command->peer == NULL)
    {
      g_set_error (error, CW_TUI_ERROR, CW_TUI_ERROR_USAGE, _("Usage: /msg PEER [TEXT]"));
      return NULL;
    }
  return g_steal_pointer (&command);
}

static CwTuiCommand *
parse_status (const gchar *args, GError **error)
{
  g_autoptr (CwTuiCommand) command = command_new (CW_TUI_COMMAND_STATUS);

  command->status = split_word (args, &command->text);
  if (command->status == NULL
      || !g_strv_contains ((const gchar *const[]) { "avail", "away", "dnd", NULL },
                           command->status))
    {
      g_set_error (error, CW_TUI_ERROR, CW_TUI_ERROR_USAGE,
                   _("Usage: /status avail|away|dnd [MESSAGE]"));
      return NULL;
    }
  return g_steal_pointer (&command);
}

static CwTuiCommand *
parse_win (gchar *args, GError **error)
{
  g_autoptr (CwTuiCommand) command = command_new (CW_TUI_COMMAND_WIN);
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (g_strstrip (args), 10, 1, 99, &n, NULL))
    {
      g_set_error (error, CW_TUI_ERROR, CW_TUI_ERROR_USAGE, _("Usage: /win NUMBER"));
      return NULL;
    }
  command->number = (guint) n;
  return g_steal_pointer (&command);
}

static CwTuiCommand *
parse_plain (const gchar *name, const gchar *args, CwTuiCommandKind kind, GError **error)
{
  if (*args != '\0')
    {
      g_set_error (error, CW_TUI_ERROR, CW_TUI_ERROR_USAGE, _("/%s takes no arguments"), name);
      return NULL;
    }
  return command_new (kind);
}

static CwTuiCommand *
parse_slash (const gchar *line, GError **error)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *args = NULL;

  name = split_word (line + 1, &args);
  if (args == NULL)
    args = g_strdup ("");
  if (g_strcmp0 (name, "msg") == 0 || g_strcmp0 (name, "query") == 0)
    return parse_msg (args, error);
  if (g_strcmp0 (name, "status") == 0)
    return parse_status (args, error);
  if (g_strcmp0 (name, "win") == 0)
    return parse_win (args, error);
  if (g_strcmp0 (name, "close") == 0)
    return parse_plain (name, args, CW_TUI_COMMAND_CLOSE, error);
  if (g_strcmp0 (name, "quit") == 0)
    return parse_plain (name, args, CW_TUI_COMMAND_QUIT, error);
  if (g_strcmp0 (name, "help") == 0)
    return command_new (CW_TUI_COMMAND_HELP);
  g_set_error (error, CW_TUI_ERROR, CW_TUI_ERROR_UNKNOWN_COMMAND,
               _("Unknown command /%s (try /help)"), name != NULL ? name : "");
  return NULL;
}

CwTuiCommand *
cw_tui_command_parse (const gchar *line, GError **error)
{
  CwTuiCommand *command;
  const gchar *p = line;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '\0')
    {
      g_set_error_literal (error, CW_TUI_ERROR, CW_TUI_ERROR_EMPTY, _("Nothing to send"));
      return NULL;
    }
  if (line[0] == '/' && line[1] != '/')
    return parse_slash (line, error);
  command = command_new (CW_TUI_COMMAND_TEXT);
  /* "//text" is the way to send a line starting with "/". */
  command->text = g_strdup (line[0] == '/' ? line + 1 : line);
  return command;
}

gchar *
cw_tui_command_help (void)
{
  return g_strjoin ("\n",
    _("/msg PEER [TEXT]   open a chat with PEER (and send TEXT)"),
    _("/status avail|away|dnd [MESSAGE]   set your presence"),
    _("/win N   go to window N (Alt-1…Alt-9, Ctrl-N, Ctrl-P)"),
    _("/close   close this chat window"),
    _("/quit   leave (Ctrl-C)"),
    _("//text   send a line that starts with /"),
    _("Keys: PgUp/PgDn scroll, Up/Down input history, Tab completes a peer,"),
    _("      Ctrl-A/E start/end, Ctrl-U/K cut before/after, Ctrl-W cut word, Ctrl-L redraw"),
    NULL);
}
