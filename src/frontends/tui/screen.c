/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window on the terminal: the only file that speaks curses. */
#include "config.h"

#include "frontends/tui/screen.h"

#include <curses.h>
#include <glib/gi18n.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ROSTER_MIN_COLS 60 /* narrower terminals get no roster pane */
#define ROSTER_MAX_WIDTH 24
#define PROMPT "> "

struct _CwTuiScreen
{
  gboolean active;
};

CwTuiScreen *
cw_tui_screen_new (void)
{
  CwTuiScreen *screen = g_new0 (CwTuiScreen, 1);

  set_escdelay (25); /* Esc then a digit is Alt-digit; do not wait long for more */
  initscr ();
  raw ();
  noecho ();
  nonl ();
  keypad (stdscr, TRUE);
  nodelay (stdscr, TRUE);
  if (has_colors ())
    {
      start_color ();
      use_default_colors ();
      init_pair (1, COLOR_GREEN, -1);
      init_pair (2, COLOR_YELLOW, -1);
      init_pair (3, COLOR_RED, -1);
      init_pair (4, COLOR_CYAN, -1);
    }
  screen->active = TRUE;
  return screen;
}

void
cw_tui_screen_free (CwTuiScreen *screen)
{
  if (screen == NULL)
    return;
  if (screen->active)
    endwin ();
  g_free (screen);
}

static CwTuiKeyType
key_from_curses (int code)
{
  switch (code)
    {
    case KEY_UP: return CW_TUI_KEY_UP;
    case KEY_DOWN: return CW_TUI_KEY_DOWN;
    case KEY_LEFT: return CW_TUI_KEY_LEFT;
    case KEY_RIGHT: return CW_TUI_KEY_RIGHT;
    case KEY_HOME: return CW_TUI_KEY_HOME;
    case KEY_END: return CW_TUI_KEY_END;
    case KEY_PPAGE: return CW_TUI_KEY_PAGE_UP;
    case KEY_NPAGE: return CW_TUI_KEY_PAGE_DOWN;
    case KEY_BACKSPACE: return CW_TUI_KEY_BACKSPACE;
    case KEY_DC: return CW_TUI_KEY_DELETE;
    case KEY_ENTER: return CW_TUI_KEY_ENTER;
    case KEY_RESIZE: return CW_TUI_KEY_RESIZE;
    default: return CW_TUI_KEY_NONE;
    }
}

gboolean
cw_tui_screen_read_key (CwTuiScreen *screen, CwTuiKey *key)
{
  wint_t c = 0;
  int rc = wget_wch (stdscr, &c);

  key->type = CW_TUI_KEY_NONE;
  key->c = 0;
  if (rc == ERR)
    return FALSE;
  if (rc == KEY_CODE_YES)
    key->type = key_from_curses ((int) c);
  else if (c == 0x1b)
    {
      wint_t next = 0;

      /* Alt-digit arrives as Esc and the digit together. */
      if (wget_wch (stdscr, &next) == OK && next >= '1' && next <= '9')
        {
          key->type = CW_TUI_KEY_WINDOW;
          key->c = (gunichar) (next - '0');
        }
    }
  else if (c < 0x20 || c == 0x7f)
    key->type = cw_tui_key_from_control ((guint) c);
  else
    {
      key->type = CW_TUI_KEY_CHAR;
      key->c = (gunichar) c;
    }
  return TRUE;
}

guint
cw_tui_screen_page_rows (CwTuiScreen *screen)
{
  return (guint) MAX (LINES - 4, 1);
}

void
cw_tui_screen_resize (CwTuiScreen *screen)
{
  struct winsize size;

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0)
    resizeterm (size.ws_row, size.ws_col);
  clearok (curscr, TRUE);
}

void
cw_tui_screen_invalidate (CwTuiScreen *screen)
{
  clearok (curscr, TRUE);
}

/* ---- drawing ---------------------------------------------------------------------------------- */

/* @text at (@y, @x), cut to @width columns, the rest of the width blank. */
static void
put (int y, int x, guint width, const gchar *text)
{
  g_autofree gchar *cut = cw_tui_truncate (text, width);
  glong len = 0;
  g_autofree gunichar *wide = g_utf8_to_ucs4_fast (cut, -1, &len);
  g_autofree wchar_t *wtext = g_new0 (wchar_t, len + 1);
  guint used = cw_tui_text_width (cut);

  for (glong i = 0; i < len; i++)
    wtext[i] = (wchar_t) wide[i];
  mvaddnwstr (y, x, wtext, (int) len);
  for (; used < width; used++)
    addch (' ');
}

static const gchar *
presence_marker (const CwTuiPeer *peer, int *color)
{
  *color = 0;
  if (!peer->present || !peer->reachable)
    return ".";
  if (g_strcmp0 (peer->status, "away") == 0)
    return *color = 2, "~";
  if (g_strcmp0 (peer->status, "dnd") == 0)
    return *color = 3, "-";
  return *color = 1, "+";
}

static void
draw_roster (CwTuiModel *model, guint width, guint rows)
{
  attron (A_BOLD);
  put (1, 0, width - 1, _("Peers"));
  attroff (A_BOLD);
  for (guint i = 0; i + 1 < rows; i++)
    {
      CwTuiPeer *peer = i < model->peers->len ? model->peers->pdata[i] : NULL;
      g_autofree gchar *unread = NULL;
      g_autofree gchar *name = NULL;
      int color;
      const gchar *marker;

      if (peer == NULL)
        {
          put ((int) i + 2, 0, width - 1, "");
          continue;
        }
      marker = presence_marker (peer, &color);
      guint n = cw_tui_model_peer_unread (model, peer->name);
      unread = n > 0 ? g_strdup_printf (" (%u)", n) : g_strdup ("");
      name = cw_tui_truncate (peer->name, width - 3 - cw_tui_text_width (unread));
      attron (COLOR_PAIR (color) | A_BOLD);
      put ((int) i + 2, 0, 2, marker);
      attroff (COLOR_PAIR (color) | A_BOLD);
      if (n > 0)
        attron (A_BOLD);
      {
        g_autofree gchar *entry = g_strconcat (name, unread, NULL);

        put ((int) i + 2, 2, width - 3, entry);
      }
      attroff (A_BOLD);
    }
  for (guint y = 1; y <= rows; y++)
    mvaddch ((int) y, (int) width - 1, ACS_VLINE);
}

static const gchar *
state_mark (const gchar *state)
{
  if (g_strcmp0 (state, "sent") == 0)
    return " ✓";
  if (g_strcmp0 (state, "delivered") == 0)
    return " ✓✓";
  if (g_strcmp0 (state, "failed") == 0)
    return " ✗";
  return " …";
}

static gchar *
format_line (CwTuiModel *model, CwTuiWindow *window, CwTuiLine *line)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (line->time_us / G_USEC_PER_SEC);
  g_autofree gchar *hhmm = t != NULL ? g_date_time_format (t, "%H:%M") : g_strdup ("--:--");

  switch (line->kind)
    {
    case CW_TUI_LINE_IN:
      return g_strdup_printf ("%s <%s> %s", hhmm, window->peer, line->text);
    case CW_TUI_LINE_OUT:
      /* TRANSLATORS: how our own messages are labelled in a chat window */
      return g_strdup_printf ("%s <%s> %s%s", hhmm, _("me"), line->text,
                              state_mark (line->state));
    default:
      return g_strdup_printf ("%s -!- %s", hhmm, line->text);
    }
}

/* The rows of @window's newest lines, enough to fill @rows after
 * skipping @window->scroll; clamps the scroll at the oldest row. */
static GPtrArray *
window_rows (CwTuiModel *model, CwTuiWindow *window, guint width, guint rows, GArray *kinds)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint need = rows + window->scroll;
  guint i = window->lines->len;

  while (out->len < need && i > 0)
    {
      CwTuiLine *line = window->lines->pdata[--i];
      g_autofree gchar *text = format_line (model, window, line);
      g_autoptr (GPtrArray) wrapped = cw_tui_wrap (text, width);

      for (guint r = wrapped->len; r-- > 0;)
        {
          g_ptr_array_insert (out, 0, g_steal_pointer (&wrapped->pdata[r]));
          g_array_prepend_val (kinds, line->kind);
        }
    }
  window->at_top = i == 0 && out->len <= need;
  if (window->at_top)
    window->scroll = out->len > rows ? MIN (window->scroll, out->len - rows) : 0;
  return out;
}

static void
draw_messages (CwTuiModel *model, int x, guint width, guint rows)
{
  CwTuiWindow *window = cw_tui_model_current (model);
  g_autoptr (GArray) kinds = g_array_new (FALSE, FALSE, sizeof (CwTuiLineKind));
  g_autoptr (GPtrArray) all = window_rows (model, window, width, rows, kinds);
  guint end = all->len - MIN (window->scroll, all->len);
  guint start = end > rows ? end - rows : 0;

  for (guint y = 0; y < rows; y++)
    {
      guint r = start + y;
      gboolean have = r < end;
      CwTuiLineKind kind = have ? g_array_index (kinds, CwTuiLineKind, r) : CW_TUI_LINE_IN;
      int attr = kind == CW_TUI_LINE_INFO ? COLOR_PAIR (4) : 0;

      attron (attr);
      put ((int) y + 1, x, width, have ? (gchar *) all->pdata[r] : "");
      attroff (attr);
    }
}

static gchar *
title_text (CwTuiModel *model)
{
  CwTuiWindow *window = cw_tui_model_current (model);
  CwTuiPeer *peer;
  GString *title = g_string_new (NULL);

  if (window->peer == NULL)
    {
      g_string_printf (title, "chinwag — %s", model->own_name != NULL ? model->own_name : "");
      return g_string_free (title, FALSE);
    }
  peer = cw_tui_model_find_peer (model, window->peer);
  g_string_append (title, window->peer);
  if (peer == NULL || !peer->present || !peer->reachable)
    g_string_append_printf (title, " (%s)", _("offline"));
  else
    g_string_append_printf (title, " (%s)", peer->status);
  if (peer != NULL && peer->message != NULL && *peer->message != '\0')
    g_string_append_printf (title, " %s", peer->message);
  if (window->typing)
    g_string_append_printf (title, " — %s", _("typing…"));
  return g_string_free (title, FALSE);
}

/* "[away: lunch] [2:bob@h2] [Act: 3(1)] | notice": our presence, the window
 * shown, the others with unread messages, and the last notice. */
static gchar *
status_text (CwTuiModel *model)
{
  GString *bar = g_string_new (NULL);
  CwTuiWindow *current = cw_tui_model_current (model);
  g_autofree gchar *message = cw_tui_truncate (model->own_message, 20);
  gboolean act = FALSE;

  g_string_append_printf (bar, "[%s%s%s] [%u:%s]", model->own_status, *message != '\0' ? ": " : "",
                          message, model->current + 1,
                          current->peer != NULL ? current->peer : _("status"));
  for (guint i = 0; i < model->windows->len; i++)
    {
      CwTuiWindow *w = model->windows->pdata[i];

      if (w->unread == 0)
        continue;
      if (!act)
        /* TRANSLATORS: the windows with unread messages, in the status bar */
        g_string_append_printf (bar, " [%s: ", _("Act"));
      g_string_append_printf (bar, "%s%u(%u)", act ? "," : "", i + 1, w->unread);
      act = TRUE;
    }
  if (act)
    g_string_append_c (bar, ']');
  if (model->notice != NULL)
    g_string_append_printf (bar, " | %s", model->notice);
  return g_string_free (bar, FALSE);
}

void
cw_tui_screen_draw (CwTuiScreen *screen, CwTuiModel *model, CwTuiInput *input)
{
  guint cols = (guint) MAX (COLS, 10), lines = (guint) MAX (LINES, 4);
  guint roster = cols >= ROSTER_MIN_COLS ? MIN (ROSTER_MAX_WIDTH, cols / 4) : 0;
  guint body_rows = lines - 3;
  g_autofree gchar *title = title_text (model);
  g_autofree gchar *bar = status_text (model);
  g_autofree gchar *view = NULL;
  guint cursor = 0;
  guint prompt = cw_tui_text_width (PROMPT);

  erase ();
  attron (A_REVERSE);
  put (0, 0, cols, title);
  attroff (A_REVERSE);
  if (roster > 0)
    draw_roster (model, roster, body_rows);
  draw_messages (model, (int) roster, cols - roster, body_rows);
  attron (A_REVERSE);
  put ((int) lines - 2, 0, cols, bar);
  attroff (A_REVERSE);
  view = cw_tui_input_view (input, cols - prompt, &cursor);
  put ((int) lines - 1, 0, prompt, PROMPT);
  put ((int) lines - 1, (int) prompt, cols - prompt, view);
  move ((int) lines - 1, (int) (prompt + cursor));
  refresh ();
}
