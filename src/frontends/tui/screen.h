/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat window on the terminal: the only file that speaks curses. */
#pragma once

#include <glib.h>

#include "frontends/tui/input.h"
#include "frontends/tui/model.h"

G_BEGIN_DECLS

typedef struct _CwTuiScreen CwTuiScreen;

/* Takes over the terminal (full screen, raw keys). */
CwTuiScreen *cw_tui_screen_new (void);
/* Gives the terminal back as it was. */
void cw_tui_screen_free (CwTuiScreen *screen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwTuiScreen, cw_tui_screen_free)

/* The next key typed, without waiting; FALSE when there is none. */
gboolean cw_tui_screen_read_key (CwTuiScreen *screen, CwTuiKey *key);
/* Rows a page of scrollback moves. */
guint cw_tui_screen_page_rows (CwTuiScreen *screen);
/* After SIGWINCH: takes the terminal's new size. */
void cw_tui_screen_resize (CwTuiScreen *screen);
/* Ctrl-L: repaints every cell on the next draw. */
void cw_tui_screen_invalidate (CwTuiScreen *screen);
void cw_tui_screen_draw (CwTuiScreen *screen, CwTuiModel *model, CwTuiInput *input);

G_END_DECLS
