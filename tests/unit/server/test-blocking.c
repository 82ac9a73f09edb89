/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0191 blocking (mod-blocking.c) through a router and a gateway store. */
#include "config.h"

#include "module-fixture.h"
#include "xml/stanza.h"

typedef CwModuleFixture Fixture;

#define send cw_module_fixture_send
#define got cw_module_fixture_got
#define error_condition cw_module_fixture_condition

static gchar *
blocklist (Fixture *f, guint from)
{
  GString *list = g_string_new (NULL);
  CwElement *el;

  send (f, from,
        "<iq xmlns='jabber:client' type='get' id='g'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
  g_assert_cmpstr (cw_stanza_get_type (got (f, from)), ==, "result");
  el = cw_element_get_child (got (f, from), "blocklist", "urn:xmpp:blocking");
  for (CwElement *i = cw_element_first (el); i != NULL; i = cw_element_next (i))
    g_string_append_printf (list, "%s%s", list->len ? " " : "", cw_element_get_attr (i, "jid"));
  return g_string_free (list, FALSE);
}

static void
test_list_and_pushes (Fixture *f, gconstpointer data)
{
  g_autofree gchar *empty = NULL, *one = NULL, *none = NULL;
  CwElement *push;

  empty = blocklist (f, 1); /* "other" asks: it gets the pushes */
  g_assert_cmpstr (empty, ==, "");
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'>"
        "<item jid='User3@Example.org'/></block></iq>");
  g_assert_cmpstr (cw_stanza_get_type (got (f, 0)), ==, "result");
  push = got (f, 1);
  g_assert_nonnull (push);
  g_assert_cmpstr (cw_stanza_get_type (push), ==, "set");
  g_assert_cmpstr (
    cw_element_get_attr (
      cw_element_get_child (cw_element_get_child (push, "block", NULL), "item", NULL), "jid"),
    ==, "user3@example.org");
  g_assert_null (got (f, 2));
  one = blocklist (f, 0);
  g_assert_cmpstr (one, ==, "user3@example.org");
  /* An empty <unblock/> unblocks everyone, and is pushed as such. */
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='u'><unblock xmlns='urn:xmpp:blocking'/></iq>");
  /* "r" asked too by now: the result, then the push. */
  g_assert_cmpuint (f->inbox[0]->len, ==, 2);
  g_assert_cmpstr (cw_stanza_get_type (f->inbox[0]->pdata[0]), ==, "result");
  g_assert_nonnull (cw_element_get_child (f->inbox[0]->pdata[1], "unblock", "urn:xmpp:blocking"));
  g_assert_nonnull (cw_element_get_child (got (f, 1), "unblock", "urn:xmpp:blocking"));
  none = blocklist (f, 0);
  g_assert_cmpstr (none, ==, "");
}

static void
test_bad_requests (Fixture *f, gconstpointer data)
{
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'/></iq>");
  g_assert_cmpstr (error_condition (got (f, 0)), ==, "bad-request");
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'><item "
        "jid='@bad'/></block></iq>");
  g_assert_cmpstr (error_condition (got (f, 0)), ==, "jid-malformed");
}

static void
test_stanzas_stopped (Fixture *f, gconstpointer data)
{
  CwElement *app;

  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'>"
        "<item jid='user3@example.org'/></block></iq>");
  /* From the blocked contact: bare message bounced, full message and
   * presence dropped, IQ bounced; the blocker sees none of it. */
  send (
    f, 2,
    "<message xmlns='jabber:client' to='user1@example.org' type='chat'><body>x</body></message>");
  g_assert_cmpstr (error_condition (got (f, 2)), ==, "service-unavailable");
  g_assert_null (got (f, 0));
  send (
    f, 2,
    "<message xmlns='jabber:client' to='user1@example.org/r' type='chat'><body>x</body></message>");
  g_assert_null (got (f, 2));
  g_assert_null (got (f, 0));
  send (f, 2, "<presence xmlns='jabber:client' to='user1@example.org/r'/>");
  g_assert_null (got (f, 2));
  g_assert_null (got (f, 0));
  send (f, 2,
        "<iq xmlns='jabber:client' type='get' id='v' to='user1@example.org/r'><query "
        "xmlns='jabber:iq:version'/></iq>");
  g_assert_cmpstr (error_condition (got (f, 2)), ==, "service-unavailable");
  g_assert_null (got (f, 0));
  /* To the blocked contact: not-acceptable with <blocked/>. */
  send (
    f, 0,
    "<message xmlns='jabber:client' to='user3@example.org/r' type='chat'><body>y</body></message>");
  g_assert_null (got (f, 2));
  g_assert_cmpstr (error_condition (got (f, 0)), ==, "not-acceptable");
  app = cw_element_get_child (cw_element_get_child (got (f, 0), "error", NULL), "blocked",
                              "urn:xmpp:blocking:errors");
  g_assert_nonnull (app);
  /* Unblocked: it flows again. */
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='u'><unblock xmlns='urn:xmpp:blocking'>"
        "<item jid='user3@example.org'/></unblock></iq>");
  send (
    f, 2,
    "<message xmlns='jabber:client' to='user1@example.org/r' type='chat'><body>z</body></message>");
  g_assert_cmpstr (cw_element_get_child_text (got (f, 0), "body", NULL), ==, "z");
}

static void
subscribe (Fixture *f, const gchar *user, const gchar *contact, CwRosterSubscription sub)
{
  g_autoptr (CwRosterItem) item = cw_roster_item_new (contact);

  item->subscription = sub;
  g_assert_true (cw_gateway_store_roster_set_item (f->store, user, item, NULL));
}

static gint
by_string (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The unavailable presences @to got, as a sorted "from,from" list. */
static gchar *
unavailables (Fixture *f, guint to)
{
  g_autoptr (GPtrArray) froms = g_ptr_array_new ();

  for (guint i = 0; i < f->inbox[to]->len; i++)
    {
      CwElement *p = f->inbox[to]->pdata[i];

      if (cw_stanza_get_kind (p) == CW_STANZA_KIND_PRESENCE
          && g_strcmp0 (cw_stanza_get_type (p), "unavailable") == 0)
        g_ptr_array_add (froms, (gpointer)cw_stanza_get_from (p));
    }
  g_ptr_array_sort (froms, by_string);
  g_ptr_array_add (froms, NULL);
  return g_strjoinv (",", (gchar **)froms->pdata);
}

/* §3.3: blocking a contact that sees the user's presence sends it
 * unavailable from each available resource, once. */
static void
test_block_sends_unavailable (Fixture *f, gconstpointer data)
{
  g_autofree gchar *first = NULL, *again = NULL, *unsubscribed = NULL;
  const gchar *block = "<iq xmlns='jabber:client' type='set' id='b'><block "
                       "xmlns='urn:xmpp:blocking'><item jid='user3@example.org'/></block></iq>";

  subscribe (f, "user1", "user3@example.org", CW_ROSTER_SUBSCRIPTION_BOTH);
  send (f, 0, block);
  first = unavailables (f, 2);
  g_assert_cmpstr (first, ==, "user1@example.org/other,user1@example.org/r");
  g_ptr_array_set_size (f->inbox[2], 0);
  send (f, 0, block); /* already blocked: no news */
  again = unavailables (f, 2);
  g_assert_cmpstr (again, ==, "");
  /* user3 blocks user1, who only subscribed *to* user3: nothing to say. */
  subscribe (f, "user3", "user1@example.org", CW_ROSTER_SUBSCRIPTION_TO);
  send (f, 2,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'>"
        "<item jid='user1@example.org'/></block></iq>");
  unsubscribed = unavailables (f, 0);
  g_assert_cmpstr (unsubscribed, ==, "");
}

/* The filter mod-presence asks, both ways, and only about local accounts. */
static void
test_presence_filter (Fixture *f, gconstpointer data)
{
  const CwModuleHost *h = &f->host;

  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='b'><block xmlns='urn:xmpp:blocking'>"
        "<item jid='user3@example.org'/><item jid='evil.example'/></block></iq>");
  g_assert_true (cw_module_is_blocked (h, "user1@example.org/r", "user3@example.org/x"));
  g_assert_false (cw_module_is_blocked (h, "user3@example.org", "user1@example.org"));
  g_assert_true (cw_module_presence_blocked (h, "user1@example.org/r", "user3@example.org"));
  g_assert_true (cw_module_presence_blocked (h, "user3@example.org/r", "user1@example.org"));
  g_assert_true (cw_module_presence_blocked (h, "someone@evil.example/x", "user1@example.org"));
  g_assert_false (cw_module_presence_blocked (h, "user2@example.org", "user1@example.org"));
  g_assert_false (cw_module_is_blocked (h, "user1@elsewhere.example", "user3@example.org"));
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='u'><unblock xmlns='urn:xmpp:blocking'/></iq>");
  g_assert_false (cw_module_presence_blocked (h, "user3@example.org/r", "user1@example.org"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn)                                                                    \
  g_test_add (path, Fixture, &cw_mod_blocking, cw_module_fixture_setup, fn,                 \
              cw_module_fixture_teardown)
  ADD ("/server/blocking/list-and-pushes", test_list_and_pushes);
  ADD ("/server/blocking/bad-requests", test_bad_requests);
  ADD ("/server/blocking/stanzas-stopped", test_stanzas_stopped);
  ADD ("/server/blocking/block-sends-unavailable", test_block_sends_unavailable);
  ADD ("/server/blocking/presence-filter", test_presence_filter);
  return g_test_run ();
}
