/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwGatewayConfig: defaults, every key, units, and each refusal with its FILE:LINE. */
#include "config.h"

#include "daemon/gateway-config.h"

#include <string.h>

#include "test-tmpdir.h"

typedef struct
{
  gchar *dir;  /* owned: scratch folder for the files */
  gchar *path; /* owned: $dir/chinwag.conf */
  gchar *cert; /* owned: absolute paths of the test PEMs */
  gchar *key;
} Fixture;

static gchar *
pem (const gchar *name)
{
  return g_test_build_filename (G_TEST_DIST, "tests", "data", "gateway", name, NULL);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("cw-gateway-config-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "chinwag.conf", NULL);
  f->cert = pem ("good-cert.pem");
  f->key = pem ("good-key.pem");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cw_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->cert);
  g_free (f->key);
}

/* Writes @text with "@CERT@" and "@KEY@" replaced by the good pair. */
static void
write_config (Fixture *f, const gchar *text)
{
  g_autoptr (GString) s = g_string_new (text);

  g_string_replace (s, "@CERT@", f->cert, 0);
  g_string_replace (s, "@KEY@", f->key, 0);
  g_assert_true (g_file_set_contents (f->path, s->str, (gssize) s->len, NULL));
}

#define MINIMAL "[gateway]\ndomain = example.org\n[c2s]\ncertificate = @CERT@\nkey = @KEY@\n"

static CwGatewayConfig *
load_ok (Fixture *f, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  CwGatewayConfig *config;

  write_config (f, text);
  config = cw_gateway_config_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

/* Expects @text refused with @code, "PATH:LINE: " (or "PATH: " for line 0)
 * and @words in the message. */
static void
assert_refused (Fixture *f, const gchar *text, CwGatewayConfigError code, guint line,
                const gchar *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwGatewayConfig) config = NULL;
  g_autofree gchar *prefix = line > 0 ? g_strdup_printf ("%s:%u: ", f->path, line)
                                      : g_strdup_printf ("%s: ", f->path);

  write_config (f, text);
  config = cw_gateway_config_load (f->path, &error);
  g_assert_null (config);
  g_assert_error (error, CW_GATEWAY_CONFIG_ERROR, (gint) code);
  if (!g_str_has_prefix (error->message, prefix) || strstr (error->message, words) == NULL)
    g_error ("got “%s”, want “%s…%s…”", error->message, prefix, words);
}

static gchar *
listen_string (GPtrArray *list)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      g_autofree gchar *one = cw_listen_address_to_string (g_ptr_array_index (list, i));

      g_string_append_printf (s, "%s%s", i > 0 ? " " : "", one);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- accepted ------------------------------------------------------------- */

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (CwGatewayConfig) c = load_ok (f, "# only what is required\n[gateway]\n"
                                              "domain = Example.ORG.\n[c2s]\n"
                                              "certificate = @CERT@\nkey = @KEY@\n");
  g_autofree gchar *listen = listen_string (c->listen);
  g_autofree gchar *direct = listen_string (c->direct_tls);

  g_assert_cmpstr (c->path, ==, f->path);
  g_assert_cmpstr (c->domain, ==, "example.org");
  g_assert_true (g_path_is_absolute (c->storage));
  g_assert_true (g_str_has_suffix (c->storage, "/lib/chinwag/gateway.db"));
  g_assert_cmpstr (listen, ==, "*:5222");
  g_assert_cmpstr (direct, ==, "*:5223");
  g_assert_true (c->require_tls);
  g_assert_cmpstr (c->certificate_file, ==, f->cert);
  g_assert_cmpstr (c->key_file, ==, f->key);
  g_assert_true (G_IS_TLS_CERTIFICATE (c->certificate));
  g_assert_true (c->plain);
  g_assert_false (c->registration);
  g_assert_cmpuint (c->registration_throttle, ==, 1);
  g_assert_cmpuint (c->registration_throttle_time, ==, 600);
  g_assert_cmpuint (c->max_stanza_size, ==, 256 * 1024);
  g_assert_cmpuint (c->max_stanza_size_preauth, ==, 10 * 1024);
  g_assert_cmpuint (c->rate, ==, 10240);
  g_assert_cmpuint (c->burst, ==, 20480);
  g_assert_cmpuint (c->auth_failures, ==, 5);
  g_assert_cmpuint (c->auth_failure_delay, ==, 2);
  g_assert_cmpuint (c->connections_per_address, ==, 10);
  g_assert_cmpuint (c->negotiation_timeout, ==, 30);
  g_assert_cmpuint (c->offline_cap, ==, 500);
  g_assert_cmpuint (c->ping_interval, ==, 300);
  g_assert_cmpuint (c->ping_timeout, ==, 60);
  g_assert_cmpuint (c->resume_timeout, ==, 300);
}

static void
test_every_key (Fixture *f, gconstpointer data)
{
  g_autoptr (CwGatewayConfig) c = load_ok (
    f, "[gateway]\ndomain = chat.example.net\nstorage = /srv/chinwag/gw.db\n"
       "[c2s]\nlisten = [::1]:15222, 127.0.0.1:15222\ndirect_tls = [2001:db8::1]:0;*:15223\n"
       "require_tls = false\ncertificate = @CERT@\nkey = @KEY@\nplain = no\n"
       "[registration]\nenabled = true\nthrottle_per_address = 3/1 h\n"
       "[limits]\nmax_stanza_size = 1 MiB\nmax_stanza_size_preauth = 4KiB\nrate = 0\n"
       "burst = 100 KiB\nauth_failures = 3\nauth_failure_delay = 5s\n"
       "connections_per_address = 0\nnegotiation_timeout = 1 min\noffline_cap = 0\n"
       "ping_interval = 0\nping_timeout = 90\nresume_timeout = 0\n");
  g_autofree gchar *listen = listen_string (c->listen);
  g_autofree gchar *direct = listen_string (c->direct_tls);

  g_assert_cmpstr (c->domain, ==, "chat.example.net");
  g_assert_cmpstr (c->storage, ==, "/srv/chinwag/gw.db");
  g_assert_cmpstr (listen, ==, "[::1]:15222 127.0.0.1:15222");
  g_assert_cmpstr (direct, ==, "[2001:db8::1]:0 *:15223");
  g_assert_false (c->require_tls);
  g_assert_false (c->plain);
  g_assert_true (c->registration);
  g_assert_cmpuint (c->registration_throttle, ==, 3);
  g_assert_cmpuint (c->registration_throttle_time, ==, 3600);
  g_assert_cmpuint (c->max_stanza_size, ==, 1024 * 1024);
  g_assert_cmpuint (c->max_stanza_size_preauth, ==, 4096);
  g_assert_cmpuint (c->rate, ==, 0);
  g_assert_cmpuint (c->burst, ==, 100 * 1024);
  g_assert_cmpuint (c->auth_failures, ==, 3);
  g_assert_cmpuint (c->auth_failure_delay, ==, 5);
  g_assert_cmpuint (c->connections_per_address, ==, 0);
  g_assert_cmpuint (c->negotiation_timeout, ==, 60);
  g_assert_cmpuint (c->offline_cap, ==, 0);
  g_assert_cmpuint (c->ping_interval, ==, 0);
  g_assert_cmpuint (c->ping_timeout, ==, 90);
  g_assert_cmpuint (c->resume_timeout, ==, 0);
}

/* Relative paths start at the file's folder, not the working directory. */
static void
test_relative_paths (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cert = g_build_filename (f->dir, "c.pem", NULL);
  g_autofree gchar *key = g_build_filename (f->dir, "k.pem", NULL);
  g_autofree gchar *db = g_build_filename (f->dir, "gw.db", NULL);
  g_autofree gchar *text = NULL;
  gsize length;
  g_autoptr (CwGatewayConfig) c = NULL;

  g_assert_true (g_file_get_contents (f->cert, &text, &length, NULL));
  g_assert_true (g_file_set_contents (cert, text, (gssize) length, NULL));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (f->key, &text, &length, NULL));
  g_assert_true (g_file_set_contents (key, text, (gssize) length, NULL));
  c = load_ok (f, "[gateway]\ndomain=example.org\nstorage=gw.db\n"
                  "[c2s]\ncertificate=c.pem\nkey=k.pem\n");
  g_assert_cmpstr (c->storage, ==, db);
  g_assert_cmpstr (c->certificate_file, ==, cert);
  g_assert_cmpstr (c->key_file, ==, key);
}

/* An empty list turns a listener off. */
static void
test_empty_lists (Fixture *f, gconstpointer data)
{
  g_autoptr (CwGatewayConfig) c = load_ok (f, MINIMAL "direct_tls =\nlisten = ;\n");

  g_assert_cmpuint (c->direct_tls->len, ==, 0);
  g_assert_cmpuint (c->listen->len, ==, 0);
}

typedef struct
{
  const gchar *key;
  const gchar *value;
  guint64 want;
} Unit;

/* The units of sizes, durations and throttles. */
static void
test_suffixes (Fixture *f, gconstpointer data)
{
  static const Unit cases[] = {
    { "rate", "512", 512 },           { "rate", "512 B", 512 },
    { "rate", "20KiB", 20 * 1024 },   { "rate", "20 KiB", 20 * 1024 },
    { "rate", "2 MiB", 2 << 20 },     { "rate", "1 GiB", 1 << 30 },
    { "ping_interval", "45", 45 },    { "ping_interval", "45 s", 45 },
    { "ping_interval", "45s", 45 },   { "ping_interval", "2 min", 120 },
    { "ping_interval", "2min", 120 }, { "ping_interval", "3 h", 3 * 3600 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = g_strdup_printf (MINIMAL "[limits]\n%s = %s\n", cases[i].key,
                                                cases[i].value);
      g_autoptr (CwGatewayConfig) c = load_ok (f, text);
      guint64 got = strcmp (cases[i].key, "rate") == 0 ? c->rate : c->ping_interval;

      g_test_message ("%s = %s", cases[i].key, cases[i].value);
      g_assert_cmpuint (got, ==, cases[i].want);
    }
}

static void
test_throttle_forms (Fixture *f, gconstpointer data)
{
  g_autoptr (CwGatewayConfig) a = load_ok (f, MINIMAL "[registration]\n"
                                                      "throttle_per_address = 2/600\n");
  g_autoptr (CwGatewayConfig) b = load_ok (f, MINIMAL "[registration]\n"
                                                      "throttle_per_address = 5 / 1h\n");

  g_assert_cmpuint (a->registration_throttle, ==, 2);
  g_assert_cmpuint (a->registration_throttle_time, ==, 600);
  g_assert_cmpuint (b->registration_throttle, ==, 5);
  g_assert_cmpuint (b->registration_throttle_time, ==, 3600);
}

/* ---- refused -------------------------------------------------------------- */

static void
test_unknown_names (Fixture *f, gconstpointer data)
{
  assert_refused (f, MINIMAL "listn = [::1]:5222\n", CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, 6,
                  "unknown key “listn” in [c2s]: did you mean “listen”? The keys of [c2s] are: "
                  "listen, direct_tls, require_tls, certificate, key, plain");
  assert_refused (f, MINIMAL "[limits]\nfrobnicate = 1\n", CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY,
                  7, "unknown key “frobnicate” in [limits]; the keys of [limits] are: "
                     "max_stanza_size, max_stanza_size_preauth");
  assert_refused (f, MINIMAL "domain = x.org\n", CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, 6,
                  "“domain” belongs in [gateway], not in [c2s]");
  assert_refused (f, "[gateway]\ndomain = example.org\n\n[muc]\nx = 1\n" MINIMAL,
                  CW_GATEWAY_CONFIG_ERROR_UNKNOWN_GROUP, 4,
                  "unknown section [muc]; the sections are [gateway], [c2s], [registration] "
                  "and [limits]");
  /* Localised keys are no way around the check. */
  assert_refused (f, MINIMAL "plain[de] = true\n", CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, 6,
                  "unknown key “plain[de]”");
}

static void
test_bad_numbers (Fixture *f, gconstpointer data)
{
  assert_refused (f, MINIMAL "[limits]\nauth_failures = five\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "auth_failures: expected a whole number, not “five”");
  assert_refused (f, MINIMAL "[limits]\nauth_failures = -1\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "expected a whole number");
  assert_refused (f, MINIMAL "[limits]\noffline_cap = 5 KiB\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "expected a whole number");
  assert_refused (f, MINIMAL "[limits]\nauth_failures = 0\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "auth_failures: “0” is out of range: from 1 to 1000");
  assert_refused (f, MINIMAL "[limits]\n# sizes are binary\nmax_stanza_size = 10 KB\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 8,
                  "max_stanza_size: expected a size such as 262144, 256 KiB or 1 MiB, not “10 KB”");
  assert_refused (f, MINIMAL "[limits]\nmax_stanza_size = 99999999999999999999\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "expected a size");
  assert_refused (f, MINIMAL "[limits]\nmax_stanza_size = 100\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "out of range");
  assert_refused (f, MINIMAL "[limits]\nnegotiation_timeout = 2 days\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "negotiation_timeout: expected a duration such as 30, 30 s, 5 min or 1 h");
  assert_refused (f, MINIMAL "[limits]\nnegotiation_timeout = 0\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "out of range");
  assert_refused (f, MINIMAL "require_tls = maybe\n", CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 6,
                  "require_tls: expected true or false, not “maybe”");
  assert_refused (f, MINIMAL "[registration]\nthrottle_per_address = 1 per hour\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "throttle_per_address: expected COUNT/DURATION such as 1/600 or 1/10 min");
  assert_refused (f, MINIMAL "[registration]\nthrottle_per_address = 0/60\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7, "out of range");
  assert_refused (f, MINIMAL "[limits]\nmax_stanza_size = 8 KiB\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "max_stanza_size_preauth (10240 bytes) is larger than max_stanza_size "
                  "(8192 bytes)");
}

static void
test_bad_domain (Fixture *f, gconstpointer data)
{
  assert_refused (f, "[gateway]\ndomain = exa mple.org\n", CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                  2, "domain: “exa mple.org” is not a valid domain");
  assert_refused (f, "[gateway]\n\n\ndomain = admin@example.org\n",
                  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 4,
                  "“admin@example.org” is not a domain");
  assert_refused (f, "[gateway]\ndomain =\n", CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 2,
                  "is not a valid domain");
  assert_refused (f, "# no domain\n[gateway]\nstorage = x.db\n",
                  CW_GATEWAY_CONFIG_ERROR_MISSING_KEY, 2,
                  "[gateway] needs “domain”, which has no default");
  assert_refused (f, "[c2s]\ncertificate = @CERT@\nkey = @KEY@\n",
                  CW_GATEWAY_CONFIG_ERROR_MISSING_KEY, 0, "[gateway] needs “domain”");
}

static void
test_bad_listen (Fixture *f, gconstpointer data)
{
  static const gchar *const bad[] = {
    "localhost:5222", "[::1]5222", "127.0.0.1:70000", "::1:5222", "[127.0.0.1]:5222",
    "127.0.0.1", "*:", "[]:5222", "1.2.3:5222",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *text = g_strdup_printf (MINIMAL "listen = [::1]:5222, %s\n", bad[i]);
      g_autofree gchar *words = g_strdup_printf ("listen: “%s” is not a listen address", bad[i]);

      assert_refused (f, text, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 6, words);
    }
}

static void
test_certificate_errors (Fixture *f, gconstpointer data)
{
  g_autofree gchar *other = pem ("other-key.pem");
  g_autofree gchar *old_cert = pem ("expired-cert.pem");
  g_autofree gchar *old_key = pem ("expired-key.pem");
  g_autofree gchar *expired = g_strdup_printf (
    "[gateway]\ndomain = example.org\n[c2s]\ncertificate = %s\nkey = %s\n", old_cert, old_key);
  g_autofree gchar *mismatch = g_strdup_printf (
    "[gateway]\ndomain = example.org\n[c2s]\ncertificate = @CERT@\n\nkey = %s\n", other);

  assert_refused (f, "[gateway]\ndomain = example.org\n[c2s]\nkey = @KEY@\n",
                  CW_GATEWAY_CONFIG_ERROR_MISSING_KEY, 3, "[c2s] needs “certificate”");
  assert_refused (f, "[gateway]\ndomain = example.org\n[c2s]\ncertificate = @CERT@\n",
                  CW_GATEWAY_CONFIG_ERROR_MISSING_KEY, 3, "[c2s] needs “key”");
  assert_refused (f,
                  "[gateway]\ndomain = example.org\n[c2s]\ncertificate = nope.pem\nkey = @KEY@\n",
                  CW_GATEWAY_CONFIG_ERROR_CERTIFICATE, 4,
                  "nope.pem: No such file or directory");
  assert_refused (f, "[gateway]\ndomain = example.org\n[c2s]\ncertificate = @CERT@\nkey = nope\n",
                  CW_GATEWAY_CONFIG_ERROR_CERTIFICATE, 5, "nope: No such file or directory");
  assert_refused (f, mismatch, CW_GATEWAY_CONFIG_ERROR_CERTIFICATE, 6,
                  "other-key.pem does not match the certificate");
  assert_refused (f, expired, CW_GATEWAY_CONFIG_ERROR_CERTIFICATE, 4,
                  "expired-cert.pem expired on 2021-01-01");
}

static void
test_syntax (Fixture *f, gconstpointer data)
{
  assert_refused (f, "[gateway]\ndomain = example.org\nnonsense\n",
                  CW_GATEWAY_CONFIG_ERROR_SYNTAX, 3,
                  "expected KEY = VALUE, a [section] or a # comment, not “nonsense”");
  assert_refused (f, "# comment\ndomain = example.org\n[gateway]\n",
                  CW_GATEWAY_CONFIG_ERROR_SYNTAX, 2, "comes before the first [section]");
  assert_refused (f, "[gateway\ndomain = example.org\n", CW_GATEWAY_CONFIG_ERROR_SYNTAX, 1,
                  "a section header is a name in brackets");
  assert_refused (f, "[gateway]\n= example.org\n", CW_GATEWAY_CONFIG_ERROR_SYNTAX, 2,
                  "expected KEY = VALUE");
  assert_refused (f, "[gateway]\ndomain = caf\xe9.org\n", CW_GATEWAY_CONFIG_ERROR_SYNTAX, 2,
                  "not UTF-8");
  assert_refused (f, MINIMAL "[limits]\nrate = 1\\q\n", CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, 7,
                  "rate: ");
}

static void
test_unreadable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *missing = g_build_filename (f->dir, "missing.conf", NULL);
  g_autoptr (CwGatewayConfig) c = cw_gateway_config_load (missing, &error);

  g_assert_null (c);
  g_assert_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_UNREADABLE);
  g_assert_true (g_str_has_prefix (error->message, missing));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/daemon/gateway-config/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("defaults", test_defaults);
  ADD ("every-key", test_every_key);
  ADD ("relative-paths", test_relative_paths);
  ADD ("empty-lists", test_empty_lists);
  ADD ("suffixes", test_suffixes);
  ADD ("throttle-forms", test_throttle_forms);
  ADD ("unknown-names", test_unknown_names);
  ADD ("bad-numbers", test_bad_numbers);
  ADD ("bad-domain", test_bad_domain);
  ADD ("bad-listen", test_bad_listen);
  ADD ("certificate-errors", test_certificate_errors);
  ADD ("syntax", test_syntax);
  ADD ("unreadable", test_unreadable);
#undef ADD
  return g_test_run ();
}
