/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RFC 6121 Appendix A subscription tables, as one pure function. */
#include "config.h"

#include "server/subscription.h"

gboolean
cw_subscription_has_to (CwRosterSubscription subscription)
{
  return subscription == CW_ROSTER_SUBSCRIPTION_TO || subscription == CW_ROSTER_SUBSCRIPTION_BOTH;
}

gboolean
cw_subscription_has_from (CwRosterSubscription subscription)
{
  return subscription == CW_ROSTER_SUBSCRIPTION_FROM || subscription == CW_ROSTER_SUBSCRIPTION_BOTH;
}

static CwRosterSubscription
make_subscription (gboolean to, gboolean from)
{
  if (to && from)
    return CW_ROSTER_SUBSCRIPTION_BOTH;
  if (to)
    return CW_ROSTER_SUBSCRIPTION_TO;
  return from ? CW_ROSTER_SUBSCRIPTION_FROM : CW_ROSTER_SUBSCRIPTION_NONE;
}

/* The user's server handles what the user sent (§3.1.2, 3.1.5, 3.2.2,
 * 3.3.2; A.2 and A.3 "outbound"). */
static CwSubscriptionActions
outbound (CwSubscriptionEvent event, gboolean *to, gboolean *from, gboolean *po, gboolean *pi)
{
  CwSubscriptionActions actions = CW_SUBSCRIPTION_ACTION_FORWARD;

  switch (event)
    {
      case CW_SUBSCRIPTION_SUBSCRIBE:
        /* Routed even when subscribed already: the contact's server
         * answers for the contact. */
        if (!*to)
          *po = TRUE;
        break;
      case CW_SUBSCRIPTION_SUBSCRIBED:
        /* No pre-approval: approving nobody's request does nothing. */
        if (!*pi)
          return CW_SUBSCRIPTION_ACTION_NONE;
        *from = TRUE;
        *pi = FALSE;
        actions |= CW_SUBSCRIPTION_ACTION_SEND_PRESENCE;
        break;
      case CW_SUBSCRIPTION_UNSUBSCRIBE:
        *to = FALSE;
        *po = FALSE;
        break;
      case CW_SUBSCRIPTION_UNSUBSCRIBED:
        /* Cancels or denies; routed either way so that a contact whose
         * state disagrees with ours is cleaned up as well. */
        if (*from)
          actions |= CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE;
        *from = FALSE;
        *pi = FALSE;
        break;
      default:
        g_return_val_if_reached (CW_SUBSCRIPTION_ACTION_NONE);
    }
  return actions;
}

/* The user's server handles what a contact sent to the user (§3.1.3,
 * 3.1.6, 3.2.3, 3.3.3): anything that changes nothing is dropped. */
static CwSubscriptionActions
inbound (CwSubscriptionEvent event, gboolean *to, gboolean *from, gboolean *po, gboolean *pi)
{
  switch (event)
    {
      case CW_SUBSCRIPTION_SUBSCRIBE:
        if (*from)
          return CW_SUBSCRIPTION_ACTION_AUTO_REPLY;
        /* A request already waiting is not delivered twice (Appendix A); it
         * comes again at the next login. */
        if (*pi)
          return CW_SUBSCRIPTION_ACTION_NONE;
        *pi = TRUE;
        return CW_SUBSCRIPTION_ACTION_FORWARD;
      case CW_SUBSCRIPTION_SUBSCRIBED:
        if (!*po)
          return CW_SUBSCRIPTION_ACTION_NONE;
        *to = TRUE;
        *po = FALSE;
        return CW_SUBSCRIPTION_ACTION_FORWARD;
      case CW_SUBSCRIPTION_UNSUBSCRIBE:
        {
          CwSubscriptionActions actions = CW_SUBSCRIPTION_ACTION_FORWARD;

          if (!*from && !*pi)
            return CW_SUBSCRIPTION_ACTION_NONE;
          if (*from)
            actions |= CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE;
          *from = FALSE;
          *pi = FALSE;
          return actions;
        }
      case CW_SUBSCRIPTION_UNSUBSCRIBED:
        if (!*to && !*po)
          return CW_SUBSCRIPTION_ACTION_NONE;
        *to = FALSE;
        *po = FALSE;
        return CW_SUBSCRIPTION_ACTION_FORWARD;
      default:
        g_return_val_if_reached (CW_SUBSCRIPTION_ACTION_NONE);
    }
}

CwSubscriptionActions
cw_subscription_apply (const CwSubscriptionState *state, CwSubscriptionEvent event,
                       CwSubscriptionDirection direction, CwSubscriptionState *new_state)
{
  gboolean to = cw_subscription_has_to (state->subscription);
  gboolean from = cw_subscription_has_from (state->subscription);
  gboolean po = state->ask_out;
  gboolean pi = state->pending_in;
  CwSubscriptionActions actions;

  if (direction == CW_SUBSCRIPTION_OUTBOUND)
    actions = outbound (event, &to, &from, &po, &pi);
  else
    actions = inbound (event, &to, &from, &po, &pi);
  /* "To" already implies the request was answered: no Pending Out with
   * it, and no Pending In with "From" (RFC 6121 A.1). */
  new_state->subscription = make_subscription (to, from);
  new_state->ask_out = po && !to;
  new_state->pending_in = pi && !from;
  return actions;
}

gboolean
cw_subscription_state_equal (const CwSubscriptionState *a, const CwSubscriptionState *b)
{
  return a->subscription == b->subscription && !a->ask_out == !b->ask_out
         && !a->pending_in == !b->pending_in;
}

gboolean
cw_subscription_event_from_type (const gchar *type, CwSubscriptionEvent *event)
{
  static const gchar *const names[] = { "subscribe", "subscribed", "unsubscribe", "unsubscribed" };

  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (type, names[i]))
      {
        *event = (CwSubscriptionEvent)i;
        return TRUE;
      }
  return FALSE;
}
