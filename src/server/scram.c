/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwScramServer: SCRAM server exchange, key derivation, SASLprep (RFC 5802, 7677, 4013). */
#include "config.h"
#include "server/scram.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

/* No honest SCRAM message comes near this; bounding it bounds the work a
 * hostile client can ask for before it has authenticated. */
#define MAX_MESSAGE_LENGTH 4096
/* 24 random bytes: 32 base64 characters, 192 bits of freshness. */
#define SERVER_NONCE_BYTES 24
#define SALT_BYTES 16

typedef enum
{
  SCRAM_WANT_FIRST,
  SCRAM_WANT_FINAL,
  SCRAM_DONE,
} ScramState;

struct _CwScramServer
{
  CwSaslHash hash;
  gboolean plus;
  gchar *cb_type;             /* owned, nullable: offered channel-binding type */
  GBytes *cb_data;            /* owned, nullable */
  ScramState state;
  gchar *gs2_header;          /* owned: as the client sent it, trailing comma included */
  gboolean gs2_binds;         /* the header said "p=": c= carries cb_data too */
  gchar *client_first_bare;   /* owned */
  gchar *client_nonce;        /* owned */
  gchar *username;            /* owned: decoded saslname, not normalised */
  gchar *authzid;             /* owned: decoded, "" when absent */
  gchar *server_nonce;        /* owned, nullable: fixed by tests, else random */
  gchar *nonce;               /* owned: client nonce + server nonce */
  gchar *server_first;        /* owned */
  CwScramCredentials *creds;  /* owned */
  gboolean known;             /* creds belong to a real account */
};

gsize
cw_scram_hash_size (CwSaslHash hash)
{
  return hash == CW_SASL_HASH_SHA1 ? 20 : 32;
}

static GChecksumType
checksum_type (CwSaslHash hash)
{
  return hash == CW_SASL_HASH_SHA1 ? G_CHECKSUM_SHA1 : G_CHECKSUM_SHA256;
}

static void
hmac (CwSaslHash hash, const guint8 *key, gsize key_len, const void *data, gsize len,
      guint8 *out)
{
  g_autoptr (GHmac) h = g_hmac_new (checksum_type (hash), key, key_len);
  gsize n = cw_scram_hash_size (hash);

  g_hmac_update (h, data, len);
  g_hmac_get_digest (h, out, &n);
}

static void
digest (CwSaslHash hash, const guint8 *data, gsize len, guint8 *out)
{
  g_autoptr (GChecksum) c = g_checksum_new (checksum_type (hash));
  gsize n = cw_scram_hash_size (hash);

  g_checksum_update (c, data, len);
  g_checksum_get_digest (c, out, &n);
}

/* ---- SASLprep and secrets ---------------------------------------------- */

/* RFC 3454 table B.1: "commonly mapped to nothing". */
static gboolean
maps_to_nothing (gunichar c)
{
  return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D)
         || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F)
         || c == 0xFEFF;
}

static void
string_wipe_free (GString *s)
{
  sodium_memzero (s->str, s->allocated_len);
  g_string_free (s, TRUE);
}

void
cw_scram_secret_free (gchar *secret)
{
  if (secret == NULL)
    return;
  sodium_memzero (secret, strlen (secret));
  g_free (secret);
}

gchar *
cw_scram_saslprep (const gchar *password)
{
  GString *mapped;
  gchar *nfkc;

  g_return_val_if_fail (password != NULL, NULL);

  if (!g_utf8_validate (password, -1, NULL))
    return NULL;
  mapped = g_string_sized_new (strlen (password) + 1);
  for (const gchar *p = password; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (maps_to_nothing (c))
        continue;
      if (g_unichar_type (c) == G_UNICODE_CONTROL)
        {
          string_wipe_free (mapped);
          return NULL;
        }
      if (c >= 0x80 && g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR)
        c = ' ';
      g_string_append_unichar (mapped, c);
    }
  nfkc = g_utf8_normalize (mapped->str, mapped->len, G_NORMALIZE_NFKC);
  string_wipe_free (mapped);
  if (nfkc != NULL && *nfkc == '\0')
    g_clear_pointer (&nfkc, cw_scram_secret_free);
  return nfkc;
}

/* ---- key derivation ----------------------------------------------------- */

void
cw_scram_salted_password (CwSaslHash hash, const gchar *prepared, const guint8 *salt,
                          gsize salt_len, guint iterations, guint8 *out)
{
  static const guint8 block_one[4] = { 0, 0, 0, 1 };
  gsize n = cw_scram_hash_size (hash);
  guint8 u[CW_SCRAM_MAX_HASH_SIZE];
  gsize len = n;
  /* The keyed state is computed once and copied per round. */
  g_autoptr (GHmac) keyed = g_hmac_new (checksum_type (hash), (const guchar *) prepared,
                                        strlen (prepared));
  g_autoptr (GHmac) first = g_hmac_copy (keyed);

  g_hmac_update (first, salt, salt_len);
  g_hmac_update (first, block_one, sizeof block_one);
  g_hmac_get_digest (first, u, &len);
  memcpy (out, u, n);
  for (guint i = 1; i < iterations; i++)
    {
      g_autoptr (GHmac) round = g_hmac_copy (keyed);

      len = n;
      g_hmac_update (round, u, n);
      g_hmac_get_digest (round, u, &len);
      for (gsize j = 0; j < n; j++)
        out[j] ^= u[j];
    }
  sodium_memzero (u, sizeof u);
}

/* StoredKey and ServerKey (RFC 5802 §3) from a prepared password. */
static void
derive_keys (CwSaslHash hash, const gchar *prepared, GBytes *salt, guint iterations,
             guint8 *stored_key, guint8 *server_key)
{
  guint8 salted[CW_SCRAM_MAX_HASH_SIZE];
  guint8 client_key[CW_SCRAM_MAX_HASH_SIZE];
  gsize n = cw_scram_hash_size (hash);
  gsize salt_len = 0;
  const guint8 *salt_data = g_bytes_get_data (salt, &salt_len);

  cw_scram_salted_password (hash, prepared, salt_data, salt_len, iterations, salted);
  hmac (hash, salted, n, "Client Key", strlen ("Client Key"), client_key);
  digest (hash, client_key, n, stored_key);
  hmac (hash, salted, n, "Server Key", strlen ("Server Key"), server_key);
  sodium_memzero (salted, sizeof salted);
  sodium_memzero (client_key, sizeof client_key);
}

static void
bytes_wipe_unref (GBytes *bytes)
{
  gsize len = 0;
  gpointer data;

  if (bytes == NULL)
    return;
  /* Steals the buffer when we hold the last reference, else copies it:
   * either way the copy we can reach is wiped. */
  data = g_bytes_unref_to_data (bytes, &len);
  if (data != NULL)
    sodium_memzero (data, len);
  g_free (data);
}

void
cw_scram_credentials_free (CwScramCredentials *creds)
{
  if (creds == NULL)
    return;
  g_clear_pointer (&creds->salt, g_bytes_unref);
  bytes_wipe_unref (g_steal_pointer (&creds->stored_key));
  bytes_wipe_unref (g_steal_pointer (&creds->server_key));
  g_free (creds);
}

static CwScramCredentials *
credentials_new (CwSaslHash hash, GBytes *salt, guint iterations, const guint8 *stored_key,
                 const guint8 *server_key)
{
  CwScramCredentials *creds = g_new0 (CwScramCredentials, 1);
  gsize n = cw_scram_hash_size (hash);

  creds->hash = hash;
  creds->salt = g_bytes_ref (salt);
  creds->iterations = iterations;
  creds->stored_key = g_bytes_new (stored_key, n);
  creds->server_key = g_bytes_new (server_key, n);
  return creds;
}

CwScramCredentials *
cw_scram_credentials_derive (CwSaslHash hash, const gchar *password, GBytes *salt,
                             guint iterations, GError **error)
{
  g_auto (CwScramSecret) prepared = NULL;
  g_autoptr (GBytes) own_salt = NULL;
  guint8 stored_key[CW_SCRAM_MAX_HASH_SIZE];
  guint8 server_key[CW_SCRAM_MAX_HASH_SIZE];
  CwScramCredentials *creds;

  g_return_val_if_fail (hash == CW_SASL_HASH_SHA1 || hash == CW_SASL_HASH_SHA256, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  prepared = cw_scram_saslprep (password);
  if (prepared == NULL)
    {
      g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST,
                           _("The password is empty or holds characters a password cannot have"));
      return NULL;
    }
  if (salt == NULL)
    {
      guint8 fresh[SALT_BYTES];

      if (sodium_init () < 0)
        g_error ("libsodium cannot be initialised");
      randombytes_buf (fresh, sizeof fresh);
      salt = own_salt = g_bytes_new (fresh, sizeof fresh);
    }
  if (iterations == 0)
    iterations = CW_SCRAM_DEFAULT_ITERATIONS;
  derive_keys (hash, prepared, salt, iterations, stored_key, server_key);
  creds = credentials_new (hash, salt, iterations, stored_key, server_key);
  sodium_memzero (stored_key, sizeof stored_key);
  sodium_memzero (server_key, sizeof server_key);
  return creds;
}

gboolean
cw_scram_credentials_valid (const CwScramCredentials *creds, CwSaslHash hash)
{
  gsize n = cw_scram_hash_size (hash);

  return creds != NULL && creds->hash == hash && creds->salt != NULL
         && g_bytes_get_size (creds->salt) > 0 && creds->iterations > 0
         && creds->stored_key != NULL && g_bytes_get_size (creds->stored_key) == n
         && creds->server_key != NULL && g_bytes_get_size (creds->server_key) == n;
}

gboolean
cw_scram_credentials_check_password (const CwScramCredentials *creds, const gchar *password)
{
  g_auto (CwScramSecret) prepared = NULL;
  guint8 stored_key[CW_SCRAM_MAX_HASH_SIZE];
  guint8 server_key[CW_SCRAM_MAX_HASH_SIZE];
  gboolean ok;

  g_return_val_if_fail (creds != NULL && cw_scram_credentials_valid (creds, creds->hash), FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  prepared = cw_scram_saslprep (password);
  if (prepared == NULL)
    return FALSE;
  derive_keys (creds->hash, prepared, creds->salt, creds->iterations, stored_key, server_key);
  ok = sodium_memcmp (stored_key, g_bytes_get_data (creds->stored_key, NULL),
                      cw_scram_hash_size (creds->hash))
       == 0;
  sodium_memzero (stored_key, sizeof stored_key);
  sodium_memzero (server_key, sizeof server_key);
  return ok;
}

/* A per-process key, so made-up salts are stable for a name but cannot be
 * predicted or compared across restarts. */
static const guint8 *
made_up_secret (void)
{
  static guint8 secret[32];
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (sodium_init () < 0)
        g_error ("libsodium cannot be initialised");
      randombytes_buf (secret, sizeof secret);
      g_once_init_leave (&initialised, 1);
    }
  return secret;
}

CwScramCredentials *
cw_scram_credentials_made_up (CwSaslHash hash, const gchar *username)
{
  g_autoptr (GHmac) h = g_hmac_new (G_CHECKSUM_SHA256, made_up_secret (), 32);
  guint8 mac[32];
  gsize len = sizeof mac;
  guint8 stored_key[CW_SCRAM_MAX_HASH_SIZE];
  guint8 server_key[CW_SCRAM_MAX_HASH_SIZE];
  g_autoptr (GBytes) salt = NULL;
  const gchar *label = hash == CW_SASL_HASH_SHA1 ? "salt SHA-1" : "salt SHA-256";

  g_hmac_update (h, (const guchar *) label, strlen (label) + 1);
  g_hmac_update (h, (const guchar *) (username != NULL ? username : ""), -1);
  g_hmac_get_digest (h, mac, &len);
  salt = g_bytes_new (mac, SALT_BYTES);
  randombytes_buf (stored_key, sizeof stored_key);
  randombytes_buf (server_key, sizeof server_key);
  return credentials_new (hash, salt, CW_SCRAM_DEFAULT_ITERATIONS, stored_key, server_key);
}

/* ---- message parsing ---------------------------------------------------- */

static gboolean
set_malformed (GError **error, const gchar *message)
{
  g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST, message);
  return FALSE;
}

/* A SCRAM message as a string: UTF-8, no NUL, bounded. */
static gchar *
message_to_string (GBytes *message, GError **error)
{
  gsize len = 0;
  const gchar *data = message != NULL ? g_bytes_get_data (message, &len) : NULL;

  if (len == 0 || len > MAX_MESSAGE_LENGTH || memchr (data, '\0', len) != NULL
      || !g_utf8_validate_len (data, len, NULL))
    {
      set_malformed (error, _("The SCRAM message is malformed"));
      return NULL;
    }
  return g_strndup (data, len);
}

/* RFC 5802 §7 saslname: "=2C" and "=3D" stand for ',' and '=', any other
 * '=' is an error; never empty. */
static gchar *
decode_saslname (const gchar *s)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const gchar *p = s; *p != '\0'; p++)
    {
      if (*p != '=')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (g_str_has_prefix (p, "=2C"))
        g_string_append_c (out, ',');
      else if (g_str_has_prefix (p, "=3D"))
        g_string_append_c (out, '=');
      else
        return NULL;
      p += 2;
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* printable = %x21-2B / %x2D-7E: what a nonce may hold. */
static gboolean
is_printable (const gchar *s)
{
  if (*s == '\0')
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7E || *p == ',')
      return FALSE;
  return TRUE;
}

/* An optional extension attribute: one letter, '=', a value. */
static gboolean
is_extension (const gchar *attr)
{
  return g_ascii_isalpha (attr[0]) && attr[1] == '=';
}

static gboolean
is_cb_name (const gchar *s)
{
  if (*s == '\0')
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

/* Strict base64: g_base64_decode skips characters it does not know. */
static guint8 *
decode_base64 (const gchar *s, gsize *len)
{
  gsize n = strlen (s);
  gsize pad = 0;

  if (n % 4 != 0)
    return NULL;
  for (gsize i = 0; i < n; i++)
    {
      gchar c = s[i];

      if (c == '=' && i >= n - 2)
        pad++;
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return NULL;
    }
  if (n == 0)
    {
      *len = 0;
      return g_malloc0 (1);
    }
  return g_base64_decode (s, len);
}

/* ---- the exchange ------------------------------------------------------- */

CwScramServer *
cw_scram_server_new (CwSaslHash hash, gboolean plus, const gchar *cb_type, GBytes *cb_data)
{
  CwScramServer *self = g_new0 (CwScramServer, 1);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");
  self->hash = hash;
  self->plus = plus;
  if (cb_type != NULL && cb_data != NULL)
    {
      self->cb_type = g_strdup (cb_type);
      self->cb_data = g_bytes_ref (cb_data);
    }
  return self;
}

void
cw_scram_server_free (CwScramServer *self)
{
  if (self == NULL)
    return;
  g_free (self->cb_type);
  g_clear_pointer (&self->cb_data, g_bytes_unref);
  g_free (self->gs2_header);
  g_free (self->client_first_bare);
  g_free (self->client_nonce);
  g_free (self->username);
  g_free (self->authzid);
  g_free (self->server_nonce);
  g_free (self->nonce);
  g_free (self->server_first);
  g_clear_pointer (&self->creds, cw_scram_credentials_free);
  g_free (self);
}

void
cw_scram_server_set_server_nonce (CwScramServer *self, const gchar *nonce)
{
  g_return_if_fail (self != NULL && self->state != SCRAM_DONE);
  g_return_if_fail (nonce != NULL && is_printable (nonce));

  g_free (self->server_nonce);
  self->server_nonce = g_strdup (nonce);
}

const gchar *
cw_scram_server_get_username (CwScramServer *self)
{
  return self->username;
}

const gchar *
cw_scram_server_get_authzid (CwScramServer *self)
{
  return self->authzid;
}

/* gs2-cbind-flag (RFC 5802 §7) against what was chosen and offered. */
static gboolean
check_cbind_flag (CwScramServer *self, const gchar *flag, GError **error)
{
  if (g_str_has_prefix (flag, "p="))
    {
      if (!self->plus)
        return set_malformed (error,
                              _("The client asked for channel binding on a mechanism without it"));
      if (!is_cb_name (flag + 2) || g_strcmp0 (flag + 2, self->cb_type) != 0)
        return set_malformed (error, _("The channel binding type is not supported"));
      self->gs2_binds = TRUE;
      return TRUE;
    }
  if (strcmp (flag, "n") != 0 && strcmp (flag, "y") != 0)
    return set_malformed (error, _("The SCRAM message is malformed"));
  if (self->plus)
    return set_malformed (error, _("The client chose a -PLUS mechanism without channel binding"));
  /* "y": the client can bind but believes we cannot. Every binding client
   * knows tls-unique, so with that on offer someone removed -PLUS from the
   * list on the way (RFC 5802 §6). With the newer types, "y" comes from
   * clients that know only tls-unique and cannot bind here: let them in,
   * as Prosody 0.12 and ejabberd 23.01 do (they offer no -PLUS on TLS 1.3). */
  if (flag[0] == 'y' && g_strcmp0 (self->cb_type, "tls-unique") == 0)
    return set_malformed (error, _("Channel binding was removed from the offer: a downgrade"));
  return TRUE;
}

/* gs2-header: cbind-flag "," [ "a=" saslname ] "," */
static gboolean
parse_gs2_header (CwScramServer *self, gchar **attrs, GError **error)
{
  if (attrs[0] == NULL || attrs[1] == NULL)
    return set_malformed (error, _("The SCRAM message is malformed"));
  if (!check_cbind_flag (self, attrs[0], error))
    return FALSE;
  if (attrs[1][0] == '\0')
    self->authzid = g_strdup ("");
  else if (g_str_has_prefix (attrs[1], "a="))
    self->authzid = decode_saslname (attrs[1] + 2);
  if (self->authzid == NULL)
    return set_malformed (error, _("The SCRAM message is malformed"));
  self->gs2_header = g_strconcat (attrs[0], ",", attrs[1], ",", NULL);
  return TRUE;
}

/* client-first-message-bare: [ "m=" ... ] "n=" saslname ",r=" nonce [ "," ext ]* */
static gboolean
parse_first_bare (CwScramServer *self, gchar **attrs, GError **error)
{
  if (attrs[0] != NULL && g_str_has_prefix (attrs[0], "m="))
    return set_malformed (error, _("SCRAM extensions are not supported"));
  if (attrs[0] == NULL || attrs[1] == NULL || !g_str_has_prefix (attrs[0], "n=")
      || !g_str_has_prefix (attrs[1], "r=") || !is_printable (attrs[1] + 2))
    return set_malformed (error, _("The SCRAM message is malformed"));
  for (guint i = 2; attrs[i] != NULL; i++)
    if (!is_extension (attrs[i]))
      return set_malformed (error, _("The SCRAM message is malformed"));
  self->username = decode_saslname (attrs[0] + 2);
  if (self->username == NULL)
    return set_malformed (error, _("The SCRAM message is malformed"));
  self->client_nonce = g_strdup (attrs[1] + 2);
  return TRUE;
}

gboolean
cw_scram_server_parse_first (CwScramServer *self, GBytes *message, GError **error)
{
  g_autofree gchar *msg = NULL;
  g_auto (GStrv) attrs = NULL;

  g_return_val_if_fail (self != NULL && self->state == SCRAM_WANT_FIRST, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->state = SCRAM_DONE;
  if ((msg = message_to_string (message, error)) == NULL)
    return FALSE;
  attrs = g_strsplit (msg, ",", -1);
  if (!parse_gs2_header (self, attrs, error)
      || !parse_first_bare (self, attrs + 2, error))
    return FALSE;
  self->client_first_bare = g_strdup (msg + strlen (self->gs2_header));
  self->state = SCRAM_WANT_FINAL;
  return TRUE;
}

GBytes *
cw_scram_server_first (CwScramServer *self, CwScramCredentials *creds)
{
  g_autofree gchar *salt = NULL;

  g_return_val_if_fail (self != NULL && self->state == SCRAM_WANT_FINAL, NULL);
  g_return_val_if_fail (self->server_first == NULL, NULL);
  g_return_val_if_fail (creds == NULL || cw_scram_credentials_valid (creds, self->hash), NULL);

  self->known = creds != NULL;
  self->creds = creds != NULL ? creds : cw_scram_credentials_made_up (self->hash, self->username);
  if (self->server_nonce == NULL)
    {
      guint8 raw[SERVER_NONCE_BYTES];

      randombytes_buf (raw, sizeof raw);
      self->server_nonce = g_base64_encode (raw, sizeof raw);
    }
  self->nonce = g_strconcat (self->client_nonce, self->server_nonce, NULL);
  salt = g_base64_encode (g_bytes_get_data (self->creds->salt, NULL),
                          g_bytes_get_size (self->creds->salt));
  self->server_first = g_strdup_printf ("r=%s,s=%s,i=%u", self->nonce, salt,
                                        self->creds->iterations);
  return g_bytes_new (self->server_first, strlen (self->server_first));
}

static gboolean
set_not_authorized (GError **error, const gchar *message)
{
  g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_NOT_AUTHORIZED, message);
  return FALSE;
}

/* c= must repeat the gs2 header, followed by the channel-binding data when
 * the header said "p=" (RFC 5802 §7, cbind-input). */
static gboolean
check_channel_binding (CwScramServer *self, const gchar *c, GError **error)
{
  gsize len = 0;
  g_autofree guint8 *got = decode_base64 (c, &len);
  g_autoptr (GByteArray) want = g_byte_array_new ();

  if (got == NULL)
    return set_malformed (error, _("The SCRAM message is malformed"));
  g_byte_array_append (want, (const guint8 *) self->gs2_header, strlen (self->gs2_header));
  if (self->gs2_binds)
    g_byte_array_append (want, g_bytes_get_data (self->cb_data, NULL),
                         g_bytes_get_size (self->cb_data));
  if (len != want->len || sodium_memcmp (got, want->data, len) != 0)
    return set_not_authorized (error, _("The channel binding does not match"));
  return TRUE;
}

/* client-final-message-without-proof: "c=" ... ",r=" ... [ "," ext ]* */
static gboolean
check_final_without_proof (CwScramServer *self, const gchar *without_proof, GError **error)
{
  g_auto (GStrv) attrs = g_strsplit (without_proof, ",", -1);

  if (attrs[0] == NULL || attrs[1] == NULL || !g_str_has_prefix (attrs[0], "c=")
      || !g_str_has_prefix (attrs[1], "r="))
    return set_malformed (error, _("The SCRAM message is malformed"));
  for (guint i = 2; attrs[i] != NULL; i++)
    if (!is_extension (attrs[i]))
      return set_malformed (error, _("The SCRAM message is malformed"));
  if (!check_channel_binding (self, attrs[0] + 2, error))
    return FALSE;
  /* A nonce from an earlier exchange, or one the client made up, is not
   * the one this exchange agreed on. */
  if (strcmp (attrs[1] + 2, self->nonce) != 0)
    return set_not_authorized (error, _("The nonce does not match"));
  return TRUE;
}

/* RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage);
 * the proof holds when H(ClientKey) is StoredKey. */
static gboolean
check_proof (CwScramServer *self, const gchar *auth_message, const gchar *proof64)
{
  gsize n = cw_scram_hash_size (self->hash);
  gsize len = 0;
  g_autofree guint8 *proof = decode_base64 (proof64, &len);
  guint8 signature[CW_SCRAM_MAX_HASH_SIZE];
  guint8 client_key[CW_SCRAM_MAX_HASH_SIZE];
  guint8 stored_key[CW_SCRAM_MAX_HASH_SIZE];
  gboolean ok;

  if (proof == NULL || len != n)
    return FALSE;
  hmac (self->hash, g_bytes_get_data (self->creds->stored_key, NULL), n, auth_message,
        strlen (auth_message), signature);
  for (gsize i = 0; i < n; i++)
    client_key[i] = proof[i] ^ signature[i];
  digest (self->hash, client_key, n, stored_key);
  ok = sodium_memcmp (stored_key, g_bytes_get_data (self->creds->stored_key, NULL), n) == 0;
  sodium_memzero (client_key, sizeof client_key);
  sodium_memzero (stored_key, sizeof stored_key);
  sodium_memzero (signature, sizeof signature);
  /* Made-up keys are random, so this is only belt and braces. */
  return ok && self->known;
}

static GBytes *
server_final_message (CwScramServer *self, const gchar *auth_message)
{
  gsize n = cw_scram_hash_size (self->hash);
  guint8 signature[CW_SCRAM_MAX_HASH_SIZE];
  g_autofree gchar *v = NULL;
  gchar *final;

  hmac (self->hash, g_bytes_get_data (self->creds->server_key, NULL), n, auth_message,
        strlen (auth_message), signature);
  v = g_base64_encode (signature, n);
  final = g_strconcat ("v=", v, NULL);
  return g_bytes_new_take (final, strlen (final));
}

GBytes *
cw_scram_server_final (CwScramServer *self, GBytes *message, GError **error)
{
  g_autofree gchar *msg = NULL;
  g_autofree gchar *without_proof = NULL;
  g_autofree gchar *auth_message = NULL;
  const gchar *proof;

  g_return_val_if_fail (self != NULL && self->state == SCRAM_WANT_FINAL, NULL);
  g_return_val_if_fail (self->server_first != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->state = SCRAM_DONE;
  if ((msg = message_to_string (message, error)) == NULL)
    return NULL;
  /* The proof is the last attribute. */
  proof = g_strrstr (msg, ",p=");
  if (proof == NULL || strchr (proof + 3, ',') != NULL)
    {
      set_malformed (error, _("The SCRAM message is malformed"));
      return NULL;
    }
  without_proof = g_strndup (msg, proof - msg);
  if (!check_final_without_proof (self, without_proof, error))
    return NULL;
  auth_message = g_strconcat (self->client_first_bare, ",", self->server_first, ",",
                              without_proof, NULL);
  if (!check_proof (self, auth_message, proof + 3))
    {
      /* The same words for a wrong password and an unknown user. */
      set_not_authorized (error, _("Authentication failed"));
      return NULL;
    }
  return server_final_message (self, auth_message);
}
