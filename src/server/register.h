/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XEP-0077 in-band registration and password change: the shared account step. */
#pragma once

#include <glib.h>

#include "store/gateway-store.h"

G_BEGIN_DECLS

#define CW_NS_REGISTER "jabber:iq:register"
#define CW_NS_REGISTER_FEATURE "http://jabber.org/features/iq-register"

/**
 * cw_register_set_password:
 * @username: a raw localpart (prepared here)
 * @create: TRUE to create the account, FALSE to change its password
 *
 * Derives SCRAM-SHA-1 and SCRAM-SHA-256 credentials from @password (never
 * stored) and creates the account or replaces both credentials. Fails in
 * CW_STANZA_ERROR: not-acceptable for a bad username or password, conflict
 * when creating an existing account, item-not-found when changing a
 * missing one, internal-server-error when the store fails.
 */
gboolean cw_register_set_password (CwGatewayStore *store, const gchar *username,
                                   const gchar *password, gboolean create, GError **error);

G_END_DECLS
