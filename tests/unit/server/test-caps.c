/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0115 in gateway mode: server caps (mod-disco.c), clients' caps (mod-caps.c). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "module-fixture.h"
#include "c2s-test-client.h"
#include "common/namespaces.h"
#include "server/scram.h"
#include "xml/caps.h"
#include "xml/stanza.h"

typedef CwModuleFixture Fixture;

#define send cw_module_fixture_send
#define got cw_module_fixture_got
#define condition cw_module_fixture_condition

/* The disco#info <query/> resource 0 got for a query on @node (nullable);
 * the answer is got (f, 0). */
static CwElement *
server_info (Fixture *f, const gchar *node)
{
  g_autofree gchar *xml
    = g_strdup_printf ("<iq xmlns='jabber:client' type='get' id='d' to='example.org'>"
                       "<query xmlns='http://jabber.org/protocol/disco#info'%s%s%s/></iq>",
                       node ? " node='" : "", node ? node : "", node ? "'" : "");

  send (f, 0, xml);
  g_assert_nonnull (got (f, 0));
  return cw_element_get_child (got (f, 0), "query", CW_NS_DISCO_INFO);
}

/* The <c/> of the features: hash sha-1, our node, and the ver of S built
 * by hand as in XEP-0115 §5.2 (one identity with a name, two features). */
static void
test_server_ver (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) c = cw_mod_disco_caps_new (&f->host);
  g_autofree gchar *s
    = g_strdup_printf ("server/im//%s<" CW_NS_DISCO_INFO "<" CW_NS_DISCO_ITEMS "<", PACKAGE_NAME);
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof digest;
  g_autofree gchar *want = NULL;

  g_checksum_update (sha1, (const guchar *)s, -1);
  g_checksum_get_digest (sha1, digest, &len);
  want = g_base64_encode (digest, len);
  g_assert_true (cw_element_is (c, "c", CW_NS_CAPS));
  g_assert_cmpstr (cw_element_get_attr (c, "hash"), ==, "sha-1");
  g_assert_cmpstr (cw_element_get_attr (c, "node"), ==, "https://chinwag.invalid");
  g_assert_cmpstr (cw_element_get_attr (c, "ver"), ==, want);
}

/* disco#info without a node and on node#ver: the same set, that hashes to
 * the advertised ver; the node is echoed. Other nodes are not found. */
static void
test_server_node (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) c = cw_mod_disco_caps_new (&f->host);
  const gchar *ver = cw_element_get_attr (c, "ver");
  g_autofree gchar *node = g_strdup_printf ("https://chinwag.invalid#%s", ver);
  g_autofree gchar *plain_ver = cw_caps_compute_ver (server_info (f, NULL), NULL);
  g_autofree gchar *node_ver = NULL;
  CwElement *query;

  g_assert_cmpstr (plain_ver, ==, ver);
  g_assert_null (cw_element_get_attr (server_info (f, NULL), "node"));
  query = server_info (f, node);
  g_assert_nonnull (query);
  g_assert_cmpstr (cw_element_get_attr (query, "node"), ==, node);
  node_ver = cw_caps_compute_ver (query, NULL);
  g_assert_cmpstr (node_ver, ==, ver);
  server_info (f, "https://chinwag.invalid#AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  g_assert_cmpstr (cw_stanza_get_type (got (f, 0)), ==, "error");
  g_assert_cmpstr (condition (got (f, 0)), ==, "item-not-found");
  server_info (f, "urn:example:other");
  g_assert_cmpstr (condition (got (f, 0)), ==, "item-not-found");
}

static const CwCaps *
client_caps (Fixture *f, const gchar *full)
{
  g_autoptr (CwJid) jid = cw_jid_parse (full, NULL);

  return cw_mod_caps_lookup (f->state, jid);
}

#define EXODUS_C                                                                                   \
  "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://code.google.com/p/exodus'" \
  " ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"

/* A client's available broadcast presence sets its caps; directed presence
 * leaves them; presence without <c/>, with a bad one, or unavailable forgets. */
static void
test_client_caps (Fixture *f, gconstpointer data)
{
  const CwCaps *caps;
  g_autofree gchar *long_node = g_strnfill (600, 'n');
  g_autofree gchar *oversized = g_strdup_printf (
    "<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1'"
    " node='%s' ver='x'/></presence>",
    long_node);

  g_assert_null (client_caps (f, "user1@example.org/r"));
  send (f, 0, "<presence xmlns='jabber:client'>" EXODUS_C "</presence>");
  caps = client_caps (f, "user1@example.org/r");
  g_assert_nonnull (caps);
  g_assert_cmpstr (caps->hash, ==, "sha-1");
  g_assert_cmpstr (caps->node, ==, "http://code.google.com/p/exodus");
  g_assert_cmpstr (caps->ver, ==, "QgayPKawpkPSDYmwT/WM94uAlu0=");
  g_assert_null (client_caps (f, "user1@example.org/other"));
  send (f, 0, "<presence xmlns='jabber:client' to='user3@example.org'/>");
  g_assert_nonnull (client_caps (f, "user1@example.org/r"));
  send (f, 0, "<presence xmlns='jabber:client'><show>away</show></presence>");
  g_assert_null (client_caps (f, "user1@example.org/r"));
  send (f, 1, "<presence xmlns='jabber:client'>" EXODUS_C "</presence>");
  g_assert_nonnull (client_caps (f, "user1@example.org/other"));
  send (f, 1, oversized);
  g_assert_null (client_caps (f, "user1@example.org/other"));
  send (f, 1, "<presence xmlns='jabber:client'>" EXODUS_C "</presence>");
  send (f, 1,
        "<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1'"
        " node='n'/></presence>");
  g_assert_null (client_caps (f, "user1@example.org/other"));
  send (f, 2, "<presence xmlns='jabber:client'>" EXODUS_C "</presence>");
  send (f, 2, "<presence xmlns='jabber:client' type='unavailable'>" EXODUS_C "</presence>");
  g_assert_null (client_caps (f, "user3@example.org/r"));
}

/* ---- over a real session --------------------------------------------------------- */

typedef struct
{
  CwTestClient c;
  CwRouter *router;
  CwServerLimits limits;
  CwC2sConfig config;
  CwScramCredentials *creds;
  CwModuleHost host;
  gpointer caps_state; /* mod-caps */
  gboolean closed;
} C2sFixture;

/* What the gateway does with a client's stanza and a closed session. */
static void
on_stanza (CwC2sSession *session, CwElement *stanza, gpointer user_data)
{
  C2sFixture *f = user_data;

  if (cw_mod_caps.client_stanza (f->caps_state, session, stanza) == CW_MODULE_PASS)
    cw_router_route (f->router, stanza);
}

static void
on_closed (CwC2sSession *session, gpointer user_data)
{
  C2sFixture *f = user_data;

  cw_mod_caps.session_closed (f->caps_state, session);
  f->closed = TRUE;
}

static void
c2s_setup (C2sFixture *f, gconstpointer data)
{
  alarm (30);
  cw_test_client_init (&f->c);
  f->router = cw_router_new ("example.org");
  f->creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);
  cw_server_limits_init_default (&f->limits);
  f->limits.auth_failure_delay_ms = 0;
  f->host.domain = "example.org";
  f->host.router = f->router;
  f->host.limits = &f->limits;
  f->caps_state = cw_mod_caps.create (&f->host);
  f->config = (CwC2sConfig){
    .domain = "example.org",
    .limits = &f->limits,
    .lookup = cw_test_client_lookup,
    .lookup_data = f->creds,
    .router = f->router,
    .stanza = on_stanza,
    .closed = on_closed,
    .user_data = f,
    .caps = cw_mod_disco_caps_new (&f->host),
  };
  cw_test_client_start_session (&f->c, &f->config);
}

static void
c2s_teardown (C2sFixture *f, gconstpointer data)
{
  while (!f->closed)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cw_test_client_clear (&f->c);
  cw_mod_caps.free (f->caps_state);
  cw_element_unref (f->config.caps);
  cw_router_free (f->router);
  cw_scram_credentials_free (f->creds);
}

/* The server's <c/> is in the features after authentication only; the
 * client's caps live as long as its session. */
static void
test_session (C2sFixture *f, gconstpointer data)
{
  g_autofree gchar *c = cw_element_to_string (f->config.caps);
  g_autofree gchar *before = cw_test_client_open (&f->c, "example.org");
  g_autofree gchar *scram = cw_test_client_scram (&f->c, "secret");
  g_autofree gchar *after = cw_test_client_open (&f->c, "example.org");
  g_autofree gchar *jid = NULL;
  g_autoptr (CwJid) full = NULL;
  const CwCaps *caps;

  g_assert_cmpstr (scram, ==, "success");
  g_assert_null (strstr (before, CW_NS_CAPS));
  g_assert_nonnull (strstr (after, c));
  jid = cw_test_client_bind (&f->c, "r");
  full = cw_jid_parse (jid, NULL);
  cw_test_client_push (&f->c, "<presence>" EXODUS_C "</presence>");
  cw_test_client_settle (&f->c, 100);
  caps = cw_mod_caps_lookup (f->caps_state, full);
  g_assert_nonnull (caps);
  g_assert_cmpstr (caps->ver, ==, "QgayPKawpkPSDYmwT/WM94uAlu0=");
  cw_test_client_push (&f->c, "</stream:stream>");
  while (!f->closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (cw_mod_caps_lookup (f->caps_state, full));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, module, fn)                                                            \
  g_test_add (path, Fixture, &module, cw_module_fixture_setup, fn, cw_module_fixture_teardown)
  ADD ("/server/caps/server-ver", cw_mod_disco, test_server_ver);
  ADD ("/server/caps/server-node", cw_mod_disco, test_server_node);
  ADD ("/server/caps/client-caps", cw_mod_caps, test_client_caps);
  g_test_add ("/server/caps/session", C2sFixture, NULL, c2s_setup, test_session, c2s_teardown);
  return g_test_run ();
}
