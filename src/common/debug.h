/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging helpers: stanza dumps only when G_MESSAGES_DEBUG asks for them. */
#pragma once

#include <glib.h>

/* Logs a debug line built lazily: the arguments are only evaluated when
 * debug output is enabled for the current G_LOG_DOMAIN. */
#define CW_DEBUG(...) \
  G_STMT_START { \
    if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) \
      g_debug (__VA_ARGS__); \
  } G_STMT_END

gboolean cw_debug_enabled (const gchar *domain);
