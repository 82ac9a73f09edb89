/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a line typed into the chat window means: text to send, or a /command. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CW_TUI_COMMAND_TEXT,   /* @text to the current window's peer */
  CW_TUI_COMMAND_MSG,    /* open @peer's window; send @text when there is one */
  CW_TUI_COMMAND_STATUS, /* @status (avail, away, dnd) with @text as message */
  CW_TUI_COMMAND_CLOSE,
  CW_TUI_COMMAND_WIN,    /* @number, from 1 */
  CW_TUI_COMMAND_QUIT,
  CW_TUI_COMMAND_HELP,
} CwTuiCommandKind;

typedef struct
{
  CwTuiCommandKind kind;
  gchar *peer;   /* owned, MSG only */
  gchar *status; /* owned, STATUS only */
  gchar *text;   /* owned, maybe NULL */
  guint number;
} CwTuiCommand;

typedef enum
{
  CW_TUI_ERROR_UNKNOWN_COMMAND,
  CW_TUI_ERROR_USAGE,
  CW_TUI_ERROR_EMPTY,
} CwTuiError;

#define CW_TUI_ERROR (cw_tui_error_quark ())
GQuark cw_tui_error_quark (void);

/* Returns: (transfer full): what @line asks for, or NULL with a CW_TUI_ERROR
 * whose message can go straight to the status line. */
CwTuiCommand *cw_tui_command_parse (const gchar *line, GError **error);
void cw_tui_command_free (CwTuiCommand *command);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTuiCommand, cw_tui_command_free)

/* The help text: (transfer full), one command or key per line. */
gchar *cw_tui_command_help (void);

G_END_DECLS
