/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window's input line without curses: keys, editing, history, completion. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CW_TUI_KEY_NONE,
  CW_TUI_KEY_CHAR,      /* @c holds the character */
  CW_TUI_KEY_ENTER,
  CW_TUI_KEY_BACKSPACE,
  CW_TUI_KEY_DELETE,
  CW_TUI_KEY_LEFT,
  CW_TUI_KEY_RIGHT,
  CW_TUI_KEY_UP,
  CW_TUI_KEY_DOWN,
  CW_TUI_KEY_HOME,      /* Home or Ctrl-A */
  CW_TUI_KEY_END,       /* End or Ctrl-E */
  CW_TUI_KEY_KILL_START, /* Ctrl-U */
  CW_TUI_KEY_KILL_END,  /* Ctrl-K */
  CW_TUI_KEY_KILL_WORD, /* Ctrl-W */
  CW_TUI_KEY_TAB,
  CW_TUI_KEY_PAGE_UP,
  CW_TUI_KEY_PAGE_DOWN,
  CW_TUI_KEY_NEXT_WINDOW, /* Ctrl-N */
  CW_TUI_KEY_PREV_WINDOW, /* Ctrl-P */
  CW_TUI_KEY_WINDOW,    /* Alt-digit: @c holds 1..9 */
  CW_TUI_KEY_REDRAW,    /* Ctrl-L */
  CW_TUI_KEY_RESIZE,
  CW_TUI_KEY_QUIT,      /* Ctrl-C, Ctrl-D on an empty line */
} CwTuiKeyType;

typedef struct
{
  CwTuiKeyType type;
  gunichar c;
} CwTuiKey;

/* A key from a terminal byte or curses character code below 0x20 or DEL. */
CwTuiKeyType cw_tui_key_from_control (guint code);

typedef struct
{
  GArray *text;        /* owned (gunichar) */
  guint cursor;        /* characters before the cursor */
  GPtrArray *history;  /* owned (gchar *), oldest first */
  guint history_pos;   /* == history->len while editing a new line */
  gchar *draft;        /* owned: the new line, kept while browsing history */
} CwTuiInput;

CwTuiInput *cw_tui_input_new (void);
void cw_tui_input_free (CwTuiInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTuiInput, cw_tui_input_free)

gchar *cw_tui_input_get_text (CwTuiInput *input);
void cw_tui_input_set_text (CwTuiInput *input, const gchar *text);
gboolean cw_tui_input_is_empty (CwTuiInput *input);
/* Editing keys; returns FALSE for keys that are not about editing. */
gboolean cw_tui_input_handle_key (CwTuiInput *input, const CwTuiKey *key);
/* The line, into history, and a fresh empty line. (transfer full) */
gchar *cw_tui_input_take_line (CwTuiInput *input);
/* The word before the cursor, for completion. (transfer full) */
gchar *cw_tui_input_word (CwTuiInput *input, gboolean *first_word);
/* Completes the word before the cursor from @candidates (gchar *). */
gboolean cw_tui_input_complete (CwTuiInput *input, GPtrArray *candidates);
/* What to show in @width columns: (transfer full) text, and the cursor's column. */
gchar *cw_tui_input_view (CwTuiInput *input, guint width, guint *cursor_col);

G_END_DECLS
