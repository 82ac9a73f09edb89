/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the chat window's curses-free parts: model, input line, commands, layout. */
#include "config.h"

#include <locale.h>

#include "frontends/tui/command.h"
#include "frontends/tui/input.h"
#include "frontends/tui/model.h"

static CwTuiLine *
line_at (CwTuiModel *model, const gchar *peer, guint i)
{
  gint w = cw_tui_model_find_window (model, peer);

  g_assert_cmpint (w, >, 0);
  return ((CwTuiWindow *) model->windows->pdata[w])->lines->pdata[i];
}

static void
test_roster (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();
  CwTuiPeer *peer;

  cw_tui_model_update_peer (model, "zed@h3", "avail", "", TRUE);
  cw_tui_model_update_peer (model, "anna@h1", "away", "lunch", TRUE);
  g_assert_cmpuint (model->peers->len, ==, 2);
  g_assert_cmpstr (((CwTuiPeer *) model->peers->pdata[0])->name, ==, "anna@h1");
  peer = cw_tui_model_update_peer (model, "anna@h1", "dnd", "", FALSE);
  g_assert_cmpuint (model->peers->len, ==, 2);
  g_assert_cmpstr (peer->status, ==, "dnd");
  g_assert_false (peer->reachable);
  /* gone, but a chat with her is open: shown offline */
  cw_tui_model_open_window (model, "anna@h1");
  cw_tui_model_remove_peer (model, "anna@h1");
  peer = cw_tui_model_find_peer (model, "anna@h1");
  g_assert_nonnull (peer);
  g_assert_false (peer->present);
  /* gone and nobody talks to him: off the roster */
  cw_tui_model_remove_peer (model, "zed@h3");
  g_assert_null (cw_tui_model_find_peer (model, "zed@h3"));
  /* a reload keeps only the peers with windows */
  cw_tui_model_update_peer (model, "bob@h2", "avail", "", TRUE);
  cw_tui_model_clear_roster (model);
  g_assert_null (cw_tui_model_find_peer (model, "bob@h2"));
  g_assert_nonnull (cw_tui_model_find_peer (model, "anna@h1"));
}

static void
test_windows (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();
  guint a, b;

  g_assert_null (cw_tui_model_current (model)->peer);
  a = cw_tui_model_open_window (model, "anna@h1");
  b = cw_tui_model_open_window (model, "bob@h2");
  g_assert_cmpuint (a, ==, 1);
  g_assert_cmpuint (b, ==, 2);
  g_assert_cmpuint (cw_tui_model_open_window (model, "anna@h1"), ==, 1);
  g_assert_false (cw_tui_model_switch (model, 3));
  g_assert_true (cw_tui_model_switch (model, 2));
  cw_tui_model_cycle (model, 1);
  g_assert_cmpuint (model->current, ==, 0);
  cw_tui_model_cycle (model, -1);
  g_assert_cmpuint (model->current, ==, 2);
  g_assert_false (cw_tui_model_close_window (model, 0));
  g_assert_true (cw_tui_model_close_window (model, 2));
  g_assert_cmpuint (model->current, ==, 1);
  g_assert_cmpstr (cw_tui_model_current (model)->peer, ==, "anna@h1");
  /* a peer only known from its window goes with it */
  g_assert_true (cw_tui_model_close_window (model, 1));
  g_assert_null (cw_tui_model_find_peer (model, "anna@h1"));
  g_assert_cmpuint (model->current, ==, 0);
}

static void
test_unread (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();

  cw_tui_model_update_peer (model, "bob@h2", "avail", "", TRUE);
  cw_tui_model_add_incoming (model, "bob@h2", 7, "hi", 0);
  cw_tui_model_add_incoming (model, "bob@h2", 8, "there", 0);
  g_assert_cmpuint (cw_tui_model_peer_unread (model, "bob@h2"), ==, 2);
  cw_tui_model_switch (model, (guint) cw_tui_model_find_window (model, "bob@h2"));
  g_assert_cmpuint (cw_tui_model_peer_unread (model, "bob@h2"), ==, 0);
  cw_tui_model_add_incoming (model, "bob@h2", 9, "seen as it comes", 0);
  g_assert_cmpuint (cw_tui_model_peer_unread (model, "bob@h2"), ==, 0);
  g_assert_cmpstr (line_at (model, "bob@h2", 2)->text, ==, "seen as it comes");
}

static void
test_delivery (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();
  gint64 t1, t2;

  t1 = cw_tui_model_add_outgoing (model, "bob@h2", "one", 0);
  t2 = cw_tui_model_add_outgoing (model, "bob@h2", "two", 0);
  g_assert_cmpint (t1, <, 0);
  g_assert_cmpint (t2, !=, t1);
  g_assert_cmpstr (line_at (model, "bob@h2", 0)->state, ==, "queued");
  cw_tui_model_set_message_id (model, t1, 41);
  cw_tui_model_set_message_state (model, 41, "delivered");
  cw_tui_model_set_message_state (model, 41, "sent"); /* late: ignored */
  g_assert_cmpstr (line_at (model, "bob@h2", 0)->state, ==, "delivered");
  /* the state overtakes SendMessage's answer */
  cw_tui_model_set_message_state (model, 42, "sent");
  g_assert_cmpstr (line_at (model, "bob@h2", 1)->state, ==, "queued");
  cw_tui_model_set_message_id (model, t2, 42);
  g_assert_cmpstr (line_at (model, "bob@h2", 1)->state, ==, "sent");
  cw_tui_model_set_message_state (model, 42, "failed");
  g_assert_cmpstr (line_at (model, "bob@h2", 1)->state, ==, "failed");
  g_assert_cmpuint (g_hash_table_size (model->early_states), ==, 0);
  /* someone else's message (chinwag send) with nothing pending: not kept */
  cw_tui_model_set_message_state (model, 99, "sent");
  g_assert_cmpuint (g_hash_table_size (model->early_states), ==, 0);
}

static void
test_history (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();

  cw_tui_model_add_incoming (model, "bob@h2", 10, "newest", 0);
  cw_tui_model_prepend_history (model, "bob@h2", 10, TRUE, "received", "newest", 0);
  cw_tui_model_prepend_history (model, "bob@h2", 9, FALSE, "delivered", "mine", 0);
  cw_tui_model_prepend_history (model, "bob@h2", 8, TRUE, "received", "oldest", 0);
  g_assert_cmpuint (((CwTuiWindow *) model->windows->pdata[1])->lines->len, ==, 3);
  g_assert_cmpstr (line_at (model, "bob@h2", 0)->text, ==, "oldest");
  g_assert_cmpint (line_at (model, "bob@h2", 1)->kind, ==, CW_TUI_LINE_OUT);
  g_assert_cmpstr (line_at (model, "bob@h2", 1)->state, ==, "delivered");
  g_assert_cmpint (cw_tui_model_oldest_id (model, "bob@h2"), ==, 8);
  g_assert_cmpint (cw_tui_model_oldest_id (model, "nobody@x"), ==, 0);
}

static void
test_typing_and_scroll (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();
  CwTuiWindow *window;

  cw_tui_model_switch (model, cw_tui_model_open_window (model, "bob@h2"));
  window = cw_tui_model_current (model);
  cw_tui_model_set_typing (model, "bob@h2", TRUE);
  g_assert_false (cw_tui_model_expire_typing (model, window->typing_since + 1000, 5000));
  g_assert_true (window->typing);
  g_assert_true (cw_tui_model_expire_typing (model, window->typing_since + 6000, 5000));
  g_assert_false (window->typing);
  cw_tui_model_set_typing (model, "bob@h2", TRUE);
  cw_tui_model_add_incoming (model, "bob@h2", 1, "done typing", 0);
  g_assert_false (window->typing);

  cw_tui_model_scroll (model, 10);
  g_assert_cmpuint (window->scroll, ==, 10);
  window->at_top = TRUE;
  cw_tui_model_scroll (model, 10);
  g_assert_cmpuint (window->scroll, ==, 10);
  cw_tui_model_scroll (model, -25);
  g_assert_cmpuint (window->scroll, ==, 0);
}

static void
assert_rows (GPtrArray *rows, const gchar *const *want)
{
  g_assert_cmpuint (rows->len, ==, g_strv_length ((gchar **) want));
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpstr (rows->pdata[i], ==, want[i]);
}

static void
test_wrap (void)
{
  g_autoptr (GPtrArray) words = cw_tui_wrap ("hello world foo", 11);
  g_autoptr (GPtrArray) wide = cw_tui_wrap ("漢字漢字漢", 5);
  g_autoptr (GPtrArray) lines = cw_tui_wrap ("a\nb\tc", 10);
  g_autoptr (GPtrArray) hard = cw_tui_wrap ("abcdefgh", 3);
  g_autofree gchar *cut = cw_tui_truncate ("漢字x", 3);

  assert_rows (words, (const gchar *const[]) { "hello", "world foo", NULL });
  /* a wide character never straddles the edge */
  assert_rows (wide, (const gchar *const[]) { "漢字", "漢字", "漢", NULL });
  assert_rows (lines, (const gchar *const[]) { "a", "b c", NULL });
  assert_rows (hard, (const gchar *const[]) { "abc", "def", "gh", NULL });
  g_assert_cmpstr (cut, ==, "漢");
  g_assert_cmpuint (cw_tui_text_width ("a漢😀"), ==, 5);
  g_assert_cmpuint (cw_tui_text_width ("e\xcc\x81"), ==, 1); /* e + combining acute */
}

/* ---- input line ---------------------------------------------------------------------------------------- */

static void
type (CwTuiInput *input, const gchar *text)
{
  for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      CwTuiKey key = { CW_TUI_KEY_CHAR, g_utf8_get_char (p) };

      g_assert_true (cw_tui_input_handle_key (input, &key));
    }
}

static void
press (CwTuiInput *input, CwTuiKeyType type)
{
  CwTuiKey key = { type, 0 };

  cw_tui_input_handle_key (input, &key);
}

static void
assert_text (CwTuiInput *input, const gchar *want)
{
  g_autofree gchar *text = cw_tui_input_get_text (input);

  g_assert_cmpstr (text, ==, want);
}

static void
test_editing (void)
{
  g_autoptr (CwTuiInput) input = cw_tui_input_new ();

  type (input, "grüß dich  welt");
  press (input, cw_tui_key_from_control (0x17)); /* Ctrl-W */
  assert_text (input, "grüß dich  ");
  press (input, cw_tui_key_from_control (0x01)); /* Ctrl-A */
  type (input, "X");
  assert_text (input, "Xgrüß dich  ");
  press (input, cw_tui_key_from_control (0x05)); /* Ctrl-E */
  press (input, CW_TUI_KEY_BACKSPACE);
  press (input, CW_TUI_KEY_LEFT);
  press (input, CW_TUI_KEY_LEFT);
  press (input, cw_tui_key_from_control (0x0b)); /* Ctrl-K */
  assert_text (input, "Xgrüß dic");
  press (input, CW_TUI_KEY_HOME);
  press (input, CW_TUI_KEY_RIGHT);
  press (input, cw_tui_key_from_control (0x15)); /* Ctrl-U */
  assert_text (input, "grüß dic");
  press (input, CW_TUI_KEY_DELETE);
  assert_text (input, "rüß dic");
  g_assert_cmpint (cw_tui_key_from_control (0x0e), ==, CW_TUI_KEY_NEXT_WINDOW);
  g_assert_cmpint (cw_tui_key_from_control (0x10), ==, CW_TUI_KEY_PREV_WINDOW);
  g_assert_cmpint (cw_tui_key_from_control (0x0c), ==, CW_TUI_KEY_REDRAW);
  g_assert_cmpint (cw_tui_key_from_control (0x0d), ==, CW_TUI_KEY_ENTER);
  g_assert_cmpint (cw_tui_key_from_control (0x7f), ==, CW_TUI_KEY_BACKSPACE);
}

static void
test_input_history (void)
{
  g_autoptr (CwTuiInput) input = cw_tui_input_new ();
  g_autofree gchar *one = NULL;
  g_autofree gchar *two = NULL;

  type (input, "one");
  one = cw_tui_input_take_line (input);
  type (input, "two");
  two = cw_tui_input_take_line (input);
  g_assert_cmpstr (two, ==, "two");
  g_assert_true (cw_tui_input_is_empty (input));
  type (input, "draft");
  press (input, CW_TUI_KEY_UP);
  assert_text (input, "two");
  press (input, CW_TUI_KEY_UP);
  press (input, CW_TUI_KEY_UP);
  assert_text (input, "one");
  press (input, CW_TUI_KEY_DOWN);
  assert_text (input, "two");
  press (input, CW_TUI_KEY_DOWN);
  assert_text (input, "draft");
  press (input, CW_TUI_KEY_DOWN);
  assert_text (input, "draft");
}

static void
test_complete (void)
{
  g_autoptr (CwTuiModel) model = cw_tui_model_new ();
  g_autoptr (CwTuiInput) input = cw_tui_input_new ();
  g_autoptr (GPtrArray) two = NULL;
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autofree gchar *word = NULL;
  gboolean first = TRUE;

  cw_tui_model_update_peer (model, "root@h1", "avail", "", TRUE);
  cw_tui_model_update_peer (model, "root@h2", "avail", "", TRUE);
  cw_tui_model_update_peer (model, "bob@x", "avail", "", TRUE);
  type (input, "/msg ro");
  word = cw_tui_input_word (input, &first);
  g_assert_cmpstr (word, ==, "ro");
  g_assert_false (first);
  two = cw_tui_model_complete_peer (model, word);
  g_assert_true (cw_tui_input_complete (input, two));
  assert_text (input, "/msg root@h");
  type (input, " and b");
  one = cw_tui_model_complete_peer (model, "b");
  g_assert_true (cw_tui_input_complete (input, one));
  assert_text (input, "/msg root@h and bob@x ");
  none = cw_tui_model_complete_peer (model, "zz");
  g_assert_false (cw_tui_input_complete (input, none));
}

static void
test_view (void)
{
  g_autoptr (CwTuiInput) input = cw_tui_input_new ();
  g_autofree gchar *view = NULL;
  g_autofree gchar *start = NULL;
  guint col = 0;

  type (input, "漢字漢字漢字漢字漢字漢字漢字漢字");
  view = cw_tui_input_view (input, 10, &col);
  g_assert_cmpuint (cw_tui_text_width (view), <=, 10);
  g_assert_cmpuint (col, <=, 9);
  g_assert_cmpuint (col, >=, 8);
  press (input, CW_TUI_KEY_HOME);
  start = cw_tui_input_view (input, 10, &col);
  g_assert_cmpstr (start, ==, "漢字漢字漢");
  g_assert_cmpuint (col, ==, 0);
}

/* ---- commands ---------------------------------------------------------------------------------------- */

static void
test_commands (void)
{
  static const struct
  {
    const gchar *line;
    CwTuiCommandKind kind;
    const gchar *peer, *status, *text;
    guint number;
  } good[] = {
    { "hello there", CW_TUI_COMMAND_TEXT, NULL, NULL, "hello there", 0 },
    { "//etc/passwd is a file", CW_TUI_COMMAND_TEXT, NULL, NULL, "/etc/passwd is a file", 0 },
    { "/msg bob@h2 hi  there", CW_TUI_COMMAND_MSG, "bob@h2", NULL, "hi  there", 0 },
    { "/msg bob@h2", CW_TUI_COMMAND_MSG, "bob@h2", NULL, NULL, 0 },
    { "/status away out for lunch", CW_TUI_COMMAND_STATUS, NULL, "away", "out for lunch", 0 },
    { "/status dnd", CW_TUI_COMMAND_STATUS, NULL, "dnd", NULL, 0 },
    { "/win 3", CW_TUI_COMMAND_WIN, NULL, NULL, NULL, 3 },
    { "/close", CW_TUI_COMMAND_CLOSE, NULL, NULL, NULL, 0 },
    { "/quit", CW_TUI_COMMAND_QUIT, NULL, NULL, NULL, 0 },
    { "/help", CW_TUI_COMMAND_HELP, NULL, NULL, NULL, 0 },
  };
  static const struct
  {
    const gchar *line;
    CwTuiError code;
  } bad[] = {
    { "/msg", CW_TUI_ERROR_USAGE },         { "/status sleepy", CW_TUI_ERROR_USAGE },
    { "/status", CW_TUI_ERROR_USAGE },      { "/win x", CW_TUI_ERROR_USAGE },
    { "/win 0", CW_TUI_ERROR_USAGE },       { "/close now", CW_TUI_ERROR_USAGE },
    { "/frobnicate", CW_TUI_ERROR_UNKNOWN_COMMAND }, { "/", CW_TUI_ERROR_UNKNOWN_COMMAND },
    { "   ", CW_TUI_ERROR_EMPTY },         { "", CW_TUI_ERROR_EMPTY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CwTuiCommand) c = cw_tui_command_parse (good[i].line, &error);

      g_test_message ("%s", good[i].line);
      g_assert_no_error (error);
      g_assert_cmpint (c->kind, ==, good[i].kind);
      g_assert_cmpstr (c->peer, ==, good[i].peer);
      g_assert_cmpstr (c->status, ==, good[i].status);
      g_assert_cmpstr (c->text, ==, good[i].text);
      g_assert_cmpuint (c->number, ==, good[i].number);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CwTuiCommand) c = cw_tui_command_parse (bad[i].line, &error);

      g_test_message ("%s", bad[i].line);
      g_assert_null (c);
      g_assert_error (error, CW_TUI_ERROR, (gint) bad[i].code);
      g_assert_cmpstr (error->message, !=, "");
    }
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tui/model/roster", test_roster);
  g_test_add_func ("/tui/model/windows", test_windows);
  g_test_add_func ("/tui/model/unread", test_unread);
  g_test_add_func ("/tui/model/delivery-marks", test_delivery);
  g_test_add_func ("/tui/model/history-pages", test_history);
  g_test_add_func ("/tui/model/typing-and-scroll", test_typing_and_scroll);
  g_test_add_func ("/tui/layout/wrap-wide-and-words", test_wrap);
  g_test_add_func ("/tui/input/editing-keys", test_editing);
  g_test_add_func ("/tui/input/history", test_input_history);
  g_test_add_func ("/tui/input/tab-completes-peers", test_complete);
  g_test_add_func ("/tui/input/view-scrolls-wide", test_view);
  g_test_add_func ("/tui/command/parse", test_commands);
  return g_test_run ();
}
