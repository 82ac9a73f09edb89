/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0191 blocking (mod-blocking.c) through a router and a gateway store. */
#include "config.h"

#include <glib/gstdio.h>

#include "common/namespaces.h"
#include "server/module.h"
#include "server/scram.h"
#include "xml/stanza.h"

static const gchar *const resources[]
  = { "user1@example.org/r", "user1@example.org/other", "user3@example.org/r" };
#define N_RESOURCES G_N_ELEMENTS (resources)

typedef struct
{
  gchar *dir;
  CwGatewayStore *store;
  CwRouter *router;
  CwModuleHost host;
  gpointer state;
  GPtrArray *got[N_RESOURCES]; /* stanzas delivered to each resource */
} Fixture;

static void
capture (CwElement *stanza, gpointer user_data)
{
  g_ptr_array_add (user_data, cw_element_ref (stanza));
}

static const CwRouterResourceFuncs capture_funcs = { capture, NULL };

static gboolean
server_cb (CwElement *stanza, gpointer user_data)
{
  Fixture *f = user_data;

  return cw_mod_blocking.server_stanza (f->state, stanza) == CW_MODULE_HANDLED;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (CwScramCredentials) sha1
    = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, "secret", NULL, 4096, NULL);
  g_autoptr (CwScramCredentials) sha256
    = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);

  f->dir = g_dir_make_tmp ("cw-blocking-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "gateway.db", NULL);
  f->store = cw_gateway_store_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("user%u", i);

      g_assert_true (cw_gateway_store_account_create (f->store, name, sha1, sha256, &error));
    }
  f->router = cw_router_new ("example.org");
  cw_router_set_server_func (f->router, server_cb, f);
  f->host.domain = "example.org";
  f->host.router = f->router;
  f->host.store = f->store;
  f->state = cw_mod_blocking.create (&f->host);
  for (guint i = 0; i < N_RESOURCES; i++)
    {
      g_autoptr (CwJid) jid = cw_jid_parse (resources[i], NULL);

      f->got[i] = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
      cw_router_set_presence (cw_router_bind (f->router, jid, &capture_funcs, f->got[i]), TRUE, 0);
    }
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "gateway.db", NULL);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

  cw_mod_blocking.free (f->state);
  cw_router_free (f->router);
  g_object_unref (f->store);
  for (guint i = 0; i < N_RESOURCES; i++)
    g_ptr_array_unref (f->got[i]);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* @xml from resources[@from], as the gateway handles a client's stanza:
 * the module first, then the router. */
static void
send (Fixture *f, guint from, const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  cw_element_set_attr (el, "from", resources[from]);
  for (guint i = 0; i < N_RESOURCES; i++)
    g_ptr_array_set_size (f->got[i], 0);
  if (cw_mod_blocking.client_stanza (f->state, NULL, el) == CW_MODULE_PASS)
    cw_router_route (f->router, el);
}

/* The one stanza resources[@to] got, or NULL. */
static CwElement *
got (Fixture *f, guint to)
{
  g_assert_cmpuint (f->got[to]->len, <=, 1);
  return f->got[to]->len ? f->got[to]->pdata[0] : NULL;
}

static const gchar *
error_condition (CwElement *stanza)
{
  CwElement *error = cw_element_get_child (stanza, "error", NULL);

  g_assert_nonnull (error);
  return cw_element_get_name (cw_element_get_child_in_ns (error, CW_NS_STANZAS));
}

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
  g_assert_cmpuint (f->got[0]->len, ==, 2);
  g_assert_cmpstr (cw_stanza_get_type (f->got[0]->pdata[0]), ==, "result");
  g_assert_nonnull (cw_element_get_child (f->got[0]->pdata[1], "unblock", "urn:xmpp:blocking"));
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
