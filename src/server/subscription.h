/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RFC 6121 presence subscription state machine (Appendix A) as a pure function. */
#pragma once

#include <glib.h>

#include "store/gateway-records.h"

G_BEGIN_DECLS

/* One side's view of a contact: the RFC's "None + Pending Out", "To +
 * Pending In" and so on. @subscription is never REMOVE. */
typedef struct
{
  CwRosterSubscription subscription;
  gboolean ask_out;    /* Pending Out: the user asked, no answer yet */
  gboolean pending_in; /* Pending In: the contact asked, the user has not answered */
} CwSubscriptionState;

typedef enum
{
  CW_SUBSCRIPTION_SUBSCRIBE,
  CW_SUBSCRIPTION_SUBSCRIBED,
  CW_SUBSCRIPTION_UNSUBSCRIBE,
  CW_SUBSCRIPTION_UNSUBSCRIBED,
} CwSubscriptionEvent;

typedef enum
{
  CW_SUBSCRIPTION_OUTBOUND, /* the user sent it (the user's server, RFC 6121 §3.x.2) */
  CW_SUBSCRIPTION_INBOUND,  /* the contact sent it to the user (the user's server receives it) */
} CwSubscriptionDirection;

typedef enum
{
  CW_SUBSCRIPTION_ACTION_NONE = 0,
  /* Outbound: route the stanza to the contact. Inbound: deliver it to the
   * user's available resources (a subscribe is also kept as Pending In
   * and delivered again at the next login until answered). */
  CW_SUBSCRIPTION_ACTION_FORWARD = 1 << 0,
  /* Inbound subscribe from a contact that already has the user's presence:
   * answer "subscribed" on the user's behalf, deliver nothing. */
  CW_SUBSCRIPTION_ACTION_AUTO_REPLY = 1 << 1,
  /* The contact may now see the user's presence: send the last presence
   * of each of the user's available resources to the contact. */
  CW_SUBSCRIPTION_ACTION_SEND_PRESENCE = 1 << 2,
  /* The contact may no longer see it: send unavailable presence from each
   * of the user's available resources to the contact. */
  CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE = 1 << 3,
} CwSubscriptionActions;

/**
 * cw_subscription_apply:
 * @state: the user's state for the contact before the stanza
 * @new_state: (out): after it (equal to @state when nothing changes)
 *
 * What the user's server does with a subscription stanza of @event going
 * in @direction (RFC 6121 §3 and the tables of Appendix A). Pre-approval
 * (§3.4) is not offered, so an unsolicited "subscribed" changes nothing.
 * The caller stores @new_state and sends a roster push when it differs.
 */
CwSubscriptionActions cw_subscription_apply (const CwSubscriptionState *state,
                                             CwSubscriptionEvent event,
                                             CwSubscriptionDirection direction,
                                             CwSubscriptionState *new_state);

gboolean cw_subscription_state_equal (const CwSubscriptionState *a, const CwSubscriptionState *b);

/* "subscribe", "subscribed", "unsubscribe", "unsubscribed" (a presence
 * type); FALSE for anything else. */
gboolean cw_subscription_event_from_type (const gchar *type, CwSubscriptionEvent *event);

/* Whether @subscription lets the user see the contact's presence (to,
 * both) / the contact see the user's (from, both). */
gboolean cw_subscription_has_to (CwRosterSubscription subscription);
gboolean cw_subscription_has_from (CwRosterSubscription subscription);

G_END_DECLS
