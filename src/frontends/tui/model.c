/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window's state without curses: roster, conversation windows, unread counts, scrollback. */
#include "config.h"

#include "frontends/tui/model.h"

#include <string.h>
#include <wchar.h>

static void
line_free (CwTuiLine *line)
{
  g_free (line->state);
  g_free (line->text);
  g_free (line);
}

static CwTuiLine *
line_new (CwTuiLineKind kind, gint64 id, const gchar *state, const gchar *text, gint64 time_us)
{
  CwTuiLine *line = g_new0 (CwTuiLine, 1);

  line->kind = kind;
  line->id = id;
  line->state = g_strdup (state);
  line->text = g_strdup (text);
  line->time_us = time_us;
  return line;
}

static void
window_free (CwTuiWindow *window)
{
  g_free (window->peer);
  g_ptr_array_unref (window->lines);
  g_free (window);
}

static CwTuiWindow *
window_new (const gchar *peer)
{
  CwTuiWindow *window = g_new0 (CwTuiWindow, 1);

  window->peer = g_strdup (peer);
  window->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  return window;
}

static void
peer_free (CwTuiPeer *peer)
{
  g_free (peer->name);
  g_free (peer->status);
  g_free (peer->message);
  g_free (peer);
}

CwTuiModel *
cw_tui_model_new (void)
{
  CwTuiModel *model = g_new0 (CwTuiModel, 1);

  model->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  model->windows = g_ptr_array_new_with_free_func ((GDestroyNotify) window_free);
  g_ptr_array_add (model->windows, window_new (NULL));
  model->own_status = g_strdup ("avail");
  model->own_message = g_strdup ("");
  model->early_states = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  model->next_temp_id = -1;
  return model;
}

void
cw_tui_model_free (CwTuiModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->peers);
  g_ptr_array_unref (model->windows);
  g_hash_table_unref (model->early_states);
  g_free (model->notice);
  g_free (model->own_name);
  g_free (model->own_status);
  g_free (model->own_message);
  g_free (model);
}

/* ---- roster ------------------------------------------------------------------------------ */

/* Forgets the peers nobody talks to; keeps the others, offline, until the
 * new roster says otherwise. */
void
cw_tui_model_clear_roster (CwTuiModel *model)
{
  for (guint i = model->peers->len; i-- > 0;)
    {
      CwTuiPeer *peer = model->peers->pdata[i];

      if (cw_tui_model_find_window (model, peer->name) < 0)
        g_ptr_array_remove_index (model->peers, i);
      else
        peer->present = peer->reachable = FALSE;
    }
}

CwTuiPeer *
cw_tui_model_find_peer (CwTuiModel *model, const gchar *name)
{
  for (guint i = 0; i < model->peers->len; i++)
    {
      CwTuiPeer *peer = model->peers->pdata[i];

      if (g_strcmp0 (peer->name, name) == 0)
        return peer;
    }
  return NULL;
}

static gint
peer_compare (gconstpointer a, gconstpointer b)
{
  const CwTuiPeer *pa = *(CwTuiPeer *const *) a, *pb = *(CwTuiPeer *const *) b;

  return g_utf8_collate (pa->name, pb->name);
}

CwTuiPeer *
cw_tui_model_update_peer (CwTuiModel *model, const gchar *name, const gchar *status,
                          const gchar *message, gboolean reachable)
{
  CwTuiPeer *peer = cw_tui_model_find_peer (model, name);

  if (peer == NULL)
    {
      peer = g_new0 (CwTuiPeer, 1);
      peer->name = g_strdup (name);
      g_ptr_array_add (model->peers, peer);
      g_ptr_array_sort (model->peers, peer_compare);
    }
  g_free (peer->status);
  peer->status = g_strdup (status != NULL ? status : "avail");
  g_free (peer->message);
  peer->message = g_strdup (message != NULL ? message : "");
  peer->reachable = reachable;
  peer->present = TRUE;
  return peer;
}

void
cw_tui_model_remove_peer (CwTuiModel *model, const gchar *name)
{
  CwTuiPeer *peer = cw_tui_model_find_peer (model, name);

  if (peer == NULL)
    return;
  if (cw_tui_model_find_window (model, name) >= 0)
    peer->present = peer->reachable = FALSE;
  else
    g_ptr_array_remove (model->peers, peer);
}

GPtrArray *
cw_tui_model_complete_peer (CwTuiModel *model, const gchar *prefix)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < model->peers->len; i++)
    {
      CwTuiPeer *peer = model->peers->pdata[i];

      if (g_str_has_prefix (peer->name, prefix))
        g_ptr_array_add (names, peer->name);
    }
  return names;
}

/* ---- windows ------------------------------------------------------------------------------ */

CwTuiWindow *
cw_tui_model_current (CwTuiModel *model)
{
  return model->windows->pdata[model->current];
}

gint
cw_tui_model_find_window (CwTuiModel *model, const gchar *peer)
{
  for (guint i = 1; i < model->windows->len; i++)
    if (g_strcmp0 (((CwTuiWindow *) model->windows->pdata[i])->peer, peer) == 0)
      return (gint) i;
  return -1;
}

/* The window for @peer, made when there is none; does not switch to it. */
guint
cw_tui_model_open_window (CwTuiModel *model, const gchar *peer)
{
  gint index = cw_tui_model_find_window (model, peer);

  if (index >= 0)
    return (guint) index;
  g_ptr_array_add (model->windows, window_new (peer));
  if (cw_tui_model_find_peer (model, peer) == NULL)
    {
      CwTuiPeer *p = cw_tui_model_update_peer (model, peer, "avail", "", FALSE);

      p->present = FALSE;
    }
  return model->windows->len - 1;
}

gboolean
cw_tui_model_close_window (CwTuiModel *model, guint index)
{
  CwTuiPeer *peer;

  if (index == 0 || index >= model->windows->len)
    return FALSE;
  peer = cw_tui_model_find_peer (model, ((CwTuiWindow *) model->windows->pdata[index])->peer);
  g_ptr_array_remove_index (model->windows, index);
  if (peer != NULL && !peer->present)
    g_ptr_array_remove (model->peers, peer);
  if (model->current >= index)
    model->current = model->current - 1;
  return TRUE;
}

gboolean
cw_tui_model_switch (CwTuiModel *model, guint index)
{
  if (index >= model->windows->len)
    return FALSE;
  model->current = index;
  ((CwTuiWindow *) model->windows->pdata[index])->unread = 0;
  return TRUE;
}

void
cw_tui_model_cycle (CwTuiModel *model, gint delta)
{
  gint n = (gint) model->windows->len;

  cw_tui_model_switch (model, (guint) ((((gint) model->current + delta) % n + n) % n));
}

guint
cw_tui_model_peer_unread (CwTuiModel *model, const gchar *peer)
{
  gint index = cw_tui_model_find_window (model, peer);

  return index < 0 ? 0 : ((CwTuiWindow *) model->windows->pdata[index])->unread;
}

/* ---- messages ------------------------------------------------------------------------------ */

static CwTuiWindow *
window_for (CwTuiModel *model, const gchar *peer)
{
  return model->windows->pdata[cw_tui_model_open_window (model, peer)];
}

static void
append_line (CwTuiWindow *window, CwTuiLine *line)
{
  g_ptr_array_add (window->lines, line);
  if (window->scroll > 0)
    window->scroll++; /* keep the rows being read in place (a row per line, roughly) */
}

void
cw_tui_model_add_incoming (CwTuiModel *model, const gchar *peer, gint64 id, const gchar *body,
                           gint64 time_us)
{
  CwTuiWindow *window = window_for (model, peer);

  append_line (window, line_new (CW_TUI_LINE_IN, id, NULL, body, time_us));
  window->typing = FALSE;
  if (window != cw_tui_model_current (model))
    window->unread++;
}

/* Returns: the temporary (negative) id to pass to set_message_id. */
gint64
cw_tui_model_add_outgoing (CwTuiModel *model, const gchar *peer, const gchar *body,
                           gint64 time_us)
{
  gint64 temp = model->next_temp_id--;

  append_line (window_for (model, peer), line_new (CW_TUI_LINE_OUT, temp, "queued", body, time_us));
  return temp;
}

static CwTuiLine *
find_line (CwTuiModel *model, gint64 id)
{
  for (guint w = 1; w < model->windows->len; w++)
    {
      GPtrArray *lines = ((CwTuiWindow *) model->windows->pdata[w])->lines;

      for (guint i = lines->len; i-- > 0;)
        {
          CwTuiLine *line = lines->pdata[i];

          if (line->kind == CW_TUI_LINE_OUT && line->id == id)
            return line;
        }
    }
  return NULL;
}

static gboolean
has_pending_send (CwTuiModel *model)
{
  return model->next_temp_id < -1 && find_line (model, model->next_temp_id + 1) != NULL;
}

void
cw_tui_model_set_message_id (CwTuiModel *model, gint64 temp_id, gint64 id)
{
  CwTuiLine *line = find_line (model, temp_id);
  const gchar *early;

  if (line == NULL)
    return;
  line->id = id;
  early = g_hash_table_lookup (model->early_states, &id);
  if (early != NULL)
    {
      g_free (line->state);
      line->state = g_strdup (early);
    }
  g_hash_table_remove_all (model->early_states);
}

static gint
state_rank (const gchar *state)
{
  static const gchar *const order[] = { "queued", "sent", "delivered", "failed" };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_strcmp0 (state, order[i]) == 0)
      return (gint) i;
  return -1;
}

void
cw_tui_model_set_message_state (CwTuiModel *model, gint64 id, const gchar *state)
{
  CwTuiLine *line = find_line (model, id);

  if (line == NULL)
    {
      /* The signal can overtake SendMessage's answer. */
      if (has_pending_send (model) && g_hash_table_size (model->early_states) < 256)
        {
          const gchar *old = g_hash_table_lookup (model->early_states, &id);

          if (state_rank (state) > state_rank (old))
            g_hash_table_insert (model->early_states, g_memdup2 (&id, sizeof id), g_strdup (state));
        }
      return;
    }
  /* "sent" may come after "delivered": never go back. */
  if (state_rank (state) < state_rank (line->state))
    return;
  g_free (line->state);
  line->state = g_strdup (state);
}

void
cw_tui_model_prepend_history (CwTuiModel *model, const gchar *peer, gint64 id, gboolean incoming,
                              const gchar *state, const gchar *body, gint64 time_us)
{
  CwTuiWindow *window = window_for (model, peer);

  for (guint i = 0; i < window->lines->len; i++)
    if (((CwTuiLine *) window->lines->pdata[i])->id == id)
      return; /* already shown: it arrived while the page was on its way */
  g_ptr_array_insert (window->lines, 0,
                      line_new (incoming ? CW_TUI_LINE_IN : CW_TUI_LINE_OUT, id,
                                incoming ? NULL : state, body, time_us));
}

/* Returns: the smallest positive id in @peer's window, or 0 (the newest page). */
gint64
cw_tui_model_oldest_id (CwTuiModel *model, const gchar *peer)
{
  gint index = cw_tui_model_find_window (model, peer);
  gint64 oldest = 0;

  if (index < 0)
    return 0;
  for (guint i = 0; i < ((CwTuiWindow *) model->windows->pdata[index])->lines->len; i++)
    {
      CwTuiLine *line = ((CwTuiWindow *) model->windows->pdata[index])->lines->pdata[i];

      if (line->id > 0 && (oldest == 0 || line->id < oldest))
        oldest = line->id;
    }
  return oldest;
}

void
cw_tui_model_info (CwTuiModel *model, guint window, const gchar *text)
{
  if (window >= model->windows->len)
    window = 0;
  append_line (model->windows->pdata[window],
               line_new (CW_TUI_LINE_INFO, 0, NULL, text, g_get_real_time ()));
}

void
cw_tui_model_set_typing (CwTuiModel *model, const gchar *peer, gboolean typing)
{
  gint index = cw_tui_model_find_window (model, peer);

  if (index >= 0)
    {
      CwTuiWindow *window = model->windows->pdata[index];

      window->typing = typing;
      window->typing_since = g_get_monotonic_time ();
    }
}

gboolean
cw_tui_model_expire_typing (CwTuiModel *model, gint64 now_us, gint64 max_us)
{
  gboolean changed = FALSE;

  for (guint i = 1; i < model->windows->len; i++)
    {
      CwTuiWindow *window = model->windows->pdata[i];

      if (window->typing && now_us - window->typing_since > max_us)
        {
          window->typing = FALSE;
          changed = TRUE;
        }
    }
  return changed;
}

void
cw_tui_model_set_notice (CwTuiModel *model, const gchar *format, ...)
{
  va_list ap;

  g_clear_pointer (&model->notice, g_free);
  if (format == NULL)
    return;
  va_start (ap, format);
  model->notice = g_strdup_vprintf (format, ap);
  va_end (ap);
}

/* Positive @rows goes back in time; the screen clamps at the oldest row. */
void
cw_tui_model_scroll (CwTuiModel *model, gint rows)
{
  CwTuiWindow *window = cw_tui_model_current (model);
  gint scroll = (gint) window->scroll + rows;

  if (rows > 0 && window->at_top)
    return;
  window->scroll = (guint) MAX (scroll, 0);
}

/* ---- text layout ------------------------------------------------------------------------------ */

static guint
char_width (gunichar c)
{
  int w = wcwidth ((wchar_t) c);

  return w < 0 ? 1 : (guint) w;
}

/* Control characters would move the cursor: show them as spaces. */
static gunichar
printable (gunichar c)
{
  return g_unichar_iscntrl (c) ? ' ' : c;
}

guint
cw_tui_text_width (const gchar *text)
{
  guint width = 0;

  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p))
    width += char_width (printable (g_utf8_get_char (p)));
  return width;
}

/* One paragraph (no newline) into rows of at most @width columns, broken
 * after the last space that fits, else wherever the row is full. */
static void
wrap_paragraph (GPtrArray *rows, const gchar *text, guint width)
{
  g_autoptr (GString) row = g_string_new (NULL);
  gsize last_space = 0; /* bytes in row up to and including its last space */
  guint row_width = 0;

  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = printable (g_utf8_get_char (p));
      guint w = char_width (c);

      if (row_width + w > width && row->len > 0)
        {
          gsize cut = last_space > 0 ? last_space : row->len;

          /* the space a row breaks at is not shown */
          g_ptr_array_add (rows, g_strndup (row->str, last_space > 0 ? cut - 1 : cut));
          g_string_erase (row, 0, (gssize) cut);
          row_width = cw_tui_text_width (row->str);
          last_space = 0;
        }
      g_string_append_unichar (row, c);
      row_width += w;
      if (c == ' ')
        last_space = row->len;
    }
  g_ptr_array_add (rows, g_string_free (g_steal_pointer (&row), FALSE));
}

/* Returns: (transfer full): rows of @text, each at most @width columns. */
GPtrArray *
cw_tui_wrap (const gchar *text, guint width)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) paragraphs = g_strsplit (text, "\n", -1);

  width = MAX (width, 2);
  for (guint i = 0; paragraphs[i] != NULL; i++)
    wrap_paragraph (rows, paragraphs[i], width);
  if (rows->len == 0)
    g_ptr_array_add (rows, g_strdup (""));
  return rows;
}

/* Returns: (transfer full): the start of @text that fits in @width columns. */
gchar *
cw_tui_truncate (const gchar *text, guint width)
{
  GString *out = g_string_new (NULL);
  guint used = 0;

  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = printable (g_utf8_get_char (p));

      if (used + char_width (c) > width)
        break;
      used += char_width (c);
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}
