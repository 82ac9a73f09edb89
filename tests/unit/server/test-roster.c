/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for roster IQs and inbound subscriptions (mod-roster.c) through a router and a store. */
#include "config.h"

#include <glib/gstdio.h>

#include "common/namespaces.h"
#include "server/module.h"
#include "xml/stanza.h"

typedef struct
{
  gchar *dir;
  CwGatewayStore *store;
  CwRouter *router;
  CwModuleHost host;
  gpointer state;
  GPtrArray *got; /* stanzas delivered to user1@example.org/r */
} Fixture;

static void
capture (CwElement *stanza, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->got, cw_element_ref (stanza));
}

static const CwRouterResourceFuncs capture_funcs = { capture, NULL };

static gboolean
server_cb (CwElement *stanza, gpointer user_data)
{
  Fixture *f = user_data;

  return cw_mod_presence.server_stanza (f->state, stanza) == CW_MODULE_HANDLED;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (CwJid) jid = cw_jid_parse ("user1@example.org/r", NULL);

  f->dir = g_dir_make_tmp ("cw-roster-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "gateway.db", NULL);
  f->store = cw_gateway_store_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("user%u", i);
      g_autoptr (CwScramCredentials) sha1
        = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, "secret", NULL, 4096, &error);
      g_autoptr (CwScramCredentials) sha256
        = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, &error);

      g_assert_true (cw_gateway_store_account_create (f->store, name, sha1, sha256, &error));
    }
  f->router = cw_router_new ("example.org");
  cw_router_set_server_func (f->router, server_cb, f);
  f->host.domain = "example.org";
  f->host.router = f->router;
  f->host.store = f->store;
  f->state = cw_mod_presence.create (&f->host);
  f->got = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
  cw_router_bind (f->router, jid, &capture_funcs, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "gateway.db", NULL);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

  cw_mod_presence.free (f->state);
  cw_router_free (f->router);
  g_object_unref (f->store);
  g_ptr_array_unref (f->got);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Routes @xml as user1@example.org/r sent it; returns the one stanza it
 * got back (or NULL). */
static CwElement *
send (Fixture *f, const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  if (cw_stanza_get_from (el) == NULL)
    cw_element_set_attr (el, "from", "user1@example.org/r");
  g_ptr_array_set_size (f->got, 0);
  cw_router_route (f->router, el);
  g_assert_cmpuint (f->got->len, <=, 1);
  return f->got->len ? cw_element_ref (f->got->pdata[0]) : NULL;
}

/* The error condition of the answer to @xml, or "result". */
static gchar *
answer (Fixture *f, const gchar *xml)
{
  g_autoptr (CwElement) reply = send (f, xml);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (reply);
  if (g_strcmp0 (cw_stanza_get_type (reply), "result") == 0)
    return g_strdup ("result");
  g_assert_false (cw_stanza_error_from_element (reply, &error));
  g_assert_error (error, CW_STANZA_ERROR, error->code);
  return g_strdup (cw_stanza_error_to_name (error->code));
}

/* user1's roster as "jid:subscription[:name][:group...]" lines; @ver gets the ver. */
static gchar *
roster (Fixture *f, gchar **ver)
{
  g_autoptr (CwElement) reply = send (f, "<iq xmlns='jabber:client' type='get' id='g'>"
                                         "<query xmlns='jabber:iq:roster'/></iq>");
  CwElement *query = cw_element_get_child (reply, "query", CW_NS_ROSTER);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (query);
  if (ver != NULL)
    *ver = g_strdup (cw_element_get_attr (query, "ver"));
  for (CwElement *i = cw_element_first (query); i != NULL; i = cw_element_next (i))
    {
      if (cw_element_is_text (i))
        continue;
      g_string_append_printf (out, "%s:%s", cw_element_get_attr (i, "jid"),
                              cw_element_get_attr (i, "subscription"));
      if (cw_element_get_attr (i, "name") != NULL)
        g_string_append_printf (out, ":%s", cw_element_get_attr (i, "name"));
      for (CwElement *g = cw_element_first (i); g != NULL; g = cw_element_next (g))
        if (!cw_element_is_text (g))
          g_string_append_printf (out, ":%s", cw_element_get_text (g));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

#define SET(item)                                                                                  \
  "<iq xmlns='jabber:client' type='set' id='s'><query xmlns='jabber:iq:roster'>" item              \
  "</query></iq>"

/* RFC 6121 §2.3.3 and §2.5.3: what a roster set may not do. */
static void
test_set_errors (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *xml, *condition;
  } cases[] = {
    { SET ("<item jid='user2@example.org'/><item jid='user3@example.org'/>"), "bad-request" },
    { SET (""), "bad-request" },
    { SET ("<item name='no jid'/>"), "bad-request" },
    { SET ("<item jid='user2@example.org/phone'/>"), "jid-malformed" },
    { SET ("<item jid='@example.org'/>"), "jid-malformed" },
    { SET ("<item jid='user2@example.org' subscription='both'/>"), "not-allowed" },
    { SET ("<item jid='user2@example.org' subscription='from'/>"), "not-allowed" },
    { SET ("<item jid='user1@example.org'/>"), "not-allowed" },
    { SET ("<item jid='user2@example.org'><group>a</group><group>a</group></item>"),
      "bad-request" },
    { SET ("<item jid='user2@example.org'><group/></item>"), "not-acceptable" },
    { SET ("<item jid='user2@example.org' subscription='remove'/>"), "item-not-found" },
    { "<iq xmlns='jabber:client' type='get' id='o' to='user2@example.org'>"
      "<query xmlns='jabber:iq:roster'/></iq>",
      "forbidden" },
  };
  g_autofree gchar *items = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *got = answer (f, cases[i].xml);

      g_test_message ("%s", cases[i].xml);
      g_assert_cmpstr (got, ==, cases[i].condition);
    }
  items = roster (f, NULL);
  g_assert_cmpstr (items, ==, "");
}

static void
test_long_name (Fixture *f, gconstpointer data)
{
  g_autofree gchar *name = g_strnfill (1024, 'n');
  g_autofree gchar *xml = g_strdup_printf (SET ("<item jid='user2@example.org' name='%s'/>"), name);
  g_autofree gchar *got = answer (f, xml);

  g_assert_cmpstr (got, ==, "not-acceptable");
}

/* Add, rename, regroup, remove; the ver moves with every change and a
 * get with the current one is an empty result (XEP-0237, like Prosody). */
static void
test_set_get_ver (Fixture *f, gconstpointer data)
{
  g_autofree gchar *v1 = NULL, *v2 = NULL, *v3 = NULL, *items = NULL, *got = NULL;
  g_autofree gchar *current = NULL;
  g_autoptr (CwElement) empty = NULL;

  items = roster (f, &v1);
  g_assert_nonnull (v1);
  got = answer (f, SET ("<item jid='User2@Example.org' name='Two'><group>b</group>"
                        "<group>a</group></item>"));
  g_assert_cmpstr (got, ==, "result");
  g_clear_pointer (&items, g_free);
  items = roster (f, &v2);
  g_assert_cmpstr (items, ==, "user2@example.org:none:Two:a:b\n");
  g_assert_cmpstr (v2, !=, v1);
  current = g_strdup_printf ("<iq xmlns='jabber:client' type='get' id='v'>"
                             "<query xmlns='jabber:iq:roster' ver='%s'/></iq>",
                             v2);
  empty = send (f, current);
  g_assert_cmpstr (cw_stanza_get_type (empty), ==, "result");
  g_assert_null (cw_stanza_iq_get_payload (empty));
  g_clear_pointer (&got, g_free);
  got = answer (f, SET ("<item jid='user2@example.org' name='Deux'/>"));
  g_assert_cmpstr (got, ==, "result");
  g_clear_pointer (&items, g_free);
  items = roster (f, &v3);
  g_assert_cmpstr (items, ==, "user2@example.org:none:Deux\n");
  g_assert_cmpstr (v3, !=, v2);
  g_clear_pointer (&got, g_free);
  got = answer (f, SET ("<item jid='user2@example.org' subscription='remove'/>"));
  g_assert_cmpstr (got, ==, "result");
  g_clear_pointer (&items, g_free);
  items = roster (f, NULL);
  g_assert_cmpstr (items, ==, "");
}

static void
route_presence (Fixture *f, const gchar *type, const gchar *from, const gchar *to)
{
  g_autoptr (CwElement) p = cw_stanza_presence_new (type, from, to);

  g_ptr_array_set_size (f->got, 0);
  cw_router_route (f->router, p);
}

/* A contact's request is kept (Pending In) but is no roster item until
 * approved (RFC 6121 §3.1.3); withdrawing it leaves nothing behind. */
static void
test_pending_in_hidden (Fixture *f, gconstpointer data)
{
  g_autoptr (CwRosterItem) item = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *items = NULL;

  route_presence (f, "subscribe", "user2@example.org", "user1@example.org");
  /* user1/r has sent no presence: it is not available, nothing arrives */
  g_assert_cmpuint (f->got->len, ==, 0);
  item = cw_gateway_store_roster_get_item (f->store, "user1", "user2@example.org", &error);
  g_assert_no_error (error);
  g_assert_true (item->pending_in);
  g_assert_cmpint (item->subscription, ==, CW_ROSTER_SUBSCRIPTION_NONE);
  items = roster (f, NULL);
  g_assert_cmpstr (items, ==, "");
  /* an approval nobody asked for changes nothing */
  route_presence (f, "subscribed", "user2@example.org", "user1@example.org");
  g_clear_pointer (&items, g_free);
  items = roster (f, NULL);
  g_assert_cmpstr (items, ==, "");
  route_presence (f, "unsubscribe", "user2@example.org", "user1@example.org");
  g_clear_pointer (&item, cw_roster_item_free);
  item = cw_gateway_store_roster_get_item (f->store, "user1", "user2@example.org", &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (item);
}

/* Adding a contact whose request waits shows it (with its state). */
static void
test_add_pending_contact (Fixture *f, gconstpointer data)
{
  g_autofree gchar *items = NULL, *got = NULL;

  route_presence (f, "subscribe", "user2@example.org", "user1@example.org");
  got = answer (f, SET ("<item jid='user2@example.org'/>"));
  g_assert_cmpstr (got, ==, "result");
  items = roster (f, NULL);
  g_assert_cmpstr (items, ==, "user2@example.org:none\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/server/roster/set-errors", test_set_errors);
  ADD ("/server/roster/long-name", test_long_name);
  ADD ("/server/roster/set-get-ver", test_set_get_ver);
  ADD ("/server/roster/pending-in-hidden", test_pending_in_hidden);
  ADD ("/server/roster/add-pending-contact", test_add_pending_contact);
  return g_test_run ();
}
