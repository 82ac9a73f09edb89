/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwag's full-screen chat window: keys and commands in, D-Bus calls and signals, redraws. */
#include "config.h"

#include "frontends/tui/tui.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <unistd.h>

#include "dbus/dbus-api.h"
#include "frontends/tui/command.h"
#include "frontends/tui/input.h"
#include "frontends/tui/model.h"
#include "frontends/tui/screen.h"

#define HISTORY_PAGE 100
#define TYPING_SHOWN_US (30 * G_USEC_PER_SEC) /* a "composing" without follow-up goes stale */
#define PAUSED_AFTER_US (5 * G_USEC_PER_SEC)  /* no key for this long: we paused */

typedef struct
{
  CwChinwag1 *proxy;      /* unowned */
  CwTuiModel *model;      /* owned */
  CwTuiInput *input;      /* owned */
  CwTuiScreen *screen;    /* owned */
  GMainLoop *loop;        /* owned */
  GCancellable *cancellable; /* owned: cancels every call on the way out */
  guint pending;          /* calls not answered yet */
  guint draw_idle;
  gchar *composing_to;    /* owned: the peer we last told "composing", or NULL */
  gint64 last_key_us;
} CwTui;

typedef struct
{
  CwTui *tui;
  gchar *peer;    /* owned, maybe NULL */
  gint64 temp_id;
  gchar *status;  /* owned, maybe NULL */
  gchar *message; /* owned, maybe NULL */
} Call;

static Call *
call_new (CwTui *tui, const gchar *peer)
{
  Call *call = g_new0 (Call, 1);

  call->tui = tui;
  call->peer = g_strdup (peer);
  tui->pending++;
  return call;
}

static void
call_free (Call *call)
{
  call->tui->pending--;
  g_free (call->peer);
  g_free (call->status);
  g_free (call->message);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static gboolean
draw_now (gpointer data)
{
  CwTui *tui = data;

  tui->draw_idle = 0;
  cw_tui_screen_draw (tui->screen, tui->model, tui->input);
  return G_SOURCE_REMOVE;
}

static void
queue_draw (CwTui *tui)
{
  if (tui->draw_idle == 0)
    tui->draw_idle = g_idle_add (draw_now, tui);
}

/* Shows a failed call's message on the status line; FALSE when it was
 * only cancelled (the window is closing: touch nothing). */
static gboolean
report (CwTui *tui, GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  g_dbus_error_strip_remote_error (error);
  cw_tui_model_set_notice (tui->model, "%s", error->message);
  queue_draw (tui);
  return TRUE;
}

/* ---- loading: roster, presence, history ---------------------------------------------------- */

static void
on_roster_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) peers = NULL;
  GVariantIter iter;
  const gchar *name, *status, *message;
  gboolean reachable;

  if (!cw_chinwag1_call_get_roster_finish (CW_CHINWAG1 (source), &peers, result, &error))
    {
      report (call->tui, error);
      return;
    }
  cw_tui_model_clear_roster (call->tui->model);
  g_variant_iter_init (&iter, peers);
  while (g_variant_iter_next (&iter, "(&s&s&sb@as&sb)", &name, &status, &message, &reachable,
                              NULL, NULL, NULL))
    cw_tui_model_update_peer (call->tui->model, name, status, message, reachable);
  queue_draw (call->tui);
}

static void
on_presence_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *message = NULL;
  CwTuiModel *model = call->tui->model;

  if (!cw_chinwag1_call_get_presence_finish (CW_CHINWAG1 (source), &status, &message, result,
                                              &error))
    {
      report (call->tui, error);
      return;
    }
  g_free (model->own_status);
  model->own_status = g_steal_pointer (&status);
  g_free (model->own_message);
  model->own_message = g_steal_pointer (&message);
  queue_draw (call->tui);
}

static void
on_info_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) info = NULL;
  const gchar *name = NULL;

  if (!cw_chinwag1_call_get_info_finish (CW_CHINWAG1 (source), &info, result, &error))
    {
      report (call->tui, error);
      return;
    }
  if (g_variant_lookup (info, "name", "&s", &name))
    {
      g_free (call->tui->model->own_name);
      call->tui->model->own_name = g_strdup (name);
    }
  queue_draw (call->tui);
}

static void
load_all (CwTui *tui)
{
  cw_chinwag1_call_get_info (tui->proxy, tui->cancellable, on_info_loaded, call_new (tui, NULL));
  cw_chinwag1_call_get_presence (tui->proxy, tui->cancellable, on_presence_loaded,
                                 call_new (tui, NULL));
  cw_chinwag1_call_get_roster (tui->proxy, tui->cancellable, on_roster_loaded,
                               call_new (tui, NULL));
}

static void
on_history_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) messages = NULL;
  CwTuiModel *model = call->tui->model;
  gint index = cw_tui_model_find_window (model, call->peer);
  GVariantIter iter;
  const gchar *direction, *state, *body;
  gint64 id, created;

  if (!cw_chinwag1_call_get_history_finish (CW_CHINWAG1 (source), &messages, result, &error))
    {
      if (report (call->tui, error) && index >= 0)
        ((CwTuiWindow *) model->windows->pdata[index])->history_requested = FALSE;
      return;
    }
  if (index < 0)
    return; /* closed meanwhile */
  g_variant_iter_init (&iter, messages);
  while (g_variant_iter_next (&iter, "(x&s&s&sx)", &id, &direction, &state, &body, &created))
    cw_tui_model_prepend_history (model, call->peer, id, g_strcmp0 (direction, "in") == 0, state,
                                  body, created);
  if (g_variant_n_children (messages) < HISTORY_PAGE)
    ((CwTuiWindow *) model->windows->pdata[index])->history_complete = TRUE;
  ((CwTuiWindow *) model->windows->pdata[index])->history_requested = FALSE;
  queue_draw (call->tui);
}

/* The next older page of @peer's conversation, unless one is on its way. */
static void
load_history (CwTui *tui, const gchar *peer)
{
  gint index = cw_tui_model_find_window (tui->model, peer);
  CwTuiWindow *window;

  if (index < 0)
    return;
  window = tui->model->windows->pdata[index];
  if (window->history_requested || window->history_complete)
    return;
  window->history_requested = TRUE;
  cw_chinwag1_call_get_history (tui->proxy, peer, cw_tui_model_oldest_id (tui->model, peer),
                                HISTORY_PAGE, tui->cancellable, on_history_loaded,
                                call_new (tui, peer));
}

/* ---- sending -------------------------------------------------------------------------------- */

static void
on_chat_state_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;

  /* Best effort: a peer that cannot hear us typing is no news. */
  cw_chinwag1_call_send_chat_state_finish (CW_CHINWAG1 (source), result, NULL);
}

static void
send_chat_state (CwTui *tui, const gchar *peer, const gchar *state)
{
  cw_chinwag1_call_send_chat_state (tui->proxy, peer, state, tui->cancellable,
                                    on_chat_state_sent, call_new (tui, NULL));
}

/* We stopped typing to whoever we told we were. */
static void
stop_composing (CwTui *tui, const gchar *state)
{
  g_autofree gchar *peer = g_steal_pointer (&tui->composing_to);

  if (peer != NULL)
    send_chat_state (tui, peer, state);
}

/* After a key that changed the line: "composing" to the window's peer,
 * once, while there is text that is not a command. */
static void
update_composing (CwTui *tui)
{
  CwTuiWindow *window = cw_tui_model_current (tui->model);
  g_autofree gchar *text = cw_tui_input_get_text (tui->input);
  gboolean typing = window->peer != NULL && *text != '\0' && (text[0] != '/' || text[1] == '/');

  tui->last_key_us = g_get_monotonic_time ();
  if (typing && g_strcmp0 (tui->composing_to, window->peer) == 0)
    return;
  stop_composing (tui, "active");
  if (typing && tui->model->connected)
    {
      tui->composing_to = g_strdup (window->peer);
      send_chat_state (tui, window->peer, "composing");
    }
}

static void
on_message_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  gint64 id = 0;

  if (!cw_chinwag1_call_send_message_finish (CW_CHINWAG1 (source), &id, result, &error))
    {
      gboolean unknown = g_error_matches (error, CW_DBUS_ERROR, CW_DBUS_ERROR_UNKNOWN_PEER);
      CwTuiModel *model = call->tui->model;
      gint index = cw_tui_model_find_window (model, call->peer);
      CwTuiPeer *peer = cw_tui_model_find_peer (model, call->peer);

      if (!report (call->tui, error))
        return;
      cw_tui_model_set_message_state (model, call->temp_id, "failed");
      /* nobody by that name, and never was: no window for them */
      if (unknown && index > 0 && (peer == NULL || !peer->present)
          && cw_tui_model_oldest_id (model, call->peer) == 0)
        cw_tui_model_close_window (model, (guint) index);
      return;
    }
  cw_tui_model_set_message_id (call->tui->model, call->temp_id, id);
  queue_draw (call->tui);
}

static void
send_text (CwTui *tui, const gchar *peer, const gchar *text)
{
  Call *call = call_new (tui, peer);

  call->temp_id = cw_tui_model_add_outgoing (tui->model, peer, text, g_get_real_time ());
  cw_chinwag1_call_send_message (tui->proxy, peer, text, tui->cancellable, on_message_sent, call);
  g_clear_pointer (&tui->composing_to, g_free); /* a message ends "composing" */
}

static void
on_presence_set (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Call) call = data;
  g_autoptr (GError) error = NULL;
  CwTuiModel *model = call->tui->model;

  if (!cw_chinwag1_call_set_presence_finish (CW_CHINWAG1 (source), result, &error))
    {
      report (call->tui, error);
      return;
    }
  g_free (model->own_status);
  model->own_status = g_steal_pointer (&call->status);
  g_free (model->own_message);
  model->own_message = g_steal_pointer (&call->message);
  cw_tui_model_set_notice (model, _("Status set to %s"), model->own_status);
  queue_draw (call->tui);
}

static void
set_presence (CwTui *tui, const gchar *status, const gchar *message)
{
  Call *call = call_new (tui, NULL);

  call->status = g_strdup (status);
  call->message = g_strdup (message != NULL ? message : "");
  cw_chinwag1_call_set_presence (tui->proxy, call->status, call->message, tui->cancellable,
                                 on_presence_set, call);
}

/* ---- commands --------------------------------------------------------------------------------- */

static void
open_chat (CwTui *tui, const gchar *peer)
{
  guint index = cw_tui_model_open_window (tui->model, peer);

  cw_tui_model_switch (tui->model, index);
  load_history (tui, peer);
}

static void
show_help (CwTui *tui)
{
  g_autofree gchar *help = cw_tui_command_help ();
  g_auto (GStrv) lines = g_strsplit (help, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    cw_tui_model_info (tui->model, tui->model->current, lines[i]);
}

static void
run_command (CwTui *tui, CwTuiCommand *command)
{
  CwTuiWindow *window = cw_tui_model_current (tui->model);

  switch (command->kind)
    {
    case CW_TUI_COMMAND_TEXT:
      if (window->peer == NULL)
        cw_tui_model_set_notice (tui->model, _("This is the status window: /msg PEER to chat"));
      else
        send_text (tui, window->peer, command->text);
      break;
    case CW_TUI_COMMAND_MSG:
      open_chat (tui, command->peer);
      if (command->text != NULL)
        send_text (tui, command->peer, command->text);
      break;
    case CW_TUI_COMMAND_STATUS:
      set_presence (tui, command->status, command->text);
      break;
    case CW_TUI_COMMAND_CLOSE:
      if (window->peer == NULL)
        cw_tui_model_set_notice (tui->model, _("The status window stays open"));
      else
        {
          stop_composing (tui, "gone");
          cw_tui_model_close_window (tui->model, tui->model->current);
        }
      break;
    case CW_TUI_COMMAND_WIN:
      if (!cw_tui_model_switch (tui->model, command->number - 1))
        cw_tui_model_set_notice (tui->model, _("There is no window %u"), command->number);
      break;
    case CW_TUI_COMMAND_QUIT:
      g_main_loop_quit (tui->loop);
      break;
    case CW_TUI_COMMAND_HELP:
      show_help (tui);
      break;
    }
}

static void
enter_line (CwTui *tui)
{
  g_autofree gchar *line = cw_tui_input_take_line (tui->input);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwTuiCommand) command = NULL;

  if (*line == '\0')
    return;
  cw_tui_model_set_notice (tui->model, NULL);
  command = cw_tui_command_parse (line, &error);
  if (command == NULL)
    cw_tui_model_set_notice (tui->model, "%s", error->message);
  else
    run_command (tui, command);
  update_composing (tui);
}

/* ---- keys ------------------------------------------------------------------------------------------ */

static void
complete (CwTui *tui)
{
  static const gchar *const names[] = { "/msg", "/status", "/win", "/close", "/quit", "/help" };
  gboolean first = FALSE;
  g_autofree gchar *word = cw_tui_input_word (tui->input, &first);
  g_autoptr (GPtrArray) candidates = NULL;

  if (first && word[0] == '/')
    {
      candidates = g_ptr_array_new ();
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        if (g_str_has_prefix (names[i], word))
          g_ptr_array_add (candidates, (gpointer) names[i]);
    }
  else
    candidates = cw_tui_model_complete_peer (tui->model, word);
  if (!cw_tui_input_complete (tui->input, candidates))
    cw_tui_model_set_notice (tui->model, _("Nothing matches “%s”"), word);
}

static void
page (CwTui *tui, gint direction)
{
  CwTuiWindow *window = cw_tui_model_current (tui->model);
  gint rows = (gint) cw_tui_screen_page_rows (tui->screen);

  if (direction > 0 && window->at_top && window->peer != NULL)
    load_history (tui, window->peer);
  cw_tui_model_scroll (tui->model, direction * rows);
}

static void
handle_key (CwTui *tui, const CwTuiKey *key)
{
  switch (key->type)
    {
    case CW_TUI_KEY_ENTER: enter_line (tui); break;
    case CW_TUI_KEY_TAB: complete (tui); break;
    case CW_TUI_KEY_PAGE_UP: page (tui, 1); break;
    case CW_TUI_KEY_PAGE_DOWN: page (tui, -1); break;
    case CW_TUI_KEY_NEXT_WINDOW: cw_tui_model_cycle (tui->model, 1); break;
    case CW_TUI_KEY_PREV_WINDOW: cw_tui_model_cycle (tui->model, -1); break;
    case CW_TUI_KEY_WINDOW:
      if (!cw_tui_model_switch (tui->model, key->c - 1))
        cw_tui_model_set_notice (tui->model, _("There is no window %u"), key->c);
      break;
    case CW_TUI_KEY_REDRAW: cw_tui_screen_invalidate (tui->screen); break;
    case CW_TUI_KEY_RESIZE: break; /* curses has the new size already: just redraw */
    case CW_TUI_KEY_QUIT: g_main_loop_quit (tui->loop); break;
    default:
      if (cw_tui_input_handle_key (tui->input, key) && key->type != CW_TUI_KEY_LEFT
          && key->type != CW_TUI_KEY_RIGHT)
        update_composing (tui);
      break;
    }
}

static gboolean
on_stdin (gint fd, GIOCondition condition, gpointer data)
{
  CwTui *tui = data;
  CwTuiKey key;

  while (cw_tui_screen_read_key (tui->screen, &key))
    handle_key (tui, &key);
  if (condition & (G_IO_HUP | G_IO_ERR))
    g_main_loop_quit (tui->loop); /* the terminal went away */
  queue_draw (tui);
  return G_SOURCE_CONTINUE;
}

/* ---- signals from chinwagd --------------------------------------------------------------- */

static void
on_roster_changed (CwChinwag1 *proxy, const gchar *name, const gchar *change, CwTui *tui)
{
  if (g_strcmp0 (change, "removed") == 0)
    cw_tui_model_remove_peer (tui->model, name);
  queue_draw (tui);
}

static void
on_presence_changed (CwChinwag1 *proxy, const gchar *name, const gchar *status,
                     const gchar *message, gboolean reachable, CwTui *tui)
{
  cw_tui_model_update_peer (tui->model, name, status, message, reachable);
  queue_draw (tui);
}

static void
on_message_received (CwChinwag1 *proxy, const gchar *peer, gint64 id, const gchar *body,
                     CwTui *tui)
{
  gboolean had_window = cw_tui_model_find_window (tui->model, peer) >= 0;

  cw_tui_model_add_incoming (tui->model, peer, id, body, g_get_real_time ());
  if (!had_window)
    load_history (tui, peer);
  queue_draw (tui);
}

static void
on_message_state (CwChinwag1 *proxy, gint64 id, const gchar *peer, const gchar *state,
                  CwTui *tui)
{
  cw_tui_model_set_message_state (tui->model, id, state);
  if (g_strcmp0 (state, "failed") == 0)
    cw_tui_model_set_notice (tui->model, _("A message to %s failed"), peer);
  queue_draw (tui);
}

static void
on_chat_state (CwChinwag1 *proxy, const gchar *peer, const gchar *state, CwTui *tui)
{
  cw_tui_model_set_typing (tui->model, peer, g_strcmp0 (state, "composing") == 0);
  queue_draw (tui);
}

static void
on_name_changed (CwChinwag1 *proxy, const gchar *name, CwTui *tui)
{
  g_free (tui->model->own_name);
  tui->model->own_name = g_strdup (name);
  cw_tui_model_set_notice (tui->model, _("We are now known as %s"), name);
  queue_draw (tui);
}

/* chinwagd's name lost or taken: it went away, or came back (a new
 * process, so the roster is reloaded). */
static void
on_owner (GObject *proxy, GParamSpec *pspec, CwTui *tui)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  const gchar *text;

  if ((owner != NULL) == tui->model->connected)
    return;
  tui->model->connected = owner != NULL;
  if (owner != NULL)
    {
      text = _("chinwagd is back — reconnected");
      load_all (tui);
    }
  else
    {
      text = _("chinwagd went away — reconnecting");
      g_clear_pointer (&tui->composing_to, g_free);
    }
  cw_tui_model_set_notice (tui->model, "%s", text);
  cw_tui_model_info (tui->model, 0, text);
  queue_draw (tui);
}

/* Once a second: the clock, stale "typing…", and our own pause. */
static gboolean
on_tick (gpointer data)
{
  CwTui *tui = data;
  gint64 now = g_get_monotonic_time ();

  cw_tui_model_expire_typing (tui->model, now, TYPING_SHOWN_US);
  if (tui->composing_to != NULL && now - tui->last_key_us > PAUSED_AFTER_US)
    stop_composing (tui, "paused");
  queue_draw (tui);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal (gpointer data)
{
  g_main_loop_quit (((CwTui *) data)->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_winch (gpointer data)
{
  CwTui *tui = data;

  cw_tui_screen_resize (tui->screen);
  queue_draw (tui);
  return G_SOURCE_CONTINUE;
}

static void
connect_signals (CwTui *tui)
{
  g_signal_connect (tui->proxy, "roster-changed", G_CALLBACK (on_roster_changed), tui);
  g_signal_connect (tui->proxy, "presence-changed", G_CALLBACK (on_presence_changed), tui);
  g_signal_connect (tui->proxy, "message-received", G_CALLBACK (on_message_received), tui);
  g_signal_connect (tui->proxy, "message-state-changed", G_CALLBACK (on_message_state), tui);
  g_signal_connect (tui->proxy, "chat-state", G_CALLBACK (on_chat_state), tui);
  g_signal_connect (tui->proxy, "name-changed", G_CALLBACK (on_name_changed), tui);
  g_signal_connect (tui->proxy, "notify::g-name-owner", G_CALLBACK (on_owner), tui);
}

/* Cancels what is still on its way and waits for the callbacks, which
 * hold pointers into @tui. */
static void
drain (CwTui *tui)
{
  stop_composing (tui, "gone");
  g_cancellable_cancel (tui->cancellable);
  while (tui->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

gint
cw_tui_run (CwChinwag1 *proxy)
{
  CwTui tui = { .proxy = proxy };
  GQuark errors G_GNUC_UNUSED = CW_DBUS_ERROR; /* maps chinwagd's D-Bus errors to codes */
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));
  guint sources[6];

  tui.model = cw_tui_model_new ();
  tui.input = cw_tui_input_new ();
  tui.loop = g_main_loop_new (NULL, FALSE);
  tui.cancellable = g_cancellable_new ();
  tui.model->connected = owner != NULL;
  tui.screen = cw_tui_screen_new ();
  cw_tui_model_info (tui.model, 0, _("Welcome to chinwag. /msg PEER to chat, /help for more."));
  connect_signals (&tui);
  load_all (&tui);
  sources[0] = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &tui);
  sources[1] = g_unix_signal_add (SIGWINCH, on_winch, &tui);
  sources[2] = g_unix_signal_add (SIGINT, on_quit_signal, &tui);
  sources[3] = g_unix_signal_add (SIGTERM, on_quit_signal, &tui);
  sources[4] = g_unix_signal_add (SIGHUP, on_quit_signal, &tui);
  sources[5] = g_timeout_add_seconds (1, on_tick, &tui);
  draw_now (&tui);
  g_main_loop_run (tui.loop);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_source_remove (sources[i]);
  g_signal_handlers_disconnect_by_data (proxy, &tui);
  drain (&tui);
  g_clear_handle_id (&tui.draw_idle, g_source_remove);
  cw_tui_screen_free (tui.screen);
  cw_tui_input_free (tui.input);
  cw_tui_model_free (tui.model);
  g_main_loop_unref (tui.loop);
  g_object_unref (tui.cancellable);
  return 0;
}
