/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window's input line without curses: keys, editing, history, completion. */
#include "config.h"

#include "frontends/tui/input.h"

#include <string.h>
#include <wchar.h>

#define HISTORY_MAX 200

CwTuiKeyType
cw_tui_key_from_control (guint code)
{
  switch (code)
    {
    case 0x01: return CW_TUI_KEY_HOME;
    case 0x02: return CW_TUI_KEY_LEFT;
    case 0x03: return CW_TUI_KEY_QUIT;
    case 0x04: return CW_TUI_KEY_DELETE;
    case 0x05: return CW_TUI_KEY_END;
    case 0x06: return CW_TUI_KEY_RIGHT;
    case 0x08: case 0x7f: return CW_TUI_KEY_BACKSPACE;
    case 0x09: return CW_TUI_KEY_TAB;
    case 0x0a: case 0x0d: return CW_TUI_KEY_ENTER;
    case 0x0b: return CW_TUI_KEY_KILL_END;
    case 0x0c: return CW_TUI_KEY_REDRAW;
    case 0x0e: return CW_TUI_KEY_NEXT_WINDOW;
    case 0x10: return CW_TUI_KEY_PREV_WINDOW;
    case 0x15: return CW_TUI_KEY_KILL_START;
    case 0x17: return CW_TUI_KEY_KILL_WORD;
    default: return CW_TUI_KEY_NONE;
    }
}

CwTuiInput *
cw_tui_input_new (void)
{
  CwTuiInput *input = g_new0 (CwTuiInput, 1);

  input->text = g_array_new (FALSE, FALSE, sizeof (gunichar));
  input->history = g_ptr_array_new_with_free_func (g_free);
  return input;
}

void
cw_tui_input_free (CwTuiInput *input)
{
  if (input == NULL)
    return;
  g_array_unref (input->text);
  g_ptr_array_unref (input->history);
  g_free (input->draft);
  g_free (input);
}

gchar *
cw_tui_input_get_text (CwTuiInput *input)
{
  return g_ucs4_to_utf8 ((gunichar *) (void *) input->text->data, input->text->len, NULL, NULL,
                         NULL);
}

void
cw_tui_input_set_text (CwTuiInput *input, const gchar *text)
{
  glong len = 0;
  g_autofree gunichar *chars = g_utf8_to_ucs4_fast (text, -1, &len);

  g_array_set_size (input->text, 0);
  g_array_append_vals (input->text, chars, (guint) len);
  input->cursor = input->text->len;
}

gboolean
cw_tui_input_is_empty (CwTuiInput *input)
{
  return input->text->len == 0;
}

static gunichar
char_at (CwTuiInput *input, guint i)
{
  return g_array_index (input->text, gunichar, i);
}

/* Ctrl-W: the spaces before the cursor, then the word before them. */
static void
kill_word (CwTuiInput *input)
{
  guint start = input->cursor;

  while (start > 0 && g_unichar_isspace (char_at (input, start - 1)))
    start--;
  while (start > 0 && !g_unichar_isspace (char_at (input, start - 1)))
    start--;
  g_array_remove_range (input->text, start, input->cursor - start);
  input->cursor = start;
}

static void
history_move (CwTuiInput *input, gint delta)
{
  gint pos = (gint) input->history_pos + delta;

  if (pos < 0 || pos > (gint) input->history->len)
    return;
  if (input->history_pos == input->history->len)
    {
      g_free (input->draft);
      input->draft = cw_tui_input_get_text (input);
    }
  input->history_pos = (guint) pos;
  cw_tui_input_set_text (input, input->history_pos == input->history->len
                                    ? (input->draft != NULL ? input->draft : "")
                                    : (gchar *) input->history->pdata[input->history_pos]);
}

static gboolean
edit (CwTuiInput *input, CwTuiKeyType type)
{
  switch (type)
    {
    case CW_TUI_KEY_BACKSPACE:
      if (input->cursor > 0)
        g_array_remove_index (input->text, --input->cursor);
      return TRUE;
    case CW_TUI_KEY_DELETE:
      if (input->cursor < input->text->len)
        g_array_remove_index (input->text, input->cursor);
      return TRUE;
    case CW_TUI_KEY_KILL_START:
      g_array_remove_range (input->text, 0, input->cursor);
      input->cursor = 0;
      return TRUE;
    case CW_TUI_KEY_KILL_END:
      g_array_set_size (input->text, input->cursor);
      return TRUE;
    case CW_TUI_KEY_KILL_WORD:
      kill_word (input);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
cw_tui_input_handle_key (CwTuiInput *input, const CwTuiKey *key)
{
  switch (key->type)
    {
    case CW_TUI_KEY_CHAR:
      g_array_insert_val (input->text, input->cursor, key->c);
      input->cursor++;
      return TRUE;
    case CW_TUI_KEY_LEFT:
      input->cursor -= input->cursor > 0;
      return TRUE;
    case CW_TUI_KEY_RIGHT:
      input->cursor += input->cursor < input->text->len;
      return TRUE;
    case CW_TUI_KEY_HOME:
      input->cursor = 0;
      return TRUE;
    case CW_TUI_KEY_END:
      input->cursor = input->text->len;
      return TRUE;
    case CW_TUI_KEY_UP:
      history_move (input, -1);
      return TRUE;
    case CW_TUI_KEY_DOWN:
      history_move (input, 1);
      return TRUE;
    default:
      return edit (input, key->type);
    }
}

gchar *
cw_tui_input_take_line (CwTuiInput *input)
{
  gchar *line = cw_tui_input_get_text (input);

  if (*line != '\0'
      && (input->history->len == 0
          || g_strcmp0 (input->history->pdata[input->history->len - 1], line) != 0))
    g_ptr_array_add (input->history, g_strdup (line));
  if (input->history->len > HISTORY_MAX)
    g_ptr_array_remove_index (input->history, 0);
  input->history_pos = input->history->len;
  g_clear_pointer (&input->draft, g_free);
  g_array_set_size (input->text, 0);
  input->cursor = 0;
  return line;
}

static guint
word_start (CwTuiInput *input)
{
  guint start = input->cursor;

  while (start > 0 && !g_unichar_isspace (char_at (input, start - 1)))
    start--;
  return start;
}

gchar *
cw_tui_input_word (CwTuiInput *input, gboolean *first_word)
{
  guint start = word_start (input);

  if (first_word != NULL)
    {
      guint i = 0;

      while (i < start && g_unichar_isspace (char_at (input, i)))
        i++;
      *first_word = i == start;
    }
  return g_ucs4_to_utf8 (&g_array_index (input->text, gunichar, start), input->cursor - start,
                         NULL, NULL, NULL);
}

/* The longest start all @candidates share. */
static gchar *
common_prefix (GPtrArray *candidates)
{
  const gchar *first = candidates->pdata[0];
  gsize len = strlen (first);

  for (guint i = 1; i < candidates->len; i++)
    {
      const gchar *other = candidates->pdata[i];
      gsize n = 0;

      while (n < len && first[n] == other[n])
        n++;
      len = n;
    }
  while (len > 0 && !g_utf8_validate (first, (gssize) len, NULL))
    len--;
  return g_strndup (first, len);
}

gboolean
cw_tui_input_complete (CwTuiInput *input, GPtrArray *candidates)
{
  g_autofree gchar *prefix = NULL;
  g_autofree gchar *done = NULL;
  glong len = 0;
  g_autofree gunichar *chars = NULL;
  guint start = word_start (input);

  if (candidates->len == 0)
    return FALSE;
  prefix = common_prefix (candidates);
  done = candidates->len == 1 ? g_strconcat (prefix, " ", NULL) : g_strdup (prefix);
  chars = g_utf8_to_ucs4_fast (done, -1, &len);
  g_array_remove_range (input->text, start, input->cursor - start);
  g_array_insert_vals (input->text, start, chars, (guint) len);
  input->cursor = start + (guint) len;
  return TRUE;
}

static guint
width_of (gunichar c)
{
  int w = g_unichar_iscntrl (c) ? 1 : wcwidth ((wchar_t) c);

  return w < 0 ? 1 : (guint) w;
}

gchar *
cw_tui_input_view (CwTuiInput *input, guint width, guint *cursor_col)
{
  guint start = 0, col = 0, used = 0;
  GString *out = g_string_new (NULL);

  width = MAX (width, 2);
  for (guint i = 0; i < input->cursor; i++)
    col += width_of (char_at (input, i));
  /* Scroll so that the cursor stays on screen, with a column to spare. */
  while (col > width - 1 && start < input->cursor)
    col -= width_of (char_at (input, start++));
  for (guint i = start; i < input->text->len; i++)
    {
      gunichar c = char_at (input, i);

      if (used + width_of (c) > width)
        break;
      used += width_of (c);
      g_string_append_unichar (out, g_unichar_iscntrl (c) ? ' ' : c);
    }
  *cursor_col = col;
  return g_string_free (out, FALSE);
}
