/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0191 blocking (mod-blocking.c) through a router and a gateway store. */
#include "config.h"

#include "module-fixture.h"
#include "xml/stanza.h"

typedef CwModuleFixture Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  cw_module_fixture_setup (f, &cw_mod_blocking);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_module_fixture_teardown (f);
}

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/server/blocking/list-and-pushes", test_list_and_pushes);
  ADD ("/server/blocking/bad-requests", test_bad_requests);
  ADD ("/server/blocking/stanzas-stopped", test_stanzas_stopped);
  return g_test_run ();
}
