/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0054 vcard-temp (mod-vcard.c) and XEP-0049 private XML (mod-private.c). */
#include "config.h"

#include "module-fixture.h"
#include "xml/stanza.h"

typedef CwModuleFixture Fixture;

#define send cw_module_fixture_send
#define got cw_module_fixture_got
#define condition cw_module_fixture_condition

static const gchar *
result_type (Fixture *f, guint to)
{
  g_assert_nonnull (got (f, to));
  return cw_stanza_get_type (got (f, to));
}

static void
test_vcard (Fixture *f, gconstpointer data)
{
  CwElement *vcard;

  /* None yet: item-not-found, for the owner and for others. */
  send (f, 0, "<iq xmlns='jabber:client' type='get' id='1'><vCard xmlns='vcard-temp'/></iq>");
  g_assert_cmpstr (condition (got (f, 0)), ==, "item-not-found");
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='2'><vCard xmlns='vcard-temp'>"
        "<FN>User One</FN><NICKNAME>one</NICKNAME></vCard></iq>");
  g_assert_cmpstr (result_type (f, 0), ==, "result");
  /* Another account reads it through the bare JID; writing it is refused. */
  send (f, 2,
        "<iq xmlns='jabber:client' type='get' id='3' to='user1@example.org'>"
        "<vCard xmlns='vcard-temp'/></iq>");
  vcard = cw_element_get_child (got (f, 2), "vCard", "vcard-temp");
  g_assert_nonnull (vcard);
  g_assert_cmpstr (cw_element_get_child_text (vcard, "FN", NULL), ==, "User One");
  g_assert_cmpstr (cw_element_get_child_text (vcard, "NICKNAME", NULL), ==, "one");
  g_assert_null (got (f, 0));
  send (f, 2,
        "<iq xmlns='jabber:client' type='set' id='4' to='user1@example.org'>"
        "<vCard xmlns='vcard-temp'><FN>Mallory</FN></vCard></iq>");
  g_assert_cmpstr (condition (got (f, 2)), ==, "forbidden");
  send (f, 1, "<iq xmlns='jabber:client' type='get' id='5'><vCard xmlns='vcard-temp'/></iq>");
  vcard = cw_element_get_child (got (f, 1), "vCard", "vcard-temp");
  g_assert_cmpstr (cw_element_get_child_text (vcard, "FN", NULL), ==, "User One");
  /* An empty vCard deletes it. */
  send (f, 0, "<iq xmlns='jabber:client' type='set' id='6'><vCard xmlns='vcard-temp'/></iq>");
  g_assert_cmpstr (result_type (f, 0), ==, "result");
  send (f, 0, "<iq xmlns='jabber:client' type='get' id='7'><vCard xmlns='vcard-temp'/></iq>");
  g_assert_cmpstr (condition (got (f, 0)), ==, "item-not-found");
}

static void
test_private (Fixture *f, gconstpointer data)
{
  CwElement *stored;

  /* Nothing stored: the empty element comes back. */
  send (f, 0,
        "<iq xmlns='jabber:client' type='get' id='1'><query xmlns='jabber:iq:private'>"
        "<prefs xmlns='urn:example:prefs'/></query></iq>");
  stored = cw_element_get_child (cw_element_get_child (got (f, 0), "query", "jabber:iq:private"),
                                 "prefs", "urn:example:prefs");
  g_assert_nonnull (stored);
  g_assert_cmpuint (cw_element_n_children (stored), ==, 0);
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='2'><query xmlns='jabber:iq:private'>"
        "<prefs xmlns='urn:example:prefs'><colour>green</colour></prefs></query></iq>");
  g_assert_cmpstr (result_type (f, 0), ==, "result");
  send (f, 1,
        "<iq xmlns='jabber:client' type='get' id='3'><query xmlns='jabber:iq:private'>"
        "<prefs xmlns='urn:example:prefs'/></query></iq>");
  stored = cw_element_get_child (cw_element_get_child (got (f, 1), "query", "jabber:iq:private"),
                                 "prefs", "urn:example:prefs");
  g_assert_cmpstr (cw_element_get_child_text (stored, "colour", NULL), ==, "green");
  /* Nobody else's; one element; not the reserved namespaces. */
  send (f, 2,
        "<iq xmlns='jabber:client' type='get' id='4' to='user1@example.org'>"
        "<query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'/></query></iq>");
  g_assert_cmpstr (condition (got (f, 2)), ==, "forbidden");
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='5'><query xmlns='jabber:iq:private'>"
        "<a xmlns='urn:example:a'/><b xmlns='urn:example:b'/></query></iq>");
  g_assert_cmpstr (condition (got (f, 0)), ==, "bad-request");
  send (f, 0,
        "<iq xmlns='jabber:client' type='set' id='6'><query xmlns='jabber:iq:private'>"
        "<x xmlns='jabber:iq:private'/></query></iq>");
  g_assert_cmpstr (condition (got (f, 0)), ==, "not-acceptable");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/server/vcard/get-set", Fixture, &cw_mod_vcard, cw_module_fixture_setup, test_vcard,
              cw_module_fixture_teardown);
  g_test_add ("/server/private/get-set", Fixture, &cw_mod_private, cw_module_fixture_setup,
              test_private, cw_module_fixture_teardown);
  return g_test_run ();
}
