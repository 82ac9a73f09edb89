/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0198 stream management (CwSm, acks, hibernation, resumption) and XEP-0352 CSI. */
#include "config.h"

#include "server/sm.h"

#include <stdlib.h>
#include <unistd.h>

#include "c2s-test-client.h"
#include "server/c2s-session.h"
#include "server/scram.h"
#include "common/namespaces.h"
#include "xml/stanza.h"

/* ---- CwSm alone ----------------------------------------------------------- */

static CwElement *
message (const gchar *body)
{
  return cw_stanza_message_new ("chat", "user1@example.org/r", "user2@example.org/desk", NULL,
                                body);
}

static void
test_counters (void)
{
  g_autoptr (CwSm) sm = cw_sm_new (3);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) a = NULL;
  const gchar *bodies[] = { "1", "2", "3", "4" };

  cw_sm_count_handled (sm);
  cw_sm_count_handled (sm);
  a = cw_sm_new_answer (sm);
  g_assert_cmpstr (cw_element_get_attr (a, "h"), ==, "2");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (CwElement) m = message (bodies[i]);

      g_assert_true (cw_sm_track (sm, m, NULL));
    }
  {
    g_autoptr (CwElement) m = message (bodies[3]);

    g_assert_false (cw_sm_track (sm, m, &error));
    g_assert_error (error, CW_SM_ERROR, CW_SM_ERROR_FULL);
    g_clear_error (&error);
  }
  g_assert_true (cw_sm_ack (sm, 2, NULL));
  g_assert_cmpuint (cw_sm_get_n_unacked (sm), ==, 1);
  g_assert_cmpstr (
    cw_element_get_child_text (g_queue_peek_head (cw_sm_get_unacked (sm)), "body", NULL), ==, "3");
  /* An older 'h' changes nothing; one past what was sent is an error. */
  g_assert_true (cw_sm_ack (sm, 1, NULL));
  g_assert_cmpuint (cw_sm_get_n_unacked (sm), ==, 1);
  g_assert_false (cw_sm_ack (sm, 4, &error));
  g_assert_error (error, CW_SM_ERROR, CW_SM_ERROR_TOO_HIGH);
  g_assert_true (cw_sm_ack (sm, 3, NULL));
  g_assert_cmpuint (cw_sm_get_n_unacked (sm), ==, 0);
}

static void
test_parse_h (void)
{
  g_autoptr (CwElement) ok
    = cw_element_parse ("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>", -1, NULL);
  g_autoptr (CwElement) big
    = cw_element_parse ("<a xmlns='urn:xmpp:sm:3' h='4294967296'/>", -1, NULL);
  g_autoptr (CwElement) none = cw_element_parse ("<a xmlns='urn:xmpp:sm:3'/>", -1, NULL);
  g_autoptr (GError) error = NULL;
  guint32 h = 0;

  g_assert_true (cw_sm_parse_h (ok, &h, NULL));
  g_assert_cmpuint (h, ==, G_MAXUINT32);
  g_assert_false (cw_sm_parse_h (big, &h, NULL));
  g_assert_false (cw_sm_parse_h (none, &h, &error));
  g_assert_error (error, CW_SM_ERROR, CW_SM_ERROR_MALFORMED);
}

/* ---- sessions --------------------------------------------------------------- */

typedef struct
{
  CwTestClient c1, c2;
  CwRouter *router;
  CwServerLimits limits;
  CwC2sConfig config;
  CwScramCredentials *creds;
  GHashTable *sm_sessions;
  guint n_closed;
  guint n_started;
  GPtrArray *live;     /* CwC2sSession (unowned): started, not yet closed */
  GPtrArray *captured; /* stanzas delivered to user2@example.org/desk */
  CwJid *user2;
} Fixture;

/* Routes, as the gateway does; initial presence makes the resource
 * available (mod-presence's job in the gateway). */
static void
on_stanza (CwC2sSession *session, CwElement *stanza, gpointer user_data)
{
  if (cw_stanza_get_kind (stanza) == CW_STANZA_KIND_PRESENCE && cw_stanza_get_to (stanza) == NULL)
    {
      cw_router_set_presence (cw_c2s_session_get_resource (session), TRUE, 0);
      return;
    }
  cw_router_route (((Fixture *)user_data)->router, stanza);
}

static void
on_closed (CwC2sSession *session, gpointer user_data)
{
  Fixture *f = user_data;

  f->n_closed++;
  g_ptr_array_remove (f->live, session);
}

static void
capture (CwElement *stanza, gpointer user_data)
{
  g_ptr_array_add (((Fixture *)user_data)->captured, cw_element_ref (stanza));
}

static const CwRouterResourceFuncs capture_funcs = { capture, NULL };

static void
setup (Fixture *f, gconstpointer data)
{
  alarm (30); /* a test that waits forever fails instead */
  cw_test_client_init (&f->c1);
  cw_test_client_init (&f->c2);
  f->router = cw_router_new ("example.org");
  f->live = g_ptr_array_new ();
  f->captured = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
  f->creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);
  f->sm_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cw_server_limits_init_default (&f->limits);
  f->limits.ping_interval_ms = 0;
  f->config = (CwC2sConfig){
    .domain = "example.org",
    .limits = &f->limits,
    .lookup = cw_test_client_lookup,
    .lookup_data = f->creds,
    .router = f->router,
    .stanza = on_stanza,
    .closed = on_closed,
    .user_data = f,
    .sm_sessions = f->sm_sessions,
  };
  f->user2 = cw_jid_parse ("user2@example.org/desk", NULL);
  cw_router_bind (f->router, f->user2, &capture_funcs, f);
}

static void
start (Fixture *f, CwTestClient *c)
{
  g_ptr_array_add (f->live, cw_test_client_start_session (c, &f->config));
  f->n_started++;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) live = g_ptr_array_copy (f->live, NULL, NULL);

  for (guint i = 0; i < live->len; i++)
    cw_c2s_session_close_with_error (live->pdata[i], CW_STREAM_ERROR_SYSTEM_SHUTDOWN, NULL);
  while (f->live->len > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cw_test_client_clear (&f->c1);
  cw_test_client_clear (&f->c2);
  cw_router_free (f->router);
  cw_scram_credentials_free (f->creds);
  g_hash_table_destroy (f->sm_sessions);
  g_ptr_array_unref (f->captured);
  g_ptr_array_unref (f->live);
  cw_jid_unref (f->user2);
}

/* A chat message from user2 to @to, as the router would deliver it. */
static void
send_from_user2 (Fixture *f, const gchar *to, const gchar *body)
{
  g_autoptr (CwElement) m
    = cw_stanza_message_new ("chat", "user2@example.org/desk", to, NULL, body);

  cw_router_route (f->router, m);
}

static void
wait_captured (Fixture *f, guint n)
{
  while (f->captured->len < n)
    g_main_context_iteration (NULL, TRUE);
}

/* Logs c in, binds "r" and enables resumable SM; returns the SM id. */
static gchar *
login_enable (Fixture *f, CwTestClient *c)
{
  g_autofree gchar *features = NULL, *jid = NULL, *max = NULL;
  gchar *id;

  start (f, c);
  features = cw_test_client_login (c, "example.org");
  g_assert_nonnull (strstr (features, "<sm xmlns='urn:xmpp:sm:3'/>"));
  jid = cw_test_client_bind (c, "r");
  g_assert_cmpstr (jid, ==, "user1@example.org/r");
  cw_test_client_push (c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  id = cw_test_client_expect (c, "<enabled xmlns='urn:xmpp:sm:3' id='([^']+)' resume='true'");
  max = cw_test_client_expect (c, "max='([0-9]+)'/>");
  g_assert_cmpint (atoi (max), ==, f->limits.sm_resume_timeout);
  return id;
}

static void
test_enable_before_bind (Fixture *f, gconstpointer data)
{
  g_autofree gchar *features = NULL, *failed = NULL, *jid = NULL;

  start (f, &f->c1);
  features = cw_test_client_open (&f->c1, "example.org");
  g_assert_null (strstr (features, "urn:xmpp:sm:3"));
  g_free (cw_test_client_scram (&f->c1, "secret"));
  g_free (cw_test_client_open (&f->c1, "example.org"));
  cw_test_client_push (&f->c1, "<enable xmlns='urn:xmpp:sm:3'/>");
  failed = cw_test_client_expect (&f->c1, "<failed xmlns='urn:xmpp:sm:3'><([a-z-]+)");
  g_assert_cmpstr (failed, ==, "unexpected-request");
  jid = cw_test_client_bind (&f->c1, "r");
  g_assert_cmpstr (jid, ==, "user1@example.org/r");
}

static void
test_acks (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = login_enable (f, &f->c1);
  g_autofree gchar *h = NULL, *condition = NULL;

  /* Two stanzas in, then <r/>: the server handled two. */
  cw_test_client_push (&f->c1, "<message to='user2@example.org/desk'><body>1</body></message>"
                               "<message to='user2@example.org/desk'><body>2</body></message>"
                               "<r xmlns='urn:xmpp:sm:3'/>");
  h = cw_test_client_expect (&f->c1, "<a xmlns='urn:xmpp:sm:3' h='([0-9]+)'/>");
  g_assert_cmpstr (h, ==, "2");
  wait_captured (f, 2);
  /* One stanza out; the client claims two. */
  send_from_user2 (f, "user1@example.org/r", "hello");
  g_free (cw_test_client_expect (&f->c1, "<body>hello</body>"));
  cw_test_client_push (&f->c1, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
  condition = cw_test_client_expect (&f->c1, "<stream:error><([a-z-]+)");
  g_assert_cmpstr (condition, ==, "undefined-condition");
  g_free (cw_test_client_expect (&f->c1, "<handled-count-too-high xmlns='urn:xmpp:sm:3'/>"));
  while (f->n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
}

/* The connection dies; the session keeps the resource, queues, and a new
 * stream of the same account takes it over with nothing lost. */
static void
test_resume (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = login_enable (f, &f->c1);
  g_autofree gchar *resume = NULL, *h = NULL, *body = NULL;
  g_autoptr (CwJid) full = cw_jid_parse ("user1@example.org/r", NULL);

  cw_test_client_push (&f->c1, "<presence/>");
  send_from_user2 (f, "user1@example.org/r", "one");
  send_from_user2 (f, "user1@example.org/r", "two");
  g_free (cw_test_client_expect (&f->c1, "<body>two</body>"));
  g_io_stream_close (cw_test_stream_get_end (f->c1.pair, 1), NULL, NULL);
  while (!g_hash_table_size (f->sm_sessions)
         || !cw_c2s_session_is_hibernating (g_hash_table_lookup (f->sm_sessions, id)))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (cw_router_is_bound (f->router, full));
  g_assert_cmpuint (f->n_closed, ==, 0);
  send_from_user2 (f, "user1@example.org", "three"); /* to the bare JID while away */
  g_assert_cmpuint (f->captured->len, ==, 0);        /* no error for it */

  start (f, &f->c2);
  g_free (cw_test_client_login (&f->c2, "example.org"));
  resume = g_strdup_printf ("<resume xmlns='urn:xmpp:sm:3' previd='%s' h='1'/>", id);
  cw_test_client_push (&f->c2, resume);
  h = cw_test_client_expect (&f->c2, "<resumed xmlns='urn:xmpp:sm:3' [^>]*h='([0-9]+)'");
  g_assert_cmpstr (h, ==, "1");
  body = cw_test_client_expect (&f->c2, "<message [^>]*><body>([a-z]+)</body>");
  g_assert_cmpstr (body, ==, "two");
  g_free (body);
  body = cw_test_client_expect (&f->c2, "<message [^>]*><body>([a-z]+)</body>");
  g_assert_cmpstr (body, ==, "three");
  /* The new stream only carried the old session: it ended, unbound. */
  while (f->n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
  cw_test_client_push (&f->c2, "<message to='user2@example.org/desk'><body>back</body></message>");
  wait_captured (f, 1);
  g_assert_cmpstr (cw_stanza_get_from (f->captured->pdata[0]), ==, "user1@example.org/r");
  /* Nothing of the previous stream is left: the old id still resumes
   * only this session, and a made-up one fails. */
  g_assert_true (cw_router_is_bound (f->router, full));
}

static void
test_resume_unknown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *failed = NULL, *jid = NULL;

  start (f, &f->c1);
  g_free (cw_test_client_login (&f->c1, "example.org"));
  cw_test_client_push (&f->c1, "<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>");
  failed = cw_test_client_expect (&f->c1, "<failed xmlns='urn:xmpp:sm:3'><([a-z-]+)");
  g_assert_cmpstr (failed, ==, "item-not-found");
  jid = cw_test_client_bind (&f->c1, "r");
  g_assert_cmpstr (jid, ==, "user1@example.org/r");
}

/* Nobody resumes: the resource goes and the unacknowledged chat message
 * is routed again, here bounced to its sender (no other resource). */
static void
test_hibernation_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) full = cw_jid_parse ("user1@example.org/r", NULL);
  g_autofree gchar *id = NULL, *failed = NULL, *resume = NULL;
  CwElement *bounce;

  f->limits.sm_resume_timeout = 1;
  id = login_enable (f, &f->c1);
  send_from_user2 (f, "user1@example.org/r", "lost");
  g_free (cw_test_client_expect (&f->c1, "<body>lost</body>"));
  g_io_stream_close (cw_test_stream_get_end (f->c1.pair, 1), NULL, NULL);
  while (f->n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cw_router_is_bound (f->router, full));
  wait_captured (f, 1);
  bounce = f->captured->pdata[0];
  g_assert_cmpstr (cw_stanza_get_type (bounce), ==, "error");
  g_assert_nonnull (cw_element_get_child (cw_element_get_child (bounce, "error", NULL),
                                          "service-unavailable", CW_NS_STANZAS));
  /* The id is gone with it. */
  start (f, &f->c2);
  g_free (cw_test_client_login (&f->c2, "example.org"));
  resume = g_strdup_printf ("<resume xmlns='urn:xmpp:sm:3' previd='%s' h='1'/>", id);
  cw_test_client_push (&f->c2, resume);
  failed = cw_test_client_expect (&f->c2, "<failed xmlns='urn:xmpp:sm:3'><([a-z-]+)");
  g_assert_cmpstr (failed, ==, "item-not-found");
}

/* A clean </stream:stream> is a logout: no hibernation. */
static void
test_clean_close (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) full = cw_jid_parse ("user1@example.org/r", NULL);
  g_autofree gchar *id = login_enable (f, &f->c1);

  cw_test_client_push (&f->c1, "</stream:stream>");
  while (f->n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cw_router_is_bound (f->router, full));
  g_assert_cmpuint (g_hash_table_size (f->sm_sessions), ==, 0);
}

static void
send_presence_from_user2 (Fixture *f, const gchar *show)
{
  g_autoptr (CwElement) p
    = cw_stanza_presence_new (NULL, "user2@example.org/desk", "user1@example.org/r");

  cw_element_add_text_child (p, "show", NULL, show);
  cw_router_route (f->router, p);
}

/* XEP-0352: presence waits while the client says it is inactive, and
 * comes (in order) before the next message or on <active/>. */
static void
test_csi (Fixture *f, gconstpointer data)
{
  g_autofree gchar *features = NULL, *jid = NULL, *show = NULL, *body = NULL;

  start (f, &f->c1);
  features = cw_test_client_login (&f->c1, "example.org");
  g_assert_nonnull (strstr (features, "<csi xmlns='urn:xmpp:csi:0'/>"));
  jid = cw_test_client_bind (&f->c1, "r");
  cw_test_client_push (&f->c1, "<inactive xmlns='urn:xmpp:csi:0'/>");
  cw_test_client_settle (&f->c1, 50);
  send_presence_from_user2 (f, "away");
  send_presence_from_user2 (f, "dnd");
  g_assert_null (strstr (cw_test_client_settle (&f->c1, 100), "<presence"));
  send_from_user2 (f, "user1@example.org/r", "wake");
  show = cw_test_client_expect (&f->c1, "<presence [^>]*><show>([a-z]+)</show>");
  g_assert_cmpstr (show, ==, "away");
  g_free (show);
  show = cw_test_client_expect (&f->c1, "<presence [^>]*><show>([a-z]+)</show>");
  g_assert_cmpstr (show, ==, "dnd");
  body = cw_test_client_expect (&f->c1, "<body>([a-z]+)</body>");
  g_assert_cmpstr (body, ==, "wake");
  /* Still inactive: held again until <active/>. */
  send_presence_from_user2 (f, "xa");
  g_assert_null (strstr (cw_test_client_settle (&f->c1, 100), "<presence"));
  cw_test_client_push (&f->c1, "<active xmlns='urn:xmpp:csi:0'/>");
  g_free (show);
  show = cw_test_client_expect (&f->c1, "<presence [^>]*><show>([a-z]+)</show>");
  g_assert_cmpstr (show, ==, "xa");
  send_presence_from_user2 (f, "chat");
  g_free (show);
  show = cw_test_client_expect (&f->c1, "<presence [^>]*><show>([a-z]+)</show>");
  g_assert_cmpstr (show, ==, "chat");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/sm/counters", test_counters);
  g_test_add_func ("/server/sm/parse-h", test_parse_h);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/server/sm/enable-before-bind", test_enable_before_bind);
  ADD ("/server/sm/acks", test_acks);
  ADD ("/server/sm/resume", test_resume);
  ADD ("/server/sm/resume-unknown", test_resume_unknown);
  ADD ("/server/sm/hibernation-timeout", test_hibernation_timeout);
  ADD ("/server/sm/clean-close", test_clean_close);
  ADD ("/server/csi/hold-presence", test_csi);
  return g_test_run ();
}
