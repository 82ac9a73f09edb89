/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession: one client connection — RFC 6120 negotiation (TLS, SASL, bind), then stanzas. */
#pragma once

#include <gio/gio.h>

#include "common/jid.h"
#include "common/xmpp-error.h"
#include "server/limits.h"
#include "server/router.h"
#include "server/sasl.h"
#include "xml/element.h"

G_BEGIN_DECLS

#define CW_TYPE_C2S_SESSION (cw_c2s_session_get_type ())
G_DECLARE_FINAL_TYPE (CwC2sSession, cw_c2s_session, CW, C2S_SESSION, GObject)

/* Shared by every session of a gateway; must outlive them. */
typedef struct
{
  const gchar *domain;          /* normalised */
  GTlsCertificate *certificate; /* nullable: no TLS at all */
  gboolean tls_required;        /* no SASL before STARTTLS */
  const CwServerLimits *limits;
  CwSaslLookupFunc lookup;
  gpointer lookup_data;
  CwRouter *router;
  /* A stanza from a bound client, its 'from' already stamped: the gateway
   * runs the modules and the router. */
  void (*stanza) (CwC2sSession *session, CwElement *stanza, gpointer user_data);
  /* After resource binding and when the session is over (once each). */
  void (*bound) (CwC2sSession *session, gpointer user_data);
  void (*closed) (CwC2sSession *session, gpointer user_data);
  gpointer user_data;
  /* Never offer PLAIN (CwSaslServerConfig.no_plain). */
  gboolean no_plain;
  /* Nullable: CwSaslServerConfig.authorize, called with lookup_data. */
  CwSaslAuthorizeFunc authorize;
  /* Advertise XEP-0237 roster versioning (a roster module serves it). */
  gboolean roster_versioning;
  /* XEP-0198 resumption: stream id (gchar*, owned by the table) -> the
   * resumable CwC2sSession (unowned; it removes itself). Nullable: none. */
  GHashTable *sm_sessions;
  /* XEP-0077 in-band registration before authentication (only where SASL
   * is allowed). Nullable: off. Returns FALSE with a CW_STANZA_ERROR. */
  gboolean (*register_account) (CwC2sSession *session, const gchar *username,
                                const gchar *password, GError **error, gpointer user_data);
  /* Nullable: the server's XEP-0115 <c/>, sent in the features after
   * authentication (as Prosody and ejabberd do). */
  CwElement *caps;
} CwC2sConfig;

/**
 * cw_c2s_session_new:
 * @stream: an accepted connection (a GSocketConnection, or anything in tests)
 * @direct_tls: TRUE for XEP-0368 listeners: the TLS handshake comes first
 * @address: (nullable): the peer's address, for logs and per-address limits
 */
CwC2sSession *cw_c2s_session_new (const CwC2sConfig *config, GIOStream *stream, gboolean direct_tls,
                                  const gchar *address);

/* Starts the negotiation timer and waits for the client's stream header.
 * The session keeps itself alive until closed() was called. */
void cw_c2s_session_start (CwC2sSession *self);

/* Returns: (transfer none) (nullable): the bound full JID, NULL before binding. */
CwJid *cw_c2s_session_get_jid (CwC2sSession *self);
const gchar *cw_c2s_session_get_address (CwC2sSession *self);
gboolean cw_c2s_session_is_secure (CwC2sSession *self);
gboolean cw_c2s_session_is_authenticated (CwC2sSession *self);
/* XEP-0198: the connection is gone but the session waits for a <resume/>. */
gboolean cw_c2s_session_is_hibernating (CwC2sSession *self);
/* g_get_monotonic_time() of the last stanza received from the client. */
gint64 cw_c2s_session_get_last_activity (CwC2sSession *self);
/* The router entry of a bound session, NULL otherwise. */
CwRouterResource *cw_c2s_session_get_resource (CwC2sSession *self);

/* Queues @stanza (transfer none) to the client; dropped once closing. */
void cw_c2s_session_send (CwC2sSession *self, CwElement *stanza);

/* Ends the stream with a <stream:error> of @condition and closes the
 * connection. @text (nullable) goes into <text/>. */
void cw_c2s_session_close_with_error (CwC2sSession *self, CwStreamError condition,
                                      const gchar *text);

G_END_DECLS
