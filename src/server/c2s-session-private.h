/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession internals shared by c2s-session.c (I/O, lifecycle) and c2s-negotiation.c. */
#pragma once

#include "server/c2s-session.h"
#include "server/sm.h"
#include "stream/xmpp-connection.h"

G_BEGIN_DECLS

typedef enum
{
  CW_C2S_STATE_TLS_HANDSHAKE, /* Direct TLS or after <proceed/> */
  CW_C2S_STATE_WAIT_OPEN,     /* waiting for the client's stream header */
  CW_C2S_STATE_NEGOTIATING,   /* features sent: STARTTLS, SASL or bind */
  CW_C2S_STATE_BOUND,         /* a resource is bound: stanzas flow */
  CW_C2S_STATE_HIBERNATING,   /* XEP-0198: connection lost, resource kept for a <resume/> */
  CW_C2S_STATE_CLOSING,       /* our close or error is on its way */
  CW_C2S_STATE_CLOSED,
} CwC2sState;

struct _CwC2sSession
{
  GObject parent;
  const CwC2sConfig *config;    /* unowned: outlives the session */
  CwXmppConnection *connection; /* owned */
  GCancellable *cancellable;    /* owned: cancels the receive in progress */
  gchar *address;               /* owned, nullable */
  gchar *stream_id;             /* owned */
  CwC2sState state;
  gboolean direct_tls;
  gboolean secure;
  gboolean authenticated;
  gboolean receiving;         /* a receive is in progress */
  gchar *username;            /* owned: the authenticated localpart */
  CwJid *jid;                 /* owned: the bound full JID */
  CwRouterResource *resource; /* unowned: in config->router while bound */
  CwSaslServer *sasl;         /* owned: the negotiation in progress */
  GBytes *cb_data;            /* owned, nullable: channel binding data */
  const gchar *cb_type;       /* static */
  guint auth_failures;
  const gchar *sasl_condition; /* static: the <failure/> waiting to be sent */
  guint negotiation_timer;     /* source id */
  guint pause_timer;           /* source id: rate limit or auth delay */
  gint64 last_activity;
  /* Token bucket (bytes); may go negative for one large stanza. */
  gint64 bucket;
  gint64 bucket_time;
  /* XEP-0198 (c2s-sm.c) */
  CwSm *sm;       /* owned, nullable: enabled */
  gchar *sm_id;   /* owned, nullable: resumable under this id */
  guint sm_timer; /* source id: end of hibernation */
  /* XEP-0352 (c2s-csi.c) */
  gboolean csi_inactive;
  gboolean csi_flushing;
  GQueue csi_held; /* CwElement (owned): presence held while inactive */
};

/* c2s-session.c */
void cw_c2s_session_receive (CwC2sSession *self);
void cw_c2s_session_send_then (CwC2sSession *self, CwElement *el, GAsyncReadyCallback callback);
void cw_c2s_session_close_error (CwC2sSession *self, const GError *error);
/* Closes without any more XML (TLS failed, connection lost). */
void cw_c2s_session_abort (CwC2sSession *self);
/* Sends @error_el (a <stream:error/>), then </stream:stream>, and closes. */
void cw_c2s_session_close_with_element (CwC2sSession *self, CwElement *error_el);
/* The end without any I/O: unbind, closed(), drop the self-reference. */
void cw_c2s_session_finish (CwC2sSession *self);

/* c2s-negotiation.c: each returns TRUE when the caller should receive the
 * next element, FALSE when the handler took over the flow (TLS, restart,
 * delay, close). */
void cw_c2s_negotiation_start (CwC2sSession *self);
void cw_c2s_negotiation_wait_open (CwC2sSession *self);
gboolean cw_c2s_negotiation_handle (CwC2sSession *self, CwElement *el);
gboolean cw_c2s_negotiation_handle_bound_iq (CwC2sSession *self, CwElement *el);
void cw_c2s_negotiation_clear (CwC2sSession *self);

/* c2s-sm.c: XEP-0198 */
void cw_c2s_sm_count_handled (CwC2sSession *self);
/* Before @stanza goes to the client: FALSE when it must not be written now
 * (queued while hibernating, or the session is ending). */
gboolean cw_c2s_sm_outbound (CwC2sSession *self, CwElement *stanza);
void cw_c2s_sm_after_send (CwC2sSession *self);
/* urn:xmpp:sm:3 elements before and after binding; same return as above. */
gboolean cw_c2s_sm_handle_bound (CwC2sSession *self, CwElement *el);
gboolean cw_c2s_sm_handle_unbound (CwC2sSession *self, CwElement *el);
/* The connection died: TRUE when the session now hibernates instead. */
gboolean cw_c2s_sm_hibernate (CwC2sSession *self);
/* After unbinding for good: unacknowledged stanzas are routed again. */
void cw_c2s_sm_release (CwC2sSession *self);

/* c2s-csi.c: XEP-0352 */
#define CW_NS_CSI "urn:xmpp:csi:0"
/* TRUE when @stanza was held back (presence while the client is inactive);
 * anything else first flushes what was held. */
gboolean cw_c2s_csi_hold (CwC2sSession *self, CwElement *stanza);
void cw_c2s_csi_flush (CwC2sSession *self);
/* <active/> and <inactive/>; same return as the SM handlers. */
gboolean cw_c2s_csi_handle (CwC2sSession *self, CwElement *el);
void cw_c2s_csi_clear (CwC2sSession *self);

G_END_DECLS
