/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwRouter: RFC 6121 §8.5 delivery, conflicts, bounces. */
#include "config.h"

#include "server/router.h"

#include "xml/stanza.h"

typedef struct
{
  CwRouter *router;
  GPtrArray *got[4]; /* per test resource: delivered stanzas */
  gboolean replaced[4];
  GPtrArray *server; /* stanzas handed to the server */
  gboolean server_handles;
} Fixture;

typedef struct
{
  Fixture *f;
  guint index;
} Slot;

static Slot slots[4];

static void
deliver (CwElement *stanza, gpointer user_data)
{
  Slot *slot = user_data;

  g_ptr_array_add (slot->f->got[slot->index], cw_element_ref (stanza));
}

static void
replaced (gpointer user_data)
{
  Slot *slot = user_data;

  slot->f->replaced[slot->index] = TRUE;
}

static const CwRouterResourceFuncs funcs = { deliver, replaced };

static gboolean
account (const gchar *local, gpointer user_data)
{
  return g_str_has_prefix (local, "user");
}

static gboolean
server (CwElement *stanza, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->server, cw_element_ref (stanza));
  return f->server_handles;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->router = cw_router_new ("example.org");
  cw_router_set_account_func (f->router, account, f);
  cw_router_set_server_func (f->router, server, f);
  f->server = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
  for (guint i = 0; i < 4; i++)
    {
      f->got[i] = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
      slots[i] = (Slot){ f, i };
    }
}

static void
teardown (Fixture *f, gconstpointer data)
{
  cw_router_free (f->router);
  g_ptr_array_unref (f->server);
  for (guint i = 0; i < 4; i++)
    g_ptr_array_unref (f->got[i]);
}

static CwRouterResource *
bind (Fixture *f, const gchar *jid, guint slot, gboolean available, gint priority)
{
  g_autoptr (CwJid) j = cw_jid_parse (jid, NULL);
  CwRouterResource *res = cw_router_bind (f->router, j, &funcs, &slots[slot]);

  cw_router_set_presence (res, available, priority);
  return res;
}

static void
route_message (Fixture *f, const gchar *type, const gchar *from, const gchar *to)
{
  g_autoptr (CwElement) msg = cw_stanza_message_new (type, from, to, "m1", "hi");

  cw_router_route (f->router, msg);
}

/* The error a resource received last, as a condition name, or NULL. */
static const gchar *
last_error (Fixture *f, guint slot)
{
  g_autoptr (GError) error = NULL;
  CwElement *last;

  if (f->got[slot]->len == 0)
    return NULL;
  last = f->got[slot]->pdata[f->got[slot]->len - 1];
  if (cw_stanza_error_from_element (last, &error))
    return NULL;
  return cw_stanza_error_to_name (error->code);
}

static void
test_full_jid (Fixture *f, gconstpointer data)
{
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/b", 1, TRUE, 0);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org/b");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  g_assert_cmpstr (cw_stanza_get_from (f->got[1]->pdata[0]), ==, "user1@example.org/a");
  g_assert_cmpuint (f->got[0]->len, ==, 0);
}

static void
test_bare_priority (Fixture *f, gconstpointer data)
{
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/low", 1, TRUE, 1);
  bind (f, "user2@example.org/high", 2, TRUE, 5);
  bind (f, "user2@example.org/neg", 3, TRUE, -1);
  route_message (f, "normal", "user1@example.org/a", "user2@example.org");
  g_assert_cmpuint (f->got[1]->len, ==, 0);
  g_assert_cmpuint (f->got[2]->len, ==, 1);
  g_assert_cmpuint (f->got[3]->len, ==, 0);
}

static void
test_chat_to_all_top (Fixture *f, gconstpointer data)
{
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/x", 1, TRUE, 3);
  bind (f, "user2@example.org/y", 2, TRUE, 3);
  bind (f, "user2@example.org/away", 3, FALSE, 9);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  g_assert_cmpuint (f->got[2]->len, ==, 1);
  g_assert_cmpuint (f->got[3]->len, ==, 0);
}

static void
test_negative_only (Fixture *f, gconstpointer data)
{
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/neg", 1, TRUE, -5);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org");
  g_assert_cmpuint (f->got[1]->len, ==, 0);
  g_assert_cmpstr (last_error (f, 0), ==, "service-unavailable");
}

static void
test_gone_resource (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq
    = cw_stanza_iq_new (CW_IQ_TYPE_GET, "user1@example.org/a", "user2@example.org/gone", "q1");

  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/here", 1, TRUE, 0);
  /* A chat message falls back to the bare JID (RFC 6121 §8.5.3.2.1). */
  route_message (f, "chat", "user1@example.org/a", "user2@example.org/gone");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  /* A headline is dropped; an IQ bounces. */
  route_message (f, "headline", "user1@example.org/a", "user2@example.org/gone");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  g_assert_cmpuint (f->got[0]->len, ==, 0);
  cw_element_add (iq, "ping", "urn:xmpp:ping");
  cw_router_route (f->router, iq);
  g_assert_cmpstr (last_error (f, 0), ==, "service-unavailable");
}

static void
test_unknown_user (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) pres
    = cw_stanza_presence_new (NULL, "user1@example.org/a", "nobody@example.org");

  bind (f, "user1@example.org/a", 0, TRUE, 0);
  route_message (f, "chat", "user1@example.org/a", "nobody@example.org");
  g_assert_cmpstr (last_error (f, 0), ==, "service-unavailable");
  g_assert_cmpuint (f->got[0]->len, ==, 1);
  /* Presence to no account is dropped silently. */
  cw_router_route (f->router, pres);
  g_assert_cmpuint (f->got[0]->len, ==, 1);
}

static void
test_error_not_bounced (Fixture *f, gconstpointer data)
{
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  route_message (f, "error", "user1@example.org/a", "nobody@example.org");
  g_assert_cmpuint (f->got[0]->len, ==, 0);
}

static void
test_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) jid = cw_jid_parse ("user1@example.org/a", NULL);

  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user1@example.org/a", 1, TRUE, 0);
  g_assert_true (f->replaced[0]);
  g_assert_false (f->replaced[1]);
  g_assert_true (cw_router_is_bound (f->router, jid));
  route_message (f, "chat", "user2@example.org/x", "user1@example.org/a");
  g_assert_cmpuint (f->got[0]->len, ==, 0);
  g_assert_cmpuint (f->got[1]->len, ==, 1);
}

static void
test_unbind (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) bare = cw_jid_parse ("user2@example.org", NULL);
  CwRouterResource *r;
  g_autoptr (GPtrArray) list = NULL;

  bind (f, "user1@example.org/a", 0, TRUE, 0);
  r = bind (f, "user2@example.org/b", 1, TRUE, 0);
  cw_router_unbind (f->router, r);
  list = cw_router_get_resources (f->router, bare);
  g_assert_cmpuint (list->len, ==, 0);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org/b");
  g_assert_cmpuint (f->got[1]->len, ==, 0);
  g_assert_cmpstr (last_error (f, 0), ==, "service-unavailable");
}

static void
test_server_and_remote (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq
    = cw_stanza_iq_new (CW_IQ_TYPE_GET, "user1@example.org/a", "example.org", "s1");
  g_autoptr (CwElement) iq2
    = cw_stanza_iq_new (CW_IQ_TYPE_GET, "user1@example.org/a", "user2@example.org", "s2");

  bind (f, "user1@example.org/a", 0, TRUE, 0);
  cw_element_add (iq, "query", "jabber:iq:version");
  cw_element_add (iq2, "vCard", "vcard-temp");
  f->server_handles = TRUE;
  cw_router_route (f->router, iq);
  cw_router_route (f->router, iq2);
  g_assert_cmpuint (f->server->len, ==, 2);
  g_assert_cmpuint (f->got[0]->len, ==, 0);
  f->server_handles = FALSE;
  cw_router_route (f->router, iq);
  g_assert_cmpstr (last_error (f, 0), ==, "service-unavailable");
  route_message (f, "chat", "user1@example.org/a", "someone@elsewhere.example");
  g_assert_cmpstr (last_error (f, 0), ==, "remote-server-not-found");
}

static void
test_classify (Fixture *f, gconstpointer data)
{
  const struct
  {
    const gchar *jid;
    CwRouteKind kind;
  } cases[] = {
    { "example.org", CW_ROUTE_SERVER },
    { "user1@example.org/x", CW_ROUTE_LOCAL },
    { "juliet\\40capulet@example.org", CW_ROUTE_MESH_PEER },
    { "muc.example.org", CW_ROUTE_COMPONENT },
    { "a@otherexample.org", CW_ROUTE_REMOTE_DOMAIN },
    { "a@elsewhere.example", CW_ROUTE_REMOTE_DOMAIN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwJid) jid = cw_jid_parse (cases[i].jid, NULL);

      g_assert_cmpint (cw_router_classify (f->router, jid), ==, cases[i].kind);
    }
}

typedef struct
{
  guint calls;
  guint n_targets;
  gchar *to;
  gboolean take;
} MessageSpy;

static gboolean
message_spy (CwElement *stanza, const CwJid *to, GPtrArray *targets, gpointer user_data)
{
  MessageSpy *spy = user_data;

  spy->calls++;
  spy->n_targets = targets->len;
  g_free (spy->to);
  spy->to = g_strdup (cw_jid_to_string (to));
  cw_element_add (stanza, "seen", "urn:example:spy");
  return spy->take;
}

/* The message func sees what reaches an account, with the resources that
 * get it; what it takes is neither delivered nor bounced. */
static void
test_message_func (Fixture *f, gconstpointer data)
{
  MessageSpy spy = { 0 };

  cw_router_set_message_func (f->router, message_spy, &spy);
  bind (f, "user1@example.org/a", 0, TRUE, 0);
  bind (f, "user2@example.org/x", 1, TRUE, 1);
  bind (f, "user2@example.org/y", 2, TRUE, 0);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org");
  g_assert_cmpuint (spy.calls, ==, 1);
  g_assert_cmpuint (spy.n_targets, ==, 1);
  g_assert_cmpstr (spy.to, ==, "user2@example.org");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  g_assert_nonnull (cw_element_get_child (f->got[1]->pdata[0], "seen", "urn:example:spy"));
  route_message (f, "chat", "user1@example.org/a", "user2@example.org/y");
  g_assert_cmpuint (spy.calls, ==, 2);
  g_assert_cmpuint (spy.n_targets, ==, 1);
  g_assert_cmpuint (f->got[2]->len, ==, 1);
  /* No available resource: the func is asked with none, and takes it. */
  spy.take = TRUE;
  route_message (f, "chat", "user1@example.org/a", "user3@example.org");
  g_assert_cmpuint (spy.calls, ==, 3);
  g_assert_cmpuint (spy.n_targets, ==, 0);
  g_assert_cmpuint (f->got[0]->len, ==, 0);
  route_message (f, "chat", "user1@example.org/a", "user2@example.org/x");
  g_assert_cmpuint (f->got[1]->len, ==, 1);
  /* Errors never reach it. */
  route_message (f, "error", "user1@example.org/a", "user2@example.org/x");
  g_assert_cmpuint (spy.calls, ==, 4);
  g_assert_cmpuint (f->got[1]->len, ==, 2);
  g_free (spy.to);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/server/router/full-jid", test_full_jid);
  ADD ("/server/router/bare-highest-priority", test_bare_priority);
  ADD ("/server/router/chat-to-all-top-priority", test_chat_to_all_top);
  ADD ("/server/router/negative-priority-only-bounces", test_negative_only);
  ADD ("/server/router/gone-resource", test_gone_resource);
  ADD ("/server/router/unknown-user", test_unknown_user);
  ADD ("/server/router/error-not-bounced", test_error_not_bounced);
  ADD ("/server/router/conflict-new-wins", test_conflict);
  ADD ("/server/router/unbind", test_unbind);
  ADD ("/server/router/server-and-remote", test_server_and_remote);
  ADD ("/server/router/classify", test_classify);
  ADD ("/server/router/message-func", test_message_func);
  return g_test_run ();
}
