/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwSaslServer tests: RFC vectors, exchanges with independent clients, hostile input. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "server/sasl.h"
#include "server/scram.h"

#define DOMAIN "example.org"
#define CB_TYPE "tls-exporter"

/* ---- an independent SCRAM client ---------------------------------------- */

/* Written from RFC 5802 alone, with none of scram.c: PBKDF2 by the book
 * (a fresh HMAC per round), its own message building and parsing. */
typedef struct
{
  GChecksumType type;
  gsize n;
  gchar *password;
  gchar *gs2_header;
  GBytes *cb_data;
  gchar *first_bare;
  gchar *nonce;
  guint8 server_signature[32];
} TestClient;

static void
test_client_free (TestClient *c)
{
  g_free (c->password);
  g_free (c->gs2_header);
  g_clear_pointer (&c->cb_data, g_bytes_unref);
  g_free (c->first_bare);
  g_free (c->nonce);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

static void
client_hmac (TestClient *c, const guint8 *key, gsize key_len, const void *data, gsize len,
             guint8 *out)
{
  g_autoptr (GHmac) h = g_hmac_new (c->type, key, key_len);
  gsize n = c->n;

  g_hmac_update (h, data, len);
  g_hmac_get_digest (h, out, &n);
}

static void
client_hi (TestClient *c, const guint8 *salt, gsize salt_len, guint iterations, guint8 *out)
{
  g_autoptr (GByteArray) first = g_byte_array_new ();
  guint8 u[32];

  g_byte_array_append (first, salt, salt_len);
  g_byte_array_append (first, (const guint8 *) "\0\0\0\1", 4);
  client_hmac (c, (const guint8 *) c->password, strlen (c->password), first->data,
               first->len, u);
  memcpy (out, u, c->n);
  for (guint i = 1; i < iterations; i++)
    {
      client_hmac (c, (const guint8 *) c->password, strlen (c->password), u, c->n, u);
      for (gsize j = 0; j < c->n; j++)
        out[j] ^= u[j];
    }
}

/* @gs2_header: "n,,", "y,,", "p=tls-exporter,," and so on. */
static TestClient *
test_client_new (CwSaslHash hash, const gchar *gs2_header, const gchar *password,
                 GBytes *cb_data)
{
  TestClient *c = g_new0 (TestClient, 1);

  c->type = hash == CW_SASL_HASH_SHA1 ? G_CHECKSUM_SHA1 : G_CHECKSUM_SHA256;
  c->n = hash == CW_SASL_HASH_SHA1 ? 20 : 32;
  c->gs2_header = g_strdup (gs2_header);
  c->password = g_strdup (password);
  c->cb_data = cb_data != NULL ? g_bytes_ref (cb_data) : NULL;
  return c;
}

static GBytes *
test_client_first (TestClient *c, const gchar *saslname, const gchar *cnonce)
{
  c->first_bare = g_strdup_printf ("n=%s,r=%s", saslname, cnonce);
  return g_bytes_new_take (g_strconcat (c->gs2_header, c->first_bare, NULL),
                           strlen (c->gs2_header) + strlen (c->first_bare));
}

static gchar *
bytes_str (GBytes *b)
{
  return g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

static GBytes *
test_client_final (TestClient *c, GBytes *server_first_bytes)
{
  g_autofree gchar *server_first = bytes_str (server_first_bytes);
  g_auto (GStrv) attrs = g_strsplit (server_first, ",", -1);
  g_autofree guint8 *salt = NULL;
  gsize salt_len = 0;
  guint8 salted[32], client_key[32], stored_key[32], signature[32], proof[32], server_key[32];
  g_autoptr (GByteArray) cbind = g_byte_array_new ();
  g_autofree gchar *c64 = NULL;
  g_autofree gchar *without_proof = NULL;
  g_autofree gchar *auth = NULL;
  g_autofree gchar *p64 = NULL;
  gsize n = c->n;

  g_assert_cmpuint (g_strv_length (attrs), ==, 3);
  g_assert_true (g_str_has_prefix (attrs[0], "r="));
  g_assert_true (g_str_has_prefix (attrs[1], "s="));
  g_assert_true (g_str_has_prefix (attrs[2], "i="));
  c->nonce = g_strdup (attrs[0] + 2);
  salt = g_base64_decode (attrs[1] + 2, &salt_len);
  client_hi (c, salt, salt_len, (guint) g_ascii_strtoull (attrs[2] + 2, NULL, 10), salted);
  client_hmac (c, salted, n, "Client Key", 10, client_key);
  {
    g_autoptr (GChecksum) h = g_checksum_new (c->type);
    g_checksum_update (h, client_key, n);
    g_checksum_get_digest (h, stored_key, &n);
  }
  g_byte_array_append (cbind, (const guint8 *) c->gs2_header, strlen (c->gs2_header));
  if (c->cb_data != NULL)
    g_byte_array_append (cbind, g_bytes_get_data (c->cb_data, NULL),
                         g_bytes_get_size (c->cb_data));
  c64 = g_base64_encode (cbind->data, cbind->len);
  without_proof = g_strdup_printf ("c=%s,r=%s", c64, c->nonce);
  auth = g_strdup_printf ("%s,%s,%s", c->first_bare, server_first, without_proof);
  client_hmac (c, stored_key, n, auth, strlen (auth), signature);
  for (gsize i = 0; i < n; i++)
    proof[i] = client_key[i] ^ signature[i];
  client_hmac (c, salted, n, "Server Key", 10, server_key);
  client_hmac (c, server_key, n, auth, strlen (auth), c->server_signature);
  p64 = g_base64_encode (proof, n);
  return g_bytes_new_take (g_strdup_printf ("%s,p=%s", without_proof, p64),
                           strlen (without_proof) + 3 + strlen (p64));
}

static void
test_client_check_final (TestClient *c, GBytes *server_final)
{
  g_autofree gchar *v = bytes_str (server_final);
  g_autofree gchar *want = g_base64_encode (c->server_signature, c->n);
  g_autofree gchar *want_v = g_strconcat ("v=", want, NULL);

  g_assert_cmpstr (v, ==, want_v);
}

/* ---- fixture: accounts and servers ------------------------------------- */

typedef struct
{
  GHashTable *accounts; /* owned: username → (GPtrArray of CwScramCredentials, by hash) */
  guint lookups;
  GBytes *cb_data;
  guint authorize_calls;
} Fixture;

static CwScramCredentials *
creds_copy (const CwScramCredentials *src)
{
  CwScramCredentials *c = g_new0 (CwScramCredentials, 1);

  c->hash = src->hash;
  c->salt = g_bytes_ref (src->salt);
  c->iterations = src->iterations;
  c->stored_key = g_bytes_ref (src->stored_key);
  c->server_key = g_bytes_ref (src->server_key);
  return c;
}

static CwScramCredentials *
fixture_lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  Fixture *f = user_data;
  GPtrArray *creds = g_hash_table_lookup (f->accounts, username);

  f->lookups++;
  /* A store that hands out keys of the wrong size. */
  if (strcmp (username, "broken") == 0)
    {
      GPtrArray *juliet = g_hash_table_lookup (f->accounts, "juliet");
      CwScramCredentials *bad = creds_copy (g_ptr_array_index (juliet, CW_SASL_HASH_SHA1));

      bad->hash = hash;
      return bad;
    }
  if (creds == NULL || g_ptr_array_index (creds, hash) == NULL)
    return NULL;
  return creds_copy (g_ptr_array_index (creds, hash));
}

static void
fixture_add (Fixture *f, const gchar *username, const gchar *password)
{
  GPtrArray *creds = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_scram_credentials_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (creds, cw_scram_credentials_derive (CW_SASL_HASH_SHA1, password, NULL, 0,
                                                       &error));
  g_assert_no_error (error);
  g_ptr_array_add (creds, cw_scram_credentials_derive (CW_SASL_HASH_SHA256, password, NULL, 0,
                                                       &error));
  g_assert_no_error (error);
  g_hash_table_insert (f->accounts, g_strdup (username), creds);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_ptr_array_unref);
  f->cb_data = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  fixture_add (f, "juliet", "r0m30myr0m30");
  fixture_add (f, "a,b=c", "pencil");
  /* An account from before SHA-256: SHA-1 keys only. */
  fixture_add (f, "nurse", "rosemary");
  g_ptr_array_remove_index (g_hash_table_lookup (f->accounts, "nurse"), CW_SASL_HASH_SHA256);
  g_ptr_array_add (g_hash_table_lookup (f->accounts, "nurse"), NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  g_hash_table_unref (f->accounts);
  g_bytes_unref (f->cb_data);
}

/* secure: TLS (PLAIN offered); bind: channel binding (-PLUS offered). */
static CwSaslServer *
fixture_server (Fixture *f, gboolean secure, gboolean bind)
{
  CwSaslServerConfig config = {
    .lookup = fixture_lookup,
    .lookup_data = f,
    .domain = DOMAIN,
    .secure = secure,
    .cb_type = bind ? CB_TYPE : NULL,
    .cb_data = bind ? f->cb_data : NULL,
  };

  return cw_sasl_server_new (&config);
}

static GBytes *
str_bytes (const gchar *s)
{
  return g_bytes_new (s, strlen (s));
}

static GBytes *start_juliet (CwSaslServer *server, TestClient *client, const gchar *cnonce);

/* Runs a SCRAM exchange; returns the step of the last call made. */
static CwSaslStep
run_scram (CwSaslServer *server, const gchar *mech, TestClient *client, const gchar *saslname,
           GError **error)
{
  g_autoptr (GBytes) first = test_client_first (client, saslname, "c1i2e3n4t5n6o7n8c9e");
  g_autoptr (GBytes) server_first = NULL;
  g_autoptr (GBytes) final = NULL;
  g_autoptr (GBytes) server_final = NULL;
  CwSaslStep step;

  step = cw_sasl_server_start (server, mech, first, &server_first, error);
  if (step != CW_SASL_STEP_CONTINUE)
    return step;
  final = test_client_final (client, server_first);
  step = cw_sasl_server_step (server, final, &server_final, error);
  if (step == CW_SASL_STEP_SUCCESS)
    test_client_check_final (client, server_final);
  else
    g_assert_null (server_final);
  return step;
}

static GBytes *
plain_message (const gchar *authzid, const gchar *authcid, const gchar *password)
{
  g_autoptr (GByteArray) m = g_byte_array_new ();

  g_byte_array_append (m, (const guint8 *) authzid, strlen (authzid) + 1);
  g_byte_array_append (m, (const guint8 *) authcid, strlen (authcid) + 1);
  g_byte_array_append (m, (const guint8 *) password, strlen (password));
  return g_byte_array_free_to_bytes (g_steal_pointer (&m));
}

/* ---- RFC test vectors --------------------------------------------------- */

typedef struct
{
  CwSaslHash hash;
  const gchar *salt64;
  const gchar *client_first;
  const gchar *server_nonce;
  const gchar *server_first;
  const gchar *client_final;
  const gchar *server_final;
} Vector;

/* RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256), user/pencil. */
static const Vector vectors[] = {
  { CW_SASL_HASH_SHA1, "QSXCR+Q6sek8bf92", "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "3rfcNHYJY1ZVvWVs7j", "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=" },
  { CW_SASL_HASH_SHA256, "W22ZaJ0SNY7soEsUEjb6gQ==", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" },
};

static void
test_rfc_vector (gconstpointer data)
{
  const Vector *v = data;
  g_autoptr (GError) error = NULL;
  gsize salt_len = 0;
  g_autofree guint8 *salt_raw = g_base64_decode (v->salt64, &salt_len);
  g_autoptr (GBytes) salt = g_bytes_new (salt_raw, salt_len);
  CwScramCredentials *creds = cw_scram_credentials_derive (v->hash, "pencil", salt, 4096, &error);
  g_autoptr (CwScramServer) scram = cw_scram_server_new (v->hash, FALSE, NULL, NULL);
  g_autoptr (GBytes) first = str_bytes (v->client_first);
  g_autoptr (GBytes) final = str_bytes (v->client_final);
  g_autoptr (GBytes) server_first = NULL;
  g_autoptr (GBytes) server_final = NULL;
  g_autofree gchar *sf = NULL;
  g_autofree gchar *sfinal = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (creds->iterations, ==, 4096);
  cw_scram_server_set_server_nonce (scram, v->server_nonce);
  g_assert_true (cw_scram_server_parse_first (scram, first, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cw_scram_server_get_username (scram), ==, "user");
  g_assert_cmpstr (cw_scram_server_get_authzid (scram), ==, "");
  server_first = cw_scram_server_first (scram, creds);
  sf = bytes_str (server_first);
  g_assert_cmpstr (sf, ==, v->server_first);
  server_final = cw_scram_server_final (scram, final, &error);
  g_assert_no_error (error);
  sfinal = bytes_str (server_final);
  g_assert_cmpstr (sfinal, ==, v->server_final);
}

/* The same vector with one bit of the proof flipped fails. */
static void
test_rfc_vector_bad_proof (void)
{
  const Vector *v = &vectors[1];
  g_autoptr (GError) error = NULL;
  gsize salt_len = 0;
  g_autofree guint8 *salt_raw = g_base64_decode (v->salt64, &salt_len);
  g_autoptr (GBytes) salt = g_bytes_new (salt_raw, salt_len);
  CwScramCredentials *creds = cw_scram_credentials_derive (v->hash, "pencil", salt, 4096, &error);
  g_autoptr (CwScramServer) scram = cw_scram_server_new (v->hash, FALSE, NULL, NULL);
  g_autoptr (GBytes) first = str_bytes (v->client_first);
  g_autofree gchar *bad = g_strdup (v->client_final);
  g_autoptr (GBytes) final = NULL;
  g_autoptr (GBytes) server_first = NULL;
  g_autoptr (GBytes) server_final = NULL;

  bad[strlen (bad) - 3] = bad[strlen (bad) - 3] == 'A' ? 'B' : 'A';
  final = str_bytes (bad);
  cw_scram_server_set_server_nonce (scram, v->server_nonce);
  g_assert_true (cw_scram_server_parse_first (scram, first, &error));
  server_first = cw_scram_server_first (scram, creds);
  server_final = cw_scram_server_final (scram, final, &error);
  g_assert_null (server_final);
  g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_NOT_AUTHORIZED);
}

/* ---- derive and SASLprep ----------------------------------------------- */

static void
assert_same_keys (const gchar *a, const gchar *b)
{
  g_autoptr (GBytes) salt = g_bytes_new_static ("saltsaltsaltsalt", 16);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwScramCredentials) ca = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, a, salt,
                                                                   64, &error);
  g_autoptr (CwScramCredentials) cb = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, b, salt,
                                                                   64, &error);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (ca->stored_key, cb->stored_key));
  g_assert_true (g_bytes_equal (ca->server_key, cb->server_key));
}

static void
test_derive (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwScramCredentials) a = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret",
                                                                  NULL, 0, &error);
  g_autoptr (CwScramCredentials) b = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret",
                                                                  NULL, 0, &error);
  g_autoptr (CwScramCredentials) sha1 = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, "secret",
                                                                     NULL, 10, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (a->iterations, ==, CW_SCRAM_DEFAULT_ITERATIONS);
  g_assert_cmpuint (g_bytes_get_size (a->salt), ==, 16);
  g_assert_cmpuint (g_bytes_get_size (a->stored_key), ==, 32);
  g_assert_cmpuint (g_bytes_get_size (a->server_key), ==, 32);
  /* Fresh salt each time: the same password gives different keys. */
  g_assert_false (g_bytes_equal (a->salt, b->salt));
  g_assert_false (g_bytes_equal (a->stored_key, b->stored_key));
  g_assert_cmpuint (sha1->iterations, ==, 10);
  g_assert_cmpuint (g_bytes_get_size (sha1->stored_key), ==, 20);
  g_assert_true (cw_scram_credentials_check_password (a, "secret"));
  g_assert_false (cw_scram_credentials_check_password (a, "Secret"));
}

static void
test_derive_saslprep (void)
{
  g_autoptr (GError) error = NULL;
  CwScramCredentials *creds;

  /* RFC 4013 §3 examples: SOFT HYPHEN maps to nothing, NO-BREAK SPACE to a
   * space, compatibility characters fold (ª → a, Ⅸ → IX). */
  assert_same_keys ("I\xc2\xadX", "IX");
  assert_same_keys ("pass\xc2\xa0word", "pass word");
  assert_same_keys ("\xc2\xaa", "a");
  assert_same_keys ("\xe2\x85\xa8", "IX");
  creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "", NULL, 0, &error);
  g_assert_null (creds);
  g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST);
  g_clear_error (&error);
  creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "\xc2\xad", NULL, 0, &error);
  g_assert_null (creds);
  g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST);
  g_clear_error (&error);
  creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "a\007b", NULL, 0, &error);
  g_assert_null (creds);
  g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST);
  g_clear_error (&error);
  creds = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "\xff\xfe", NULL, 0, &error);
  g_assert_null (creds);
  g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST);
}

/* ---- conditions and offers ---------------------------------------------- */

static void
test_conditions (void)
{
  static const gchar *const want[] = {
    "aborted", "account-disabled", "credentials-expired", "encryption-required",
    "incorrect-encoding", "invalid-authzid", "invalid-mechanism", "malformed-request",
    "mechanism-too-weak", "not-authorized", "temporary-auth-failure",
  };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (cw_sasl_error_to_condition (i), ==, want[i]);
  g_assert_cmpstr (g_quark_to_string (CW_SASL_ERROR), ==, "cw-sasl-error-quark");
}

static gchar *
offered (Fixture *f, gboolean secure, gboolean bind)
{
  g_autoptr (CwSaslServer) server = fixture_server (f, secure, bind);

  return g_strjoinv (" ", (gchar **) cw_sasl_server_get_mechanisms (server));
}

static void
test_mechanisms (Fixture *f, gconstpointer data)
{
  g_autofree gchar *plain_tcp = offered (f, FALSE, FALSE);
  g_autofree gchar *tls = offered (f, TRUE, FALSE);
  g_autofree gchar *tls_cb = offered (f, TRUE, TRUE);

  (void) data;
  g_assert_cmpstr (plain_tcp, ==, "SCRAM-SHA-256 SCRAM-SHA-1");
  g_assert_cmpstr (tls, ==, "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN");
  g_assert_cmpstr (tls_cb, ==,
                   "SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN");
}

/* ---- full exchanges ----------------------------------------------------- */

typedef struct
{
  const gchar *mech;
  CwSaslHash hash;
  gboolean plus;
} MechCase;

static const MechCase mech_cases[] = {
  { "SCRAM-SHA-256-PLUS", CW_SASL_HASH_SHA256, TRUE },
  { "SCRAM-SHA-1-PLUS", CW_SASL_HASH_SHA1, TRUE },
  { "SCRAM-SHA-256", CW_SASL_HASH_SHA256, FALSE },
  { "SCRAM-SHA-1", CW_SASL_HASH_SHA1, FALSE },
};

static void
test_scram_success (Fixture *f, gconstpointer data)
{
  const MechCase *m = data;
  g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, TRUE);
  g_autoptr (TestClient) client = test_client_new (m->hash, m->plus ? "p=" CB_TYPE ",," : "n,,",
                                                   "r0m30myr0m30", m->plus ? f->cb_data : NULL);
  g_autoptr (GError) error = NULL;

  g_assert_null (cw_sasl_server_get_username (server));
  g_assert_cmpint (run_scram (server, m->mech, client, "juliet", &error), ==,
                   CW_SASL_STEP_SUCCESS);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "juliet");
}

/* Without an initial response the server asks for one with an empty
 * challenge; the name is normalised and "=2C"/"=3D" decoded. */
static void
test_scram_no_initial_response (Fixture *f, gconstpointer data)
{
  g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
  g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "pencil", NULL);
  g_autoptr (GBytes) empty = NULL;
  g_autoptr (GBytes) first = test_client_first (client, "A=2CB=3DC", "abc");
  g_autoptr (GBytes) server_first = NULL;
  g_autoptr (GBytes) final = NULL;
  g_autoptr (GBytes) server_final = NULL;
  g_autoptr (GError) error = NULL;

  (void) data;
  g_assert_cmpint (cw_sasl_server_start (server, "SCRAM-SHA-256", NULL, &empty, &error), ==,
                   CW_SASL_STEP_CONTINUE);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  g_assert_cmpint (cw_sasl_server_step (server, first, &server_first, &error), ==,
                   CW_SASL_STEP_CONTINUE);
  final = test_client_final (client, server_first);
  g_assert_true (g_str_has_prefix (client->nonce, "abc"));
  g_assert_cmpuint (strlen (client->nonce), >=, 3 + 24);
  g_assert_cmpint (cw_sasl_server_step (server, final, &server_final, &error), ==,
                   CW_SASL_STEP_SUCCESS);
  g_assert_no_error (error);
  test_client_check_final (client, server_final);
  g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "a,b=c");
}

/* Takes the error's address: it is read after the call that sets it. */
static void
assert_failure (CwSaslStep step, GError **error, CwSaslError code)
{
  g_assert_cmpint (step, ==, CW_SASL_STEP_FAILURE);
  g_assert_error (*error, CW_SASL_ERROR, (gint) code);
}

/* A wrong password and an unknown user fail alike, at the same step, and
 * the unknown user gets a stable salt and the usual iteration count. */
static void
test_scram_wrong_password_unknown_user (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) wrong = NULL;
  g_autoptr (GError) unknown = NULL;
  g_autofree gchar *salt1 = NULL;
  g_autofree gchar *salt2 = NULL;

  (void) data;
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
      g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "nope", NULL);
      g_autoptr (GBytes) first = test_client_first (client, "romeo", "xyz");
      g_autoptr (GBytes) server_first = NULL;
      g_autoptr (GBytes) final = NULL;
      g_autoptr (GBytes) out = NULL;
      g_autofree gchar *sf = NULL;

      g_clear_error (&unknown);
      g_assert_cmpint (cw_sasl_server_start (server, "SCRAM-SHA-256", first, &server_first,
                                             &unknown), ==, CW_SASL_STEP_CONTINUE);
      sf = bytes_str (server_first);
      g_assert_true (g_str_has_suffix (sf, ",i=4096"));
      *(i == 0 ? &salt1 : &salt2) = g_strdup (strstr (sf, ",s="));
      final = test_client_final (client, server_first);
      assert_failure (cw_sasl_server_step (server, final, &out, &unknown), &unknown,
                      CW_SASL_ERROR_NOT_AUTHORIZED);
      g_assert_null (out);
      g_assert_null (cw_sasl_server_get_username (server));
    }
  g_assert_cmpstr (salt1, ==, salt2);
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
    g_autoptr (TestClient) probe = test_client_new (CW_SASL_HASH_SHA256, "n,,", "nope", NULL);
    g_autoptr (GBytes) server_first = start_juliet (server, probe, "xyz");
    g_autofree gchar *sf = bytes_str (server_first);

    /* A real account's challenge has the same shape. */
    g_assert_cmpuint (strlen (strstr (sf, ",s=")), ==, strlen (salt1));
    g_assert_true (g_str_has_suffix (sf, ",i=4096"));
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "nope", NULL);

    assert_failure (run_scram (server, "SCRAM-SHA-256", client, "juliet", &wrong), &wrong,
                    CW_SASL_ERROR_NOT_AUTHORIZED);
  }
  g_assert_cmpstr (wrong->message, ==, unknown->message);
}

static void
test_plain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) good = plain_message ("", "Juliet", "r0m30myr0m30");
  g_autoptr (GBytes) with_authzid = plain_message ("juliet@" DOMAIN, "juliet", "r0m30myr0m30");
  g_autoptr (GBytes) wrong = plain_message ("", "juliet", "r0m30");
  g_autoptr (GBytes) unknown = plain_message ("", "romeo", "r0m30");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) wrong_error = NULL;
  CwSaslServer *server;
  CwSaslStep step;

  (void) data;
  server = fixture_server (f, TRUE, FALSE);
  step = cw_sasl_server_start (server, "PLAIN", good, &out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (step, ==, CW_SASL_STEP_SUCCESS);
  g_assert_null (out);
  g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "juliet");
  cw_sasl_server_free (server);

  /* Without an initial response: an empty challenge, then the message. */
  server = fixture_server (f, TRUE, FALSE);
  g_assert_cmpint (cw_sasl_server_start (server, "PLAIN", NULL, &out, &error), ==,
                   CW_SASL_STEP_CONTINUE);
  g_assert_cmpuint (g_bytes_get_size (out), ==, 0);
  g_clear_pointer (&out, g_bytes_unref);
  g_assert_cmpint (cw_sasl_server_step (server, with_authzid, &out, &error), ==,
                   CW_SASL_STEP_SUCCESS);
  g_assert_no_error (error);
  cw_sasl_server_free (server);

  server = fixture_server (f, TRUE, FALSE);
  assert_failure (cw_sasl_server_start (server, "PLAIN", wrong, &out, &wrong_error), &wrong_error,
                  CW_SASL_ERROR_NOT_AUTHORIZED);
  g_assert_null (cw_sasl_server_get_username (server));
  cw_sasl_server_free (server);

  server = fixture_server (f, TRUE, FALSE);
  assert_failure (cw_sasl_server_start (server, "PLAIN", unknown, &out, &error), &error,
                  CW_SASL_ERROR_NOT_AUTHORIZED);
  g_assert_cmpstr (error->message, ==, wrong_error->message);
  cw_sasl_server_free (server);
}

/* plain = false in chinwag.conf: PLAIN is never offered nor accepted. */
static void
test_no_plain (Fixture *f, gconstpointer data)
{
  CwSaslServerConfig config = { .lookup = fixture_lookup, .lookup_data = f, .domain = DOMAIN,
                                .secure = TRUE, .no_plain = TRUE };
  g_autoptr (CwSaslServer) server = cw_sasl_server_new (&config);
  g_autoptr (GBytes) good = plain_message ("", "juliet", "r0m30myr0m30");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *mechs
    = g_strjoinv (" ", (gchar **) cw_sasl_server_get_mechanisms (server));

  (void) data;
  g_assert_cmpstr (mechs, ==, "SCRAM-SHA-256 SCRAM-SHA-1");
  assert_failure (cw_sasl_server_start (server, "PLAIN", good, &out, &error), &error,
                  CW_SASL_ERROR_INVALID_MECHANISM);
  g_assert_null (cw_sasl_server_get_username (server));
}

/* Juliet's account is disabled. */
static gboolean
fixture_authorize (const gchar *username, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  f->authorize_calls++;
  if (strcmp (username, "juliet") != 0)
    return TRUE;
  g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_ACCOUNT_DISABLED, "disabled");
  return FALSE;
}

static CwSaslStep
authorize_scram (Fixture *f, const gchar *user, const gchar *password, GError **error)
{
  CwSaslServerConfig config = { .lookup = fixture_lookup, .lookup_data = f, .domain = DOMAIN,
                                .authorize = fixture_authorize };
  g_autoptr (CwSaslServer) server = cw_sasl_server_new (&config);
  g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA1, "n,,", password, NULL);
  CwSaslStep step = run_scram (server, "SCRAM-SHA-1", client, user, error);

  if (step != CW_SASL_STEP_SUCCESS)
    g_assert_null (cw_sasl_server_get_username (server));
  return step;
}

/* A disabled account is refused with account-disabled, but only after a
 * right proof (no server-final-message then): a wrong password is the
 * usual not-authorized, without asking. */
static void
test_authorize (Fixture *f, gconstpointer data)
{
  CwSaslServerConfig config = { .lookup = fixture_lookup, .lookup_data = f, .domain = DOMAIN,
                                .secure = TRUE, .authorize = fixture_authorize };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) plain = plain_message ("", "juliet", "r0m30myr0m30");
  g_autoptr (GBytes) out = NULL;

  (void) data;
  assert_failure (authorize_scram (f, "juliet", "r0m30myr0m30", &error), &error,
                  CW_SASL_ERROR_ACCOUNT_DISABLED);
  g_assert_cmpuint (f->authorize_calls, ==, 1);
  g_clear_error (&error);
  assert_failure (authorize_scram (f, "juliet", "wrong", &error), &error,
                  CW_SASL_ERROR_NOT_AUTHORIZED);
  g_assert_cmpuint (f->authorize_calls, ==, 1);
  g_clear_error (&error);
  g_assert_cmpint (authorize_scram (f, "nurse", "rosemary", &error), ==, CW_SASL_STEP_SUCCESS);
  g_assert_no_error (error);
  g_assert_cmpuint (f->authorize_calls, ==, 2);
  {
    g_autoptr (CwSaslServer) server = cw_sasl_server_new (&config);

    assert_failure (cw_sasl_server_start (server, "PLAIN", plain, &out, &error), &error,
                    CW_SASL_ERROR_ACCOUNT_DISABLED);
    g_assert_null (cw_sasl_server_get_username (server));
  }
}

/* An account with SHA-1 keys only: SCRAM-SHA-1 and PLAIN work, and
 * SCRAM-SHA-256 fails as for any wrong password. */
static void
test_sha1_only_account (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) good = plain_message ("", "nurse", "rosemary");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;

  (void) data;
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA1, "n,,", "rosemary", NULL);

    g_assert_cmpint (run_scram (server, "SCRAM-SHA-1", client, "nurse", &error), ==,
                     CW_SASL_STEP_SUCCESS);
    g_assert_no_error (error);
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "rosemary",
                                                     NULL);

    assert_failure (run_scram (server, "SCRAM-SHA-256", client, "nurse", &error), &error,
                    CW_SASL_ERROR_NOT_AUTHORIZED);
    g_clear_error (&error);
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);

    g_assert_cmpint (cw_sasl_server_start (server, "PLAIN", good, &out, &error), ==,
                     CW_SASL_STEP_SUCCESS);
    g_assert_no_error (error);
    g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "nurse");
  }
}

/* Keys of the wrong size from the store are the server's problem: a
 * temporary failure, not a wrong password. */
static void
test_broken_store (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) plain = plain_message ("", "broken", "whatever");
  g_autoptr (GBytes) first = str_bytes ("n,,n=broken,r=abc");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
  g_autoptr (CwSaslServer) server2 = fixture_server (f, TRUE, FALSE);

  (void) data;
  g_test_expect_message ("chinwag-server", G_LOG_LEVEL_WARNING, "*credentials*unusable*");
  assert_failure (cw_sasl_server_start (server, "SCRAM-SHA-256", first, &out, &error), &error,
                  CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE);
  g_test_assert_expected_messages ();
  g_clear_error (&error);
  g_test_expect_message ("chinwag-server", G_LOG_LEVEL_WARNING, "*credentials*unusable*");
  assert_failure (cw_sasl_server_start (server2, "PLAIN", plain, &out, &error), &error,
                  CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE);
  g_test_assert_expected_messages ();
}

/* PLAIN is not offered without TLS, and refused with encryption-required. */
static void
test_plain_needs_tls (Fixture *f, gconstpointer data)
{
  g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
  g_autoptr (GBytes) good = plain_message ("", "juliet", "r0m30myr0m30");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;

  (void) data;
  assert_failure (cw_sasl_server_start (server, "PLAIN", good, &out, &error), &error,
                  CW_SASL_ERROR_ENCRYPTION_REQUIRED);
  g_assert_null (cw_sasl_server_get_username (server));
}

static void
test_plain_malformed (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *data;
    gsize len;
  } bad[] = {
    { "", 0 },
    { "juliet", 6 },
    { "\0juliet", 7 },
    { "\0juliet\0pw\0", 11 },
    { "\0jul\xffiet\0pw", 11 },
  };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
      g_autoptr (GBytes) msg = g_bytes_new (bad[i].data, bad[i].len);
      g_autoptr (GBytes) out = NULL;
      g_autoptr (GError) error = NULL;

      assert_failure (cw_sasl_server_start (server, "PLAIN", msg, &out, &error), &error,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
    }
}

/* ---- hostile clients ---------------------------------------------------- */

static void
test_not_offered (Fixture *f, gconstpointer data)
{
  static const gchar *const names[] = { "DIGEST-MD5", "SCRAM-SHA-256-PLUS", "scram-sha-256",
                                        "SCRAM-SHA-512", "" };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
      g_autoptr (GBytes) out = NULL;
      g_autoptr (GError) error = NULL;

      assert_failure (cw_sasl_server_start (server, names[i], NULL, &out, &error), &error,
                      CW_SASL_ERROR_INVALID_MECHANISM);
      g_assert_null (out);
    }
  /* <auth/> without a mechanism attribute. */
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
    g_autoptr (GBytes) out = NULL;
    g_autoptr (GError) error = NULL;

    assert_failure (cw_sasl_server_start (server, NULL, NULL, &out, &error), &error,
                    CW_SASL_ERROR_INVALID_MECHANISM);
  }
}

/* Starts SCRAM-SHA-256 for juliet; returns the server-first-message. */
static GBytes *
start_juliet (CwSaslServer *server, TestClient *client, const gchar *cnonce)
{
  g_autoptr (GBytes) first = test_client_first (client, "juliet", cnonce);
  g_autoptr (GError) error = NULL;
  GBytes *server_first = NULL;

  g_assert_cmpint (cw_sasl_server_start (server, "SCRAM-SHA-256", first, &server_first, &error),
                   ==, CW_SASL_STEP_CONTINUE);
  g_assert_no_error (error);
  return server_first;
}

/* A client-final-message recorded from a successful login does not log in
 * again: the new exchange has a new server nonce. */
static void
test_replayed_nonce (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) recorded = NULL;
  g_autoptr (GError) error = NULL;

  (void) data;
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "r0m30myr0m30",
                                                     NULL);
    g_autoptr (GBytes) server_first = start_juliet (server, client, "same");
    g_autoptr (GBytes) out = NULL;

    recorded = test_client_final (client, server_first);
    g_assert_cmpint (cw_sasl_server_step (server, recorded, &out, &error), ==,
                     CW_SASL_STEP_SUCCESS);
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,", "r0m30myr0m30",
                                                     NULL);
    g_autoptr (GBytes) server_first = start_juliet (server, client, "same");
    g_autoptr (GBytes) out = NULL;

    assert_failure (cw_sasl_server_step (server, recorded, &out, &error), &error,
                    CW_SASL_ERROR_NOT_AUTHORIZED);
    g_assert_null (cw_sasl_server_get_username (server));
  }
}

/* The client's nonce alone, or the combined nonce changed, is refused even
 * with an otherwise correct proof over it. */
static void
test_modified_nonce (Fixture *f, gconstpointer data)
{
  static const gchar *const edits[] = { "cut", "append", "client-only" };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
      g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,",
                                                       "r0m30myr0m30", NULL);
      g_autoptr (GBytes) server_first = start_juliet (server, client, "cn");
      g_autofree gchar *sf = bytes_str (server_first);
      g_autoptr (GString) forged = g_string_new (sf);
      g_autoptr (GBytes) forged_first = NULL;
      g_autoptr (GBytes) final = NULL;
      g_autoptr (GBytes) out = NULL;
      g_autoptr (GError) error = NULL;
      gsize nonce_end = strchr (sf, ',') - sf;

      if (i == 0)
        g_string_erase (forged, nonce_end - 1, 1);
      else if (i == 1)
        g_string_insert (forged, nonce_end, "x");
      else
        g_string_erase (forged, 4, nonce_end - 4);
      forged_first = str_bytes (forged->str);
      final = test_client_final (client, forged_first);
      assert_failure (cw_sasl_server_step (server, final, &out, &error), &error,
                      CW_SASL_ERROR_NOT_AUTHORIZED);
    }
}

static void
assert_first_fails (Fixture *f, gboolean bind, const gchar *mech, const gchar *data, gsize len,
                    CwSaslError code)
{
  g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, bind);
  g_autoptr (GBytes) msg = g_bytes_new (data, len);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *raw = g_strndup (data, len);
  g_autofree gchar *shown = g_strescape (raw, NULL);

  g_test_message ("client-first: %s", shown);
  assert_failure (cw_sasl_server_start (server, mech, msg, &out, &error), &error, code);
  g_assert_null (out);
  /* Nothing more is accepted after a failure. */
  g_clear_error (&error);
  assert_failure (cw_sasl_server_step (server, msg, &out, &error), &error,
                  CW_SASL_ERROR_MALFORMED_REQUEST);
}

#define FIRST_FAILS(f, mech, s, code) assert_first_fails (f, FALSE, mech, s, sizeof s - 1, code)

static void
test_garbage_first (Fixture *f, gconstpointer data)
{
  static const gchar *const bad[] = {
    "x,,n=juliet,r=abc", "n,,r=abc,n=juliet", "n,,n=juliet", "n,,n=,r=abc",
    "n,,n=jul=2Xiet,r=abc", "n,,n=juliet=,r=abc", "n,,n=juliet,r=", "n,,n=juliet,r=a b",
    "n,,m=ext,n=juliet,r=abc", "n,a,n=juliet,r=abc", "n,a=,n=juliet,r=abc", "n", "n,",
    "n,,", ",,n=juliet,r=abc", "n,,n=juliet,r=abc,1=x", "n,,n=juliet,r=abc,", "\x80\x81",
    "\xff,,n=juliet,r=abc", "nn,,n=juliet,r=abc",
  };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_first_fails (f, FALSE, "SCRAM-SHA-1", bad[i], strlen (bad[i]),
                        CW_SASL_ERROR_MALFORMED_REQUEST);
  FIRST_FAILS (f, "SCRAM-SHA-256", "n,,n=jul\0iet,r=abc", CW_SASL_ERROR_MALFORMED_REQUEST);
  FIRST_FAILS (f, "SCRAM-SHA-256", "", CW_SASL_ERROR_MALFORMED_REQUEST);
  {
    g_autofree gchar *huge = g_strnfill (8192, 'a');
    g_autofree gchar *msg = g_strconcat ("n,,n=juliet,r=", huge, NULL);

    assert_first_fails (f, FALSE, "SCRAM-SHA-256", msg, strlen (msg),
                        CW_SASL_ERROR_MALFORMED_REQUEST);
  }
}

static void
test_garbage_final (Fixture *f, gconstpointer data)
{
  static const gchar *const bad[] = {
    "", "garbage", "c=biws", "c=biws,r=x", "p=abc", "r=x,c=biws,p=abc", "c=biws,r=x,p=abc,x=y",
    "c=***,r=NONCE,p=AAAA", "c=biws,r=NONCE,p=***", "c=biws,r=NONCE,p=",
    "c=biws,r=NONCE,1=2,p=AAAA",
    "c=biws,r=NONCE,p=AAAA", "c=YmlhcyBkYXRh,r=NONCE,p=AAAA", "c=biws,p=AAAA",
  };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
      g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, "n,,",
                                                       "r0m30myr0m30", NULL);
      g_autoptr (GBytes) server_first = start_juliet (server, client, "cn");
      g_autofree gchar *sf = bytes_str (server_first);
      g_autofree gchar *nonce = g_strndup (sf + 2, strchr (sf, ',') - sf - 2);
      g_auto (GStrv) parts = g_strsplit (bad[i], "NONCE", -1);
      g_autofree gchar *msg = g_strjoinv (nonce, parts);
      g_autoptr (GBytes) final = str_bytes (msg);
      g_autoptr (GBytes) out = NULL;
      g_autoptr (GError) error = NULL;

      g_test_message ("client-final: %s", msg);
      g_assert_cmpint (cw_sasl_server_step (server, final, &out, &error), ==,
                       CW_SASL_STEP_FAILURE);
      g_assert_true (g_error_matches (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST)
                     || g_error_matches (error, CW_SASL_ERROR, CW_SASL_ERROR_NOT_AUTHORIZED));
      g_assert_null (out);
      g_assert_null (cw_sasl_server_get_username (server));
    }
}

/* Juliet logs in with her password through @mech with @gs2 header and
 * @cb_data in c=; @code -1 for success, else the failure expected. */
static void
assert_juliet_login (Fixture *f, gboolean bind, const gchar *mech, CwSaslHash hash,
                     const gchar *gs2, GBytes *cb_data, gint code)
{
  g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, bind);
  g_autoptr (TestClient) client = test_client_new (hash, gs2, "r0m30myr0m30", cb_data);
  g_autoptr (GError) error = NULL;
  CwSaslStep step = run_scram (server, mech, client, "juliet", &error);

  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_cmpint (step, ==, CW_SASL_STEP_SUCCESS);
    }
  else
    assert_failure (step, &error, code);
}

/* "y" says: I can bind, but you cannot. We offered -PLUS, so the offer was
 * tampered with (RFC 5802 §6). Without -PLUS on offer, "y" is fine. */
static void
test_downgrade (Fixture *f, gconstpointer data)
{
  (void) data;
  assert_first_fails (f, TRUE, "SCRAM-SHA-256", "y,,n=juliet,r=abc", 17,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
  assert_juliet_login (f, FALSE, "SCRAM-SHA-256", CW_SASL_HASH_SHA256, "y,,", NULL, -1);
  /* Offered, but the client does not bind: plain SCRAM with "n" works. */
  assert_juliet_login (f, TRUE, "SCRAM-SHA-1", CW_SASL_HASH_SHA1, "n,,", NULL, -1);
}

static void
test_channel_binding_mismatch (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) other = g_bytes_new_static ("0123456789abcdef0123456789abcdeX", 32);

  (void) data;
  /* A man in the middle has another TLS channel, so other binding data. */
  assert_juliet_login (f, TRUE, "SCRAM-SHA-256-PLUS", CW_SASL_HASH_SHA256, "p=" CB_TYPE ",,",
                       other, CW_SASL_ERROR_NOT_AUTHORIZED);
  /* The data left out of c= although "p=" was sent. */
  assert_juliet_login (f, TRUE, "SCRAM-SHA-256-PLUS", CW_SASL_HASH_SHA256, "p=" CB_TYPE ",,",
                       NULL, CW_SASL_ERROR_NOT_AUTHORIZED);
  /* Binding data on a mechanism that has none. */
  assert_juliet_login (f, TRUE, "SCRAM-SHA-256", CW_SASL_HASH_SHA256, "n,,", f->cb_data,
                       CW_SASL_ERROR_NOT_AUTHORIZED);
  /* -PLUS without "p=", "p=" without -PLUS, a type we did not offer. */
  assert_first_fails (f, TRUE, "SCRAM-SHA-256-PLUS", "n,,n=juliet,r=abc", 17,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
  assert_first_fails (f, TRUE, "SCRAM-SHA-256-PLUS", "y,,n=juliet,r=abc", 17,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
  assert_first_fails (f, TRUE, "SCRAM-SHA-256", "p=tls-exporter,,n=juliet,r=abc", 30,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
  assert_first_fails (f, TRUE, "SCRAM-SHA-256-PLUS", "p=tls-unique,,n=juliet,r=abc", 28,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
  assert_first_fails (f, TRUE, "SCRAM-SHA-256-PLUS", "p=,,n=juliet,r=abc", 18,
                      CW_SASL_ERROR_MALFORMED_REQUEST);
}

/* RFC 6120 §6.3.8: an authzid may only name the account itself. */
static void
test_authzid (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *gs2;
    gboolean ok;
  } cases[] = {
    { "n,a=juliet@" DOMAIN ",", TRUE },
    { "n,a=Juliet@EXAMPLE.org,", TRUE },
    { "n,a=romeo@" DOMAIN ",", FALSE },
    { "n,a=juliet@example.net,", FALSE },
    { "n,a=juliet@" DOMAIN "/balcony,", FALSE },
    { "n,a=" DOMAIN ",", FALSE },
    { "n,a=juliet,", FALSE },
  };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwSaslServer) server = fixture_server (f, TRUE, FALSE);
      g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA256, cases[i].gs2,
                                                       "r0m30myr0m30", NULL);
      g_autoptr (CwSaslServer) plain = fixture_server (f, TRUE, FALSE);
      g_autofree gchar *authzid = g_strndup (cases[i].gs2 + 4, strlen (cases[i].gs2) - 5);
      g_autoptr (GBytes) plain_msg = plain_message (authzid, "juliet", "r0m30myr0m30");
      g_autoptr (GBytes) out = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) plain_error = NULL;
      CwSaslStep step = run_scram (server, "SCRAM-SHA-256", client, "juliet", &error);
      CwSaslStep plain_step = cw_sasl_server_start (plain, "PLAIN", plain_msg, &out,
                                                    &plain_error);

      g_test_message ("authzid %s", authzid);
      if (cases[i].ok)
        {
          g_assert_cmpint (step, ==, CW_SASL_STEP_SUCCESS);
          g_assert_cmpint (plain_step, ==, CW_SASL_STEP_SUCCESS);
          g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "juliet");
        }
      else
        {
          assert_failure (step, &error, CW_SASL_ERROR_INVALID_AUTHZID);
          assert_failure (plain_step, &plain_error, CW_SASL_ERROR_INVALID_AUTHZID);
        }
    }
}

/* A second start, and any call after the end, fail with malformed-request
 * and do not change the outcome. */
static void
test_calls_out_of_order (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) msg = str_bytes ("n,,n=juliet,r=abc");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;

  (void) data;
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);

    assert_failure (cw_sasl_server_step (server, msg, &out, &error), &error,
                    CW_SASL_ERROR_MALFORMED_REQUEST);
    g_clear_error (&error);
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);

    g_assert_cmpint (cw_sasl_server_start (server, "SCRAM-SHA-1", NULL, &out, &error), ==,
                     CW_SASL_STEP_CONTINUE);
    g_clear_pointer (&out, g_bytes_unref);
    assert_failure (cw_sasl_server_start (server, "SCRAM-SHA-1", msg, &out, &error), &error,
                    CW_SASL_ERROR_MALFORMED_REQUEST);
    g_clear_error (&error);
    assert_failure (cw_sasl_server_step (server, msg, &out, &error), &error,
                    CW_SASL_ERROR_MALFORMED_REQUEST);
    g_clear_error (&error);
  }
  {
    g_autoptr (CwSaslServer) server = fixture_server (f, FALSE, FALSE);
    g_autoptr (TestClient) client = test_client_new (CW_SASL_HASH_SHA1, "n,,", "r0m30myr0m30",
                                                     NULL);

    g_assert_cmpint (run_scram (server, "SCRAM-SHA-1", client, "juliet", &error), ==,
                     CW_SASL_STEP_SUCCESS);
    assert_failure (cw_sasl_server_step (server, msg, &out, &error), &error,
                    CW_SASL_ERROR_MALFORMED_REQUEST);
    g_clear_error (&error);
    assert_failure (cw_sasl_server_start (server, "SCRAM-SHA-1", msg, &out, &error), &error,
                    CW_SASL_ERROR_MALFORMED_REQUEST);
    /* Still the user who logged in. */
    g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "juliet");
  }
}

/* ---- a client from another codebase ------------------------------------ */

typedef struct
{
  const gchar *mech;
  const gchar *user;
  const gchar *password;
  const gchar *authzid;
  const gchar *cb_hex;
  const gchar *logged_in; /* NULL: the login fails with @code */
  CwSaslError code;
} PyCase;

#define CB_HEX "0102746c732d756e69717565ff"

static const PyCase py_cases[] = {
  { "SCRAM-SHA-256", "juliet", "r0m30myr0m30", "", CB_HEX, "juliet" },
  { "SCRAM-SHA-1", "Juliet", "r0m30myr0m30", "", CB_HEX, "juliet" },
  { "SCRAM-SHA-256-PLUS", "juliet", "r0m30myr0m30", "", CB_HEX, "juliet" },
  { "SCRAM-SHA-1-PLUS", "juliet", "r0m30myr0m30", "juliet@" DOMAIN, CB_HEX, "juliet" },
  { "SCRAM-SHA-256", "a,b=c", "pencil", "", CB_HEX, "a,b=c" },
  { "SCRAM-SHA-256", "juliet", "wrong", "", CB_HEX, NULL, CW_SASL_ERROR_NOT_AUTHORIZED },
  { "SCRAM-SHA-1-PLUS", "romeo", "r0m30myr0m30", "", CB_HEX, NULL, CW_SASL_ERROR_NOT_AUTHORIZED },
  { "SCRAM-SHA-256-PLUS", "juliet", "r0m30myr0m30", "", "0102", NULL,
    CW_SASL_ERROR_NOT_AUTHORIZED },
  { "SCRAM-SHA-256", "juliet", "r0m30myr0m30", "", "y:" CB_HEX, NULL,
    CW_SASL_ERROR_MALFORMED_REQUEST },
  { "SCRAM-SHA-256", "juliet", "r0m30myr0m30", "romeo@" DOMAIN, CB_HEX, NULL,
    CW_SASL_ERROR_INVALID_AUTHZID },
};

/* Debian's interpreter first: python3-slixmpp is installed for it, and a
 * python3 earlier in PATH (a virtualenv) may not have it. */
static gchar *
find_python (void)
{
  if (g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup ("/usr/bin/python3");
  return g_find_program_in_path ("python3");
}

/* NULL at the end of the output. */
static GBytes *
read_b64_line (GDataInputStream *in)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  gsize len = 0;
  guint8 *data;

  g_assert_no_error (error);
  if (line == NULL)
    return NULL;
  data = g_base64_decode (line, &len);
  return g_bytes_new_take (data, len);
}

static void
write_b64_line (GOutputStream *out, GBytes *msg)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *b64 = g_base64_encode (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
  g_autofree gchar *line = g_strconcat (b64, "\n", NULL);

  g_assert_true (g_output_stream_write_all (out, line, strlen (line), NULL, NULL, &error));
  g_assert_no_error (error);
}

/* @data: an index into py_cases, plus G_N_ELEMENTS (py_cases) for the
 * script's own hashlib client instead of slixmpp's. */
static void
test_python_client (Fixture *f, gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  const PyCase *c = &py_cases[index % G_N_ELEMENTS (py_cases)];
  const gchar *impl = index < G_N_ELEMENTS (py_cases) ? "slixmpp" : "hashlib";
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *python = find_python ();
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "tests", "unit", "server",
                                                    "scram-client.py", NULL);
  g_autoptr (GBytes) tls_unique = g_bytes_new_static ("\x01\x02tls-unique\xff", 13);
  CwSaslServerConfig config = { fixture_lookup, f, DOMAIN, TRUE, "tls-unique", tls_unique };
  g_autoptr (CwSaslServer) server = cw_sasl_server_new (&config);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) server_first = NULL;
  g_autoptr (GBytes) final = NULL;
  g_autoptr (GBytes) server_final = NULL;
  g_autoptr (GError) error = NULL;
  CwSaslStep step;

  if (python == NULL)
    {
      g_test_skip ("no python3");
      return;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "CW_SCRAM_CLIENT", impl, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, python, script, c->mech, c->user,
                                      c->password, c->authzid, c->cb_hex, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  first = read_b64_line (in);
  if (first == NULL)
    {
      g_assert_true (g_subprocess_wait (proc, NULL, NULL));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 77);
      g_test_skip ("no python3-slixmpp");
      return;
    }
  step = cw_sasl_server_start (server, c->mech, first, &server_first, &error);
  if (step == CW_SASL_STEP_CONTINUE)
    {
      write_b64_line (g_subprocess_get_stdin_pipe (proc), server_first);
      final = read_b64_line (in);
      g_assert_nonnull (final);
      step = cw_sasl_server_step (server, final, &server_final, &error);
    }
  if (c->logged_in != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpint (step, ==, CW_SASL_STEP_SUCCESS);
      write_b64_line (g_subprocess_get_stdin_pipe (proc), server_final);
      /* Exit 0: the client verified our server signature. */
      g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (cw_sasl_server_get_username (server), ==, c->logged_in);
    }
  else
    {
      assert_failure (step, &error, c->code);
      g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (proc), NULL, NULL));
      g_assert_true (g_subprocess_wait (proc, NULL, NULL));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
      g_assert_null (cw_sasl_server_get_username (server));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    g_test_add_data_func (i == 0 ? "/server/sasl/vector/rfc5802-sha-1"
                                 : "/server/sasl/vector/rfc7677-sha-256",
                          &vectors[i], test_rfc_vector);
  g_test_add_func ("/server/sasl/vector/bad-proof", test_rfc_vector_bad_proof);
  g_test_add_func ("/server/sasl/derive/fresh-salt", test_derive);
  g_test_add_func ("/server/sasl/derive/saslprep", test_derive_saslprep);
  g_test_add_func ("/server/sasl/conditions", test_conditions);
#define ADD(path, fn) \
  g_test_add ("/server/sasl/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("mechanisms", test_mechanisms);
  for (guint i = 0; i < G_N_ELEMENTS (mech_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/server/sasl/success/%s", mech_cases[i].mech);

      g_test_add (path, Fixture, &mech_cases[i], fixture_setup, test_scram_success,
                  fixture_teardown);
    }
  ADD ("success/no-initial-response", test_scram_no_initial_response);
  ADD ("fail/wrong-password-unknown-user", test_scram_wrong_password_unknown_user);
  ADD ("plain/login", test_plain);
  ADD ("plain/needs-tls", test_plain_needs_tls);
  ADD ("plain/off", test_no_plain);
  ADD ("fail/account-disabled", test_authorize);
  ADD ("success/sha-1-only-account", test_sha1_only_account);
  ADD ("fail/broken-store", test_broken_store);
  ADD ("plain/malformed", test_plain_malformed);
  ADD ("fail/not-offered", test_not_offered);
  ADD ("fail/replayed-nonce", test_replayed_nonce);
  ADD ("fail/modified-nonce", test_modified_nonce);
  ADD ("fail/garbage-first", test_garbage_first);
  ADD ("fail/garbage-final", test_garbage_final);
  ADD ("fail/downgrade", test_downgrade);
  ADD ("fail/channel-binding", test_channel_binding_mismatch);
  ADD ("authzid", test_authzid);
  ADD ("fail/out-of-order", test_calls_out_of_order);
#undef ADD
  for (guint i = 0; i < 2 * G_N_ELEMENTS (py_cases); i++)
    {
      guint n = G_N_ELEMENTS (py_cases);
      g_autofree gchar *path = g_strdup_printf ("/server/sasl/python/%s/%u-%s",
                                                i < n ? "slixmpp" : "hashlib", i % n,
                                                py_cases[i % n].mech);

      g_test_add (path, Fixture, GUINT_TO_POINTER (i), fixture_setup, test_python_client,
                  fixture_teardown);
    }
  return g_test_run ();
}
