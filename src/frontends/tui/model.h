/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window's state without curses: roster, conversation windows, unread counts, scrollback. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CW_TUI_LINE_IN,   /* a message from the peer */
  CW_TUI_LINE_OUT,  /* a message we sent */
  CW_TUI_LINE_INFO, /* a note from chinwag itself */
} CwTuiLineKind;

typedef struct
{
  gint64 id;          /* history id; negative while SendMessage has not answered; 0 for notes */
  CwTuiLineKind kind;
  gchar *state;       /* owned: "queued", "sent", "delivered", "failed"; NULL unless OUT */
  gchar *text;        /* owned, UTF-8 */
  gint64 time_us;     /* wall clock, microseconds since the epoch */
} CwTuiLine;

typedef struct
{
  gchar *peer;        /* owned; NULL for the status window */
  GPtrArray *lines;   /* owned (CwTuiLine *), oldest first */
  guint unread;       /* messages received while not shown */
  guint scroll;       /* screen rows scrolled back from the newest */
  gboolean at_top;    /* set by the screen: the oldest loaded row is shown */
  gboolean typing;    /* the peer is composing */
  gint64 typing_since; /* monotonic time of the composing state */
  gboolean history_requested;
  gboolean history_complete; /* nothing older than the oldest line */
} CwTuiWindow;

typedef struct
{
  gchar *name;        /* owned */
  gchar *status;      /* owned: "avail", "away", "dnd" */
  gchar *message;     /* owned, maybe empty */
  gboolean reachable;
  gboolean present;   /* still discovered; FALSE once removed */
} CwTuiPeer;

typedef struct
{
  GPtrArray *peers;   /* owned (CwTuiPeer *), sorted by name */
  GPtrArray *windows; /* owned (CwTuiWindow *); [0] is the status window */
  guint current;      /* index into windows */
  gchar *notice;      /* owned: the status line's message, or NULL */
  gchar *own_name;    /* owned, maybe NULL */
  gchar *own_status;  /* owned */
  gchar *own_message; /* owned */
  gboolean connected; /* chinwagd owns its name */
  GHashTable *early_states; /* owned: id (gint64 *) → state, for states seen before SendMessage answered */
  gint64 next_temp_id;
} CwTuiModel;

CwTuiModel *cw_tui_model_new (void);
void cw_tui_model_free (CwTuiModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTuiModel, cw_tui_model_free)

/* Roster */
void cw_tui_model_clear_roster (CwTuiModel *model);
CwTuiPeer *cw_tui_model_find_peer (CwTuiModel *model, const gchar *name);
CwTuiPeer *cw_tui_model_update_peer (CwTuiModel *model, const gchar *name, const gchar *status,
                                     const gchar *message, gboolean reachable);
void cw_tui_model_remove_peer (CwTuiModel *model, const gchar *name);
/* Names starting with @prefix, for Tab: (transfer container) */
GPtrArray *cw_tui_model_complete_peer (CwTuiModel *model, const gchar *prefix);

/* Windows */
CwTuiWindow *cw_tui_model_current (CwTuiModel *model);
gint cw_tui_model_find_window (CwTuiModel *model, const gchar *peer);
guint cw_tui_model_open_window (CwTuiModel *model, const gchar *peer);
gboolean cw_tui_model_close_window (CwTuiModel *model, guint index);
gboolean cw_tui_model_switch (CwTuiModel *model, guint index);
void cw_tui_model_cycle (CwTuiModel *model, gint delta);
guint cw_tui_model_peer_unread (CwTuiModel *model, const gchar *peer);

/* Messages */
void cw_tui_model_add_incoming (CwTuiModel *model, const gchar *peer, gint64 id,
                                const gchar *body, gint64 time_us);
gint64 cw_tui_model_add_outgoing (CwTuiModel *model, const gchar *peer, const gchar *body,
                                  gint64 time_us);
void cw_tui_model_set_message_id (CwTuiModel *model, gint64 temp_id, gint64 id);
void cw_tui_model_set_message_state (CwTuiModel *model, gint64 id, const gchar *state);
void cw_tui_model_prepend_history (CwTuiModel *model, const gchar *peer, gint64 id,
                                   gboolean incoming, const gchar *state, const gchar *body,
                                   gint64 time_us);
gint64 cw_tui_model_oldest_id (CwTuiModel *model, const gchar *peer);
void cw_tui_model_info (CwTuiModel *model, guint window, const gchar *text);
void cw_tui_model_set_typing (CwTuiModel *model, const gchar *peer, gboolean typing);
/* Forgets "typing…" older than @max_us; returns whether any went. */
gboolean cw_tui_model_expire_typing (CwTuiModel *model, gint64 now_us, gint64 max_us);
void cw_tui_model_set_notice (CwTuiModel *model, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
void cw_tui_model_scroll (CwTuiModel *model, gint rows);

/* Text layout */
guint cw_tui_text_width (const gchar *text);
GPtrArray *cw_tui_wrap (const gchar *text, guint width);
gchar *cw_tui_truncate (const gchar *text, guint width);

G_END_DECLS
