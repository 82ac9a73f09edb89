/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for cw_subscription_apply: every state, event and direction of RFC 6121 Appendix A. */
#include "config.h"

#include "server/subscription.h"

/* The RFC's names for the nine states. */
static const struct
{
  const gchar *name;
  CwSubscriptionState state;
} states[] = {
  { "None", { CW_ROSTER_SUBSCRIPTION_NONE, FALSE, FALSE } },
  { "None+PO", { CW_ROSTER_SUBSCRIPTION_NONE, TRUE, FALSE } },
  { "None+PI", { CW_ROSTER_SUBSCRIPTION_NONE, FALSE, TRUE } },
  { "None+PO+PI", { CW_ROSTER_SUBSCRIPTION_NONE, TRUE, TRUE } },
  { "To", { CW_ROSTER_SUBSCRIPTION_TO, FALSE, FALSE } },
  { "To+PI", { CW_ROSTER_SUBSCRIPTION_TO, FALSE, TRUE } },
  { "From", { CW_ROSTER_SUBSCRIPTION_FROM, FALSE, FALSE } },
  { "From+PO", { CW_ROSTER_SUBSCRIPTION_FROM, TRUE, FALSE } },
  { "Both", { CW_ROSTER_SUBSCRIPTION_BOTH, FALSE, FALSE } },
};

/* Actions, one letter each: F forward (route / deliver), A auto-reply
 * subscribed, P send presence, U send unavailable; "-" none. */
typedef struct
{
  CwSubscriptionDirection direction;
  CwSubscriptionEvent event;
  const gchar *from;
  const gchar *to;
  const gchar *actions;
} Row;

#define OUT CW_SUBSCRIPTION_OUTBOUND
#define IN CW_SUBSCRIPTION_INBOUND
#define SUB CW_SUBSCRIPTION_SUBSCRIBE
#define SUBD CW_SUBSCRIPTION_SUBSCRIBED
#define UNSUB CW_SUBSCRIPTION_UNSUBSCRIBE
#define UNSUBD CW_SUBSCRIPTION_UNSUBSCRIBED

static const Row table[] = {
  /* the user sends subscribe; always routed. */
  { OUT, SUB, "None", "None+PO", "F" },
  { OUT, SUB, "None+PO", "None+PO", "F" },
  { OUT, SUB, "None+PI", "None+PO+PI", "F" },
  { OUT, SUB, "None+PO+PI", "None+PO+PI", "F" },
  { OUT, SUB, "To", "To", "F" },
  { OUT, SUB, "To+PI", "To+PI", "F" },
  { OUT, SUB, "From", "From+PO", "F" },
  { OUT, SUB, "From+PO", "From+PO", "F" },
  { OUT, SUB, "Both", "Both", "F" },
  /* the user sends unsubscribe. */
  { OUT, UNSUB, "None", "None", "F" },
  { OUT, UNSUB, "None+PO", "None", "F" },
  { OUT, UNSUB, "None+PI", "None+PI", "F" },
  { OUT, UNSUB, "None+PO+PI", "None+PI", "F" },
  { OUT, UNSUB, "To", "None", "F" },
  { OUT, UNSUB, "To+PI", "None+PI", "F" },
  { OUT, UNSUB, "From", "From", "F" },
  { OUT, UNSUB, "From+PO", "From", "F" },
  { OUT, UNSUB, "Both", "From", "F" },
  /* Outbound subscribed: approving; no pre-approval. */
  { OUT, SUBD, "None", "None", "-" },
  { OUT, SUBD, "None+PO", "None+PO", "-" },
  { OUT, SUBD, "None+PI", "From", "FP" },
  { OUT, SUBD, "None+PO+PI", "From+PO", "FP" },
  { OUT, SUBD, "To", "To", "-" },
  { OUT, SUBD, "To+PI", "Both", "FP" },
  { OUT, SUBD, "From", "From", "-" },
  { OUT, SUBD, "From+PO", "From+PO", "-" },
  { OUT, SUBD, "Both", "Both", "-" },
  /* Outbound unsubscribed: denying or cancelling. */
  { OUT, UNSUBD, "None", "None", "F" },
  { OUT, UNSUBD, "None+PO", "None+PO", "F" },
  { OUT, UNSUBD, "None+PI", "None", "F" },
  { OUT, UNSUBD, "None+PO+PI", "None+PO", "F" },
  { OUT, UNSUBD, "To", "To", "F" },
  { OUT, UNSUBD, "To+PI", "To", "F" },
  { OUT, UNSUBD, "From", "None", "FU" },
  { OUT, UNSUBD, "From+PO", "None+PO", "FU" },
  { OUT, UNSUBD, "Both", "To", "FU" },
  /* a contact's subscribe arrives. */
  { IN, SUB, "None", "None+PI", "F" },
  { IN, SUB, "None+PO", "None+PO+PI", "F" },
  { IN, SUB, "None+PI", "None+PI", "-" },
  { IN, SUB, "None+PO+PI", "None+PO+PI", "-" },
  { IN, SUB, "To", "To+PI", "F" },
  { IN, SUB, "To+PI", "To+PI", "-" },
  { IN, SUB, "From", "From", "A" },
  { IN, SUB, "From+PO", "From+PO", "A" },
  { IN, SUB, "Both", "Both", "A" },
  /* a contact's subscribed (the approval) arrives. */
  { IN, SUBD, "None", "None", "-" },
  { IN, SUBD, "None+PO", "To", "F" },
  { IN, SUBD, "None+PI", "None+PI", "-" },
  { IN, SUBD, "None+PO+PI", "To+PI", "F" },
  { IN, SUBD, "To", "To", "-" },
  { IN, SUBD, "To+PI", "To+PI", "-" },
  { IN, SUBD, "From", "From", "-" },
  { IN, SUBD, "From+PO", "Both", "F" },
  { IN, SUBD, "Both", "Both", "-" },
  /* a contact's unsubscribe arrives. */
  { IN, UNSUB, "None", "None", "-" },
  { IN, UNSUB, "None+PO", "None+PO", "-" },
  { IN, UNSUB, "None+PI", "None", "F" },
  { IN, UNSUB, "None+PO+PI", "None+PO", "F" },
  { IN, UNSUB, "To", "To", "-" },
  { IN, UNSUB, "To+PI", "To", "F" },
  { IN, UNSUB, "From", "None", "FU" },
  { IN, UNSUB, "From+PO", "None+PO", "FU" },
  { IN, UNSUB, "Both", "To", "FU" },
  /* a contact's unsubscribed (denial or cancel) arrives. */
  { IN, UNSUBD, "None", "None", "-" },
  { IN, UNSUBD, "None+PO", "None", "F" },
  { IN, UNSUBD, "None+PI", "None+PI", "-" },
  { IN, UNSUBD, "None+PO+PI", "None+PI", "F" },
  { IN, UNSUBD, "To", "None", "F" },
  { IN, UNSUBD, "To+PI", "None+PI", "F" },
  { IN, UNSUBD, "From", "From", "-" },
  { IN, UNSUBD, "From+PO", "From", "F" },
  { IN, UNSUBD, "Both", "From", "F" },
};

static const CwSubscriptionState *
state_named (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_str_equal (states[i].name, name))
      return &states[i].state;
  g_error ("no state %s", name);
}

static const gchar *
name_of (const CwSubscriptionState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (cw_subscription_state_equal (&states[i].state, state))
      return states[i].name;
  return "(not an RFC 6121 state)";
}

static gchar *
actions_string (CwSubscriptionActions actions)
{
  GString *s = g_string_new (NULL);

  if (actions & CW_SUBSCRIPTION_ACTION_FORWARD)
    g_string_append_c (s, 'F');
  if (actions & CW_SUBSCRIPTION_ACTION_AUTO_REPLY)
    g_string_append_c (s, 'A');
  if (actions & CW_SUBSCRIPTION_ACTION_SEND_PRESENCE)
    g_string_append_c (s, 'P');
  if (actions & CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE)
    g_string_append_c (s, 'U');
  if (s->len == 0)
    g_string_append_c (s, '-');
  return g_string_free (s, FALSE);
}

static void
test_table (gconstpointer data)
{
  const Row *row = data;
  CwSubscriptionState now = { CW_ROSTER_SUBSCRIPTION_REMOVE, TRUE, TRUE };
  CwSubscriptionActions actions
    = cw_subscription_apply (state_named (row->from), row->event, row->direction, &now);
  g_autofree gchar *got = actions_string (actions);

  g_assert_cmpstr (name_of (&now), ==, row->to);
  g_assert_cmpstr (got, ==, row->actions);
}

/* Every row's new state is one of the nine, and the table covers every
 * (state, event, direction) exactly once. */
static void
test_complete (void)
{
  for (guint d = 0; d < 2; d++)
    for (guint e = 0; e < 4; e++)
      for (guint s = 0; s < G_N_ELEMENTS (states); s++)
        {
          guint n = 0;

          for (guint i = 0; i < G_N_ELEMENTS (table); i++)
            n += table[i].direction == d && table[i].event == e
                 && g_str_equal (table[i].from, states[s].name);
          g_assert_cmpuint (n, ==, 1);
        }
}

static void
test_event_names (void)
{
  CwSubscriptionEvent event = CW_SUBSCRIPTION_SUBSCRIBE;

  g_assert_true (cw_subscription_event_from_type ("unsubscribed", &event));
  g_assert_cmpint (event, ==, CW_SUBSCRIPTION_UNSUBSCRIBED);
  g_assert_true (cw_subscription_event_from_type ("subscribe", &event));
  g_assert_cmpint (event, ==, CW_SUBSCRIPTION_SUBSCRIBE);
  g_assert_false (cw_subscription_event_from_type ("probe", &event));
  g_assert_false (cw_subscription_event_from_type (NULL, &event));
  g_assert_false (cw_subscription_event_from_type ("Subscribe", &event));
}

int
main (int argc, char **argv)
{
  static const gchar *const dir[] = { "out", "in" };
  static const gchar *const ev[] = { "subscribe", "subscribed", "unsubscribe", "unsubscribed" };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/subscription/%s/%s/%s", dir[table[i].direction],
                                                ev[table[i].event], table[i].from);

      g_test_add_data_func (path, &table[i], test_table);
    }
  g_test_add_func ("/subscription/complete", test_complete);
  g_test_add_func ("/subscription/event-names", test_event_names);
  return g_test_run ();
}
