/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwagd --gateway: runs the XMPP server a chinwag.conf(5) describes until SIGTERM. */
#pragma once

#include <glib.h>

#include "store/gateway-store.h"

G_BEGIN_DECLS

/**
 * cw_gateway_run:
 * @path: the configuration file
 * @check_only: only load and check @path (--check-config)
 *
 * Loads @path, opens the store and the listeners and serves clients until
 * SIGTERM or SIGINT. Every failure is explained on stderr.
 *
 * Returns: the exit status: EXIT_SUCCESS after a clean stop, EXIT_FAILURE
 *   when the configuration, the store or a listener cannot be used.
 */
/* Opens (or creates) the gateway store at @path, and its folder (mode 0700)
 * when missing: for chinwagd and chinwagctl alike. */
CwGatewayStore *cw_gateway_open_storage (const gchar *path, GError **error);

int cw_gateway_run (const gchar *path, gboolean check_only);

G_END_DECLS
