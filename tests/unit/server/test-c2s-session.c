/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwC2sSession: the negotiation state machine over an in-memory stream pair. */
#include "config.h"

#include "server/c2s-session.h"

#include "server/scram.h"
#include "test-io-stream.h"
#include "xml/stanza.h"

typedef struct
{
  CwTestStream *pair;
  CwRouter *router;
  CwServerLimits limits;
  CwC2sConfig config;
  CwScramCredentials *creds;
  CwC2sSession *session; /* unowned: keeps itself alive until closed */
  gboolean closed;
  gboolean bound;
  GString *out;        /* what the server wrote, not yet matched */
  GPtrArray *captured; /* stanzas delivered to the fake resource */
} Fixture;

static CwScramCredentials *
lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  Fixture *f = user_data;
  CwScramCredentials *c;

  if (!g_str_equal (username, "user1") || hash != CW_SASL_HASH_SHA256)
    return NULL;
  c = g_new0 (CwScramCredentials, 1);
  *c = *f->creds;
  g_bytes_ref (c->salt), g_bytes_ref (c->stored_key), g_bytes_ref (c->server_key);
  return c;
}

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
  f->pair = cw_test_stream_new ();
  f->router = cw_router_new ("example.org");
  f->out = g_string_new (NULL);
  f->captured = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
  f->creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);
  cw_server_limits_init_default (&f->limits);
  f->limits.auth_failure_delay_ms = 0;
  f->config = (CwC2sConfig){
    .domain = "example.org",
    .tls_required = FALSE,
    .limits = &f->limits,
    .lookup = lookup,
    .lookup_data = f,
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
  f->session = cw_c2s_session_new (&f->config, cw_test_stream_get_end (f->pair, 0), FALSE, "test");
  cw_c2s_session_start (f->session);
  g_object_unref (f->session); /* it holds itself until closed */
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
  g_object_unref (f->pair);
  cw_router_free (f->router);
  cw_scram_credentials_free (f->creds);
  g_string_free (f->out, TRUE);
  g_ptr_array_unref (f->captured);
}

static void
push (Fixture *f, const gchar *xml)
{
  cw_test_stream_push_incoming (f->pair, 0, xml, -1);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("timed out waiting for %s", (const gchar *)user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the server wrote something matching @regex;
 * returns match group 1 (or 0) and forgets the output up to the match. */
static gchar *
expect (Fixture *f, const gchar *regex)
{
  g_autoptr (GRegex) re = g_regex_new (regex, G_REGEX_DOTALL, 0, NULL);
  guint watchdog = g_timeout_add_seconds (5, watchdog_cb, (gpointer)regex);
  g_autoptr (GMatchInfo) info = NULL;
  gint end;
  gchar *got;

  for (;;)
    {
      g_autofree gchar *more = cw_test_stream_take_incoming (f->pair, 1);

      if (more != NULL)
        g_string_append (f->out, more);
      g_clear_pointer (&info, g_match_info_free);
      if (g_regex_match (re, f->out->str, 0, &info))
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (watchdog);
  got = g_match_info_fetch (info, 0);
  for (gint i = 1; i < g_match_info_get_match_count (info); i++)
    {
      g_autofree gchar *group = g_match_info_fetch (info, i);

      if (group != NULL && *group != '\0')
        {
          g_free (got);
          got = g_steal_pointer (&group);
          break;
        }
    }
  g_match_info_fetch_pos (info, 0, NULL, &end);
  g_string_erase (f->out, 0, end);
  return got;
}

#define HEADER                                                                                     \
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                                     \
  "xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>"

static gchar *
open_stream (Fixture *f)
{
  push (f, HEADER);
  return expect (f, "<stream:features>(.*?)</stream:features>|<stream:features/>");
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

/* A SCRAM-SHA-256 client (RFC 5802 §3) for the tests; returns the
 * client-final-message for @server_first. */
static gchar *
scram_final (const gchar *bare, const gchar *server_first, const gchar *password)
{
  g_auto (GStrv) parts = g_strsplit (server_first, ",", -1);
  g_autofree gchar *without_proof = g_strdup_printf ("c=biws,%s", parts[0]);
  g_autofree gchar *auth_msg = g_strjoin (",", bare, server_first, without_proof, NULL);
  g_autofree guchar *salt = NULL;
  guint8 salted[32], ckey[32], stored[32], sig[32];
  gsize salt_len, len = 32;
  g_autoptr (GHmac) h1 = NULL, h2 = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar *proof = NULL;

  salt = g_base64_decode (parts[1] + 2, &salt_len);
  cw_scram_salted_password (CW_SASL_HASH_SHA256, password, salt, salt_len, atoi (parts[2] + 2),
                            salted);
  h1 = g_hmac_new (G_CHECKSUM_SHA256, salted, 32);
  g_hmac_update (h1, (const guchar *)"Client Key", 10);
  g_hmac_get_digest (h1, ckey, &len);
  g_checksum_update (sum, ckey, 32);
  g_checksum_get_digest (sum, stored, &len);
  h2 = g_hmac_new (G_CHECKSUM_SHA256, stored, 32);
  g_hmac_update (h2, (const guchar *)auth_msg, -1);
  g_hmac_get_digest (h2, sig, &len);
  for (guint i = 0; i < 32; i++)
    ckey[i] ^= sig[i];
  proof = g_base64_encode (ckey, 32);
  return g_strdup_printf ("%s,p=%s", without_proof, proof);
}

/* Runs a SCRAM-SHA-256 exchange; returns "success" or the failure condition. */
static gchar *
scram_login (Fixture *f, const gchar *password)
{
  const gchar *bare = "n=user1,r=abcdefghijklmnop";
  g_autofree gchar *first = g_strconcat ("n,,", bare, NULL);
  g_autofree gchar *first64 = g_base64_encode ((const guchar *)first, strlen (first));
  g_autofree gchar *auth = g_strdup_printf (
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>%s</auth>", first64);
  g_autofree gchar *challenge = NULL, *final = NULL, *final64 = NULL, *response = NULL;
  g_autofree guchar *server_first = NULL;
  gsize n;

  push (f, auth);
  challenge = expect (f, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>([^<]+)</challenge>");
  server_first = g_base64_decode (challenge, &n);
  server_first = g_realloc (server_first, n + 1);
  server_first[n] = '\0';
  final = scram_final (bare, (const gchar *)server_first, password);
  final64 = g_base64_encode ((const guchar *) final, strlen (final));
  response
    = g_strdup_printf ("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>", final64);
  push (f, response);
  return expect (f,
                 "<(success) xmlns|<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
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
  g_autofree gchar *verdict = NULL, *features = NULL, *bind = NULL;

  g_free (open_stream (f));
  verdict = scram_login (f, "secret");
  g_assert_cmpstr (verdict, ==, "success");
  features = open_stream (f);
  g_assert_nonnull (strstr (features, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"));
  g_assert_null (strstr (features, "mechanisms"));
  bind = g_strdup_printf (
    "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>%s%s%s</bind></iq>",
    resource ? "<resource>" : "", resource ? resource : "", resource ? "</resource>" : "");
  push (f, bind);
  return expect (
    f, "<iq [^>]*id='b1'[^>]*><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>([^<]+)</jid>");
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
