/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGateway: the gateway-mode XMPP server — listeners, client sessions, router and modules. */
#pragma once

#include <gio/gio.h>

#include "server/limits.h"
#include "server/router.h"
#include "server/sasl.h"
#include "store/gateway-store.h"
#include "xml/caps.h"

G_BEGIN_DECLS

typedef struct
{
  const gchar *address; /* IP literal; NULL: every address, IPv6 and IPv4 */
  guint16 port;         /* 0: any free port */
  gboolean direct_tls;  /* XEP-0368: TLS first (5223); else STARTTLS (5222) */
} CwGatewayListener;

typedef struct
{
  const gchar *domain;
  /* PEM files; the key may be in the certificate file (key_file NULL). */
  const gchar *cert_file;
  const gchar *key_file;
  /* Accept SASL without TLS (PLAIN is still refused there). Off by default. */
  gboolean tls_optional;
  const CwGatewayListener *listeners;
  guint n_listeners;
  const CwServerLimits *limits; /* nullable: cw_server_limits_init_default() */
  CwSaslLookupFunc lookup;      /* credentials of an account */
  gpointer lookup_data;
  /* Accounts' rosters, offline messages, archive…: lent to the modules
   * (CwModuleHost.store). Nullable: modules that need it then stay off.
   * Not owned; must outlive the gateway. */
  CwGatewayStore *store;
  /* Never offer SASL PLAIN (chinwag.conf "plain = false"). */
  gboolean no_plain;
  /* Nullable: vetoes a verified login, e.g. of a disabled account
   * (CwSaslAuthorizeFunc), called with lookup_data. */
  CwSaslAuthorizeFunc authorize;
  /* XEP-0077 in-band registration of new accounts (needs a store): off by
   * default; at most registration_throttle accounts per client address in
   * registration_throttle_time seconds (0: no limit). */
  gboolean registration;
  guint registration_throttle;
  guint registration_throttle_time;
} CwGatewayOptions;

typedef struct _CwGateway CwGateway;

/**
 * cw_gateway_new:
 *
 * Copies @options and loads the certificate.
 *
 * Returns: (transfer full) (nullable): a stopped gateway, or NULL with a
 *   GError when the domain is not a valid domain or the certificate cannot
 *   be loaded.
 */
CwGateway *cw_gateway_new (const CwGatewayOptions *options, GError **error);
/* Sessions point into the gateway: free it after cw_gateway_stop() once the
 * main loop brought cw_gateway_get_n_sessions() to 0. */
void cw_gateway_free (CwGateway *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwGateway, cw_gateway_free)

/* Opens every listener; on failure none stays open. */
gboolean cw_gateway_start (CwGateway *self, GError **error);
/* Closes the listeners and ends every session with system-shutdown. */
void cw_gateway_stop (CwGateway *self);

/* The port listener @index is bound to (after start). */
guint16 cw_gateway_get_port (CwGateway *self, guint index);
CwRouter *cw_gateway_get_router (CwGateway *self);
guint cw_gateway_get_n_sessions (CwGateway *self);
/* Returns: (transfer none) (nullable): the XEP-0115 caps the client bound
 * as @full_jid advertised in its last available presence. */
const CwCaps *cw_gateway_get_client_caps (CwGateway *self, const CwJid *full_jid);

G_END_DECLS
