/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The state mod-presence.c (presence) and mod-roster.c (rosters, subscriptions) share. */
#pragma once

#include "server/module.h"
#include "server/subscription.h"

G_BEGIN_DECLS

/* What the presence module knows of one bound session. */
typedef struct
{
  CwC2sSession *session; /* unowned: removed in session_closed */
  CwElement *last;       /* owned, nullable: the last available broadcast presence */
  gboolean interested;   /* asked for the roster: gets roster pushes (RFC 6121 §2.1.6) */
  GHashTable *directed;  /* owned: gchar* JIDs sent directed presence (§4.6) */
} CwPresenceSession;

typedef struct
{
  const CwModuleHost *host;
  GHashTable *sessions; /* owned: CwC2sSession (unowned) -> CwPresenceSession (owned) */
  GHashTable *by_bare;  /* owned: gchar* bare JID -> GPtrArray of CwPresenceSession (unowned) */
} CwPresenceState;

/* mod-presence.c */

/* Returns: (transfer none) (nullable): the bound sessions of @bare. */
GPtrArray *cw_presence_sessions_of (CwPresenceState *state, const gchar *bare);
/* The last presence of each available resource of @user (a bare JID) to
 * @to; unavailable presence from each instead when @unavailable. */
void cw_presence_send_current (CwPresenceState *state, const gchar *user, const gchar *to,
                               gboolean unavailable);
/* Delivers @stanza to @user's available resources; TRUE when there was one. */
gboolean cw_presence_deliver_available (CwPresenceState *state, const gchar *user,
                                        CwElement *stanza);

/* mod-roster.c */

/* Roster gets and sets (RFC 6121 §2) from a bound client. Returns FALSE
 * when @stanza is not one. */
gboolean cw_roster_handle_iq (CwPresenceState *state, CwElement *stanza);
/* A subscription stanza the user @user (bare JID) sent to @contact
 * (bare JID); the caller has stamped both. Does the outbound half and
 * routes it on. */
void cw_roster_outbound_subscription (CwPresenceState *state, CwElement *stanza,
                                      CwSubscriptionEvent event);
/* A subscription stanza for a local account (its bare JID in 'to'). */
void cw_roster_inbound_subscription (CwPresenceState *state, CwElement *stanza,
                                     CwSubscriptionEvent event);
/* The user's items as stored (hidden Pending-In-only entries included).
 * Returns: (transfer full) (nullable) (element-type CwRosterItem) */
GPtrArray *cw_roster_items (CwPresenceState *state, const gchar *user);
/* Returns: (transfer full) (nullable): the user's item for @contact. */
CwRosterItem *cw_roster_item (CwPresenceState *state, const gchar *user, const gchar *contact);

G_END_DECLS
