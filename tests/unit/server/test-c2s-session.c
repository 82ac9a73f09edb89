/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwC2sSession: the negotiation state machine over an in-memory stream pair. */
#include "config.h"

#include "server/c2s-session.h"

#include "server/scram.h"
#include "c2s-test-client.h"
#include "xml/stanza.h"

typedef struct
{
  CwTestClient c;
  CwRouter *router;
  CwServerLimits limits;
  CwC2sConfig config;
  CwScramCredentials *creds;
  CwC2sSession *session; /* unowned: keeps itself alive until closed */
  gboolean closed;
  gboolean bound;
  GPtrArray *captured; /* stanzas delivered to the fake resource */
} Fixture;

static void
on_stanza (CwC2sSession *session, CwElement *stanza, gpointer user_data)
{
  Fixture *f = user_data;

  cw_router_route (f->router, stanza);
}

static void
on_bound (CwC2sSession *session, gpointer user_data)
{
  ((Fixture *)user_data)->bound = TRUE;
}

static void
on_closed (CwC2sSession *session, gpointer user_data)
{
  ((Fixture *)user_data)->closed = TRUE;
}

static void
setup (Fixture *f, gconstpointer data)
{
  cw_test_client_init (&f->c);
  f->router = cw_router_new ("example.org");
  f->captured = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
  f->creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);
  cw_server_limits_init_default (&f->limits);
  f->limits.auth_failure_delay_ms = 0;
  f->config = (CwC2sConfig){
    .domain = "example.org",
    .tls_required = FALSE,
    .limits = &f->limits,
    .lookup = cw_test_client_lookup,
    .lookup_data = f->creds,
    .router = f->router,
    .stanza = on_stanza,
    .bound = on_bound,
    .closed = on_closed,
    .user_data = f,
  };
}

/* Starts the session; tests may change config and limits before. */
static void
start (Fixture *f)
{
  f->session = cw_test_client_start_session (&f->c, &f->config);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->session != NULL && !f->closed)
    {
      cw_c2s_session_close_with_error (f->session, CW_STREAM_ERROR_SYSTEM_SHUTDOWN, NULL);
      while (!f->closed)
        g_main_context_iteration (NULL, TRUE);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cw_test_client_clear (&f->c);
  cw_router_free (f->router);
  cw_scram_credentials_free (f->creds);
  g_ptr_array_unref (f->captured);
}

static void
push (Fixture *f, const gchar *xml)
{
  cw_test_client_push (&f->c, xml);
}

static gchar *
expect (Fixture *f, const gchar *regex)
{
  return cw_test_client_expect (&f->c, regex);
}

static gchar *
open_stream (Fixture *f)
{
  return cw_test_client_open (&f->c, "example.org");
}

static void
assert_stream_error (Fixture *f, const gchar *condition)
{
  g_autofree gchar *got = expect (f, "<stream:error><([a-z-]+)");

  g_assert_cmpstr (got, ==, condition);
  while (!f->closed)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_host_unknown (Fixture *f, gconstpointer data)
{
  start (f);
  push (f, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
           "to='other.example' version='1.0'>");
  assert_stream_error (f, "host-unknown");
}

static void
test_no_version (Fixture *f, gconstpointer data)
{
  start (f);
  push (f, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
           "to='example.org'>");
  assert_stream_error (f, "unsupported-version");
}

static void
test_tls_required_features (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cert
    = g_test_build_filename (G_TEST_DIST, "tests", "data", "gateway", "cert.pem", NULL);
  g_autofree gchar *key
    = g_test_build_filename (G_TEST_DIST, "tests", "data", "gateway", "key.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_autofree gchar *features = NULL;
  g_autofree gchar *condition = NULL;

  g_assert_no_error (error);
  f->config.certificate = certificate;
  f->config.tls_required = TRUE;
  start (f);
  features = open_stream (f);
  g_assert_nonnull (
    strstr (features, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"));
  g_assert_null (strstr (features, "mechanism"));
  /* SASL is not on offer: trying it anyway fails with encryption-required
   * (RFC 6120 §6.5.4) and nothing else is allowed before STARTTLS. */
  push (
    f,
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIxAHNlY3JldA==</auth>");
  condition = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (condition, ==, "encryption-required");
  g_assert_false (f->bound);
  push (f, "<message to='user2@example.org'><body>x</body></message>");
  assert_stream_error (f, "not-authorized");
}

static void
test_stanza_before_auth (Fixture *f, gconstpointer data)
{
  g_autofree gchar *features = NULL;

  start (f);
  features = open_stream (f);
  g_assert_nonnull (strstr (features, "<mechanism>SCRAM-SHA-256</mechanism>"));
  g_assert_null (strstr (features, "PLAIN"));
  g_assert_null (strstr (features, "starttls"));
  push (f, "<message to='user1@example.org'><body>hi</body></message>");
  assert_stream_error (f, "not-authorized");
}

static void
test_sasl_failures (Fixture *f, gconstpointer data)
{
  g_autofree gchar *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL;

  start (f);
  g_free (open_stream (f));
  push (
    f,
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIxAHNlY3JldA==</auth>");
  c1 = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (c1, ==, "encryption-required");
  push (f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-NONE'/>");
  c2 = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (c2, ==, "invalid-mechanism");
  g_clear_pointer (&c2, g_free);
  push (f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  c2 = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (c2, ==, "invalid-mechanism");
  push (f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>!!!!</auth>");
  c3 = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (c3, ==, "incorrect-encoding");
  push (f, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'/>");
  g_free (expect (f, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</challenge>"));
  push (f, "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  c4 = expect (f, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
  g_assert_cmpstr (c4, ==, "aborted");
  g_assert_false (f->closed);
}

static gchar *
scram_login (Fixture *f, const gchar *password)
{
  return cw_test_client_scram (&f->c, password);
}

static void
capture (CwElement *stanza, gpointer user_data)
{
  g_ptr_array_add (((Fixture *)user_data)->captured, cw_element_ref (stanza));
}

static const CwRouterResourceFuncs capture_funcs = { capture, NULL };

/* Logs in as user1 and binds @resource (NULL: let the server pick);
 * returns the bound JID. */
static gchar *
login_and_bind (Fixture *f, const gchar *resource)
{
  g_autofree gchar *features = cw_test_client_login (&f->c, "example.org");

  g_assert_nonnull (strstr (features, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"));
  g_assert_null (strstr (features, "mechanisms"));
  return cw_test_client_bind (&f->c, resource);
}

static void
test_login_bind_route (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) other = cw_jid_parse ("user2@example.org/desk", NULL);
  g_autofree gchar *jid = NULL;
  CwElement *got;

  start (f);
  jid = login_and_bind (f, NULL);
  g_assert_true (g_str_has_prefix (jid, "user1@example.org/chinwag-"));
  g_assert_true (f->bound);
  push (f, "<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  g_free (expect (f, "<iq [^>]*type='result'[^>]*id='s1'|<iq [^>]*id='s1'[^>]*type='result'"));
  /* A second bind is refused; the first stays. */
  push (f, "<iq type='set' id='b2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  g_free (expect (f, "<iq [^>]*id='b2'.*<not-allowed"));
  cw_router_bind (f->router, other, &capture_funcs, f);
  push (f,
        "<message from='boss@example.org/x' to='user2@example.org/desk'><body>hi</body></message>");
  while (f->captured->len == 0)
    g_main_context_iteration (NULL, TRUE);
  got = f->captured->pdata[0];
  g_assert_cmpstr (cw_stanza_get_from (got), ==, jid);
  g_assert_cmpstr (cw_element_get_child_text (got, "body", NULL), ==, "hi");
}

static void
test_wrong_proof_throttle (Fixture *f, gconstpointer data)
{
  g_autofree gchar *v1 = NULL, *v2 = NULL;

  f->limits.max_auth_failures = 2;
  start (f);
  g_free (open_stream (f));
  v1 = scram_login (f, "wrong");
  g_assert_cmpstr (v1, ==, "not-authorized");
  g_assert_false (f->closed);
  v2 = scram_login (f, "wrong again");
  g_assert_cmpstr (v2, ==, "not-authorized");
  assert_stream_error (f, "policy-violation");
}

static void
test_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) same = cw_jid_parse ("user1@example.org/home", NULL);
  g_autofree gchar *jid = NULL;

  start (f);
  jid = login_and_bind (f, "home");
  g_assert_cmpstr (jid, ==, "user1@example.org/home");
  cw_router_bind (f->router, same, &capture_funcs, f);
  assert_stream_error (f, "conflict");
}

static void
test_negotiation_timeout (Fixture *f, gconstpointer data)
{
  f->limits.negotiation_timeout_ms = 50;
  start (f);
  g_free (open_stream (f));
  assert_stream_error (f, "connection-timeout");
}

static void
test_preauth_size (Fixture *f, gconstpointer data)
{
  g_autofree gchar *big = g_strnfill (11 * 1024, 'x');
  g_autofree gchar *msg = g_strdup_printf ("<message><body>%s</body></message>", big);

  start (f);
  g_free (open_stream (f));
  push (f, msg);
  assert_stream_error (f, "policy-violation");
}

static void
test_postauth_size (Fixture *f, gconstpointer data)
{
  g_autofree gchar *big = g_strnfill (20 * 1024, 'x');
  g_autofree gchar *msg = NULL;

  f->limits.max_stanza_size = 16 * 1024;
  start (f);
  g_free (login_and_bind (f, "r"));
  msg = g_strdup_printf ("<message to='user2@example.org'><body>%s</body></message>", big);
  push (f, msg);
  assert_stream_error (f, "policy-violation");
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (CwJid) other = cw_jid_parse ("user2@example.org/desk", NULL);
  g_autofree gchar *body = g_strnfill (700, 'x');
  g_autofree gchar *msg
    = g_strdup_printf ("<message to='user2@example.org/desk'><body>%s</body></message>", body);
  gint64 start_time;

  f->limits.rate_bytes_per_sec = 1000;
  f->limits.rate_burst_bytes = 1000;
  start (f);
  g_free (login_and_bind (f, "r"));
  cw_router_bind (f->router, other, &capture_funcs, f);
  start_time = g_get_monotonic_time ();
  for (guint i = 0; i < 3; i++)
    push (f, msg);
  while (f->captured->len < 3)
    g_main_context_iteration (NULL, TRUE);
  /* 3 × ~750 bytes through a 1000-byte bucket refilled at 1000 B/s: the
   * last one waits for the refill instead of being read at once. */
  g_assert_cmpint (g_get_monotonic_time () - start_time, >=, 400 * 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/server/c2s/header-host-unknown", test_host_unknown);
  ADD ("/server/c2s/header-no-version", test_no_version);
  ADD ("/server/c2s/tls-required-features", test_tls_required_features);
  ADD ("/server/c2s/stanza-before-auth", test_stanza_before_auth);
  ADD ("/server/c2s/sasl-failures", test_sasl_failures);
  ADD ("/server/c2s/login-bind-route", test_login_bind_route);
  ADD ("/server/c2s/wrong-proof-throttle", test_wrong_proof_throttle);
  ADD ("/server/c2s/conflict", test_conflict);
  ADD ("/server/c2s/negotiation-timeout", test_negotiation_timeout);
  ADD ("/server/c2s/preauth-size", test_preauth_size);
  ADD ("/server/c2s/postauth-size", test_postauth_size);
  ADD ("/server/c2s/rate-limit", test_rate_limit);
  return g_test_run ();
}
