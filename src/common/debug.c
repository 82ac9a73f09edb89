/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging helpers. */
#include "config.h"
#include "common/debug.h"

gboolean
cw_debug_enabled (const gchar *domain)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, domain);
}
