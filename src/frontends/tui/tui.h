/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwag's full-screen chat window over chinwagd's D-Bus API. */
#pragma once

#include "dbus/chinwag-generated.h"

G_BEGIN_DECLS

/**
 * cw_tui_run:
 * @proxy: chinwagd, by its well-known name (so it follows restarts)
 *
 * Runs the chat window on the terminal until /quit, Ctrl-C or a hang-up.
 *
 * Returns: an exit status (0).
 */
gint cw_tui_run (CwChinwag1 *proxy);

G_END_DECLS
