/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the SASL server: hostile SCRAM and PLAIN messages, whole negotiations. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "server/sasl.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Input: one byte of settings, then the client's messages separated by
 * SEPARATOR. In every message after the first, "@NONCE@" is replaced by
 * the nonce of the server's last challenge, so the fuzzer can reach the
 * proof check. Settings: bits 0-2 the mechanism (index into mechanisms),
 * bit 3 TLS, bit 4 channel binding, bit 5 no initial response. */
#define SEPARATOR "\n--\n"
#define NONCE_TOKEN "@NONCE@"

static const gchar *const mechanisms[] = {
  "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN",
  "DIGEST-MD5", "", "scram-sha-1",
};

/* One account, juliet/pencil, derived once with a single iteration to keep
 * the fuzzer fast. */
static CwScramCredentials *
lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  static CwScramCredentials *creds[2];
  static const guint8 salt[] = "fuzzsaltfuzzsalt";
  g_autoptr (GBytes) salt_bytes = NULL;
  CwScramCredentials *copy;

  (void) user_data;
  if (strcmp (username, "juliet") != 0)
    return NULL;
  if (creds[hash] == NULL)
    {
      salt_bytes = g_bytes_new_static (salt, 16);
      creds[hash] = cw_scram_credentials_derive (hash, "pencil", salt_bytes, 1, NULL);
      g_assert_nonnull (creds[hash]);
    }
  copy = g_new0 (CwScramCredentials, 1);
  copy->hash = hash;
  copy->salt = g_bytes_ref (creds[hash]->salt);
  copy->iterations = creds[hash]->iterations;
  copy->stored_key = g_bytes_ref (creds[hash]->stored_key);
  copy->server_key = g_bytes_ref (creds[hash]->server_key);
  return copy;
}

/* The contract every call keeps, whatever the input. */
static void
check_step (CwSaslServer *server, CwSaslStep step, GBytes *out, GError *error)
{
  switch (step)
    {
    case CW_SASL_STEP_CONTINUE:
      g_assert_no_error (error);
      g_assert_nonnull (out);
      g_assert_null (cw_sasl_server_get_username (server));
      break;
    case CW_SASL_STEP_SUCCESS:
      g_assert_no_error (error);
      g_assert_cmpstr (cw_sasl_server_get_username (server), ==, "juliet");
      break;
    case CW_SASL_STEP_FAILURE:
    default:
      g_assert_cmpint (step, ==, CW_SASL_STEP_FAILURE);
      g_assert_true (error != NULL && error->domain == CW_SASL_ERROR);
      g_assert_cmpint (error->code, <=, CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE);
      g_assert_nonnull (cw_sasl_error_to_condition (error->code));
      g_assert_null (out);
      break;
    }
}

/* "r=<nonce>,..." → the nonce, or "" when @challenge has none. */
static gchar *
challenge_nonce (GBytes *challenge)
{
  g_autofree gchar *s = NULL;
  const gchar *comma;

  if (challenge == NULL || g_bytes_get_size (challenge) == 0)
    return g_strdup ("");
  s = g_strndup (g_bytes_get_data (challenge, NULL), g_bytes_get_size (challenge));
  if (!g_str_has_prefix (s, "r="))
    return g_strdup ("");
  comma = strchr (s, ',');
  return g_strndup (s + 2, comma != NULL ? (gsize) (comma - s - 2) : strlen (s + 2));
}

static GBytes *
next_message (const gchar **p, const gchar *end, const gchar *nonce)
{
  const gchar *sep = g_strstr_len (*p, end - *p, SEPARATOR);
  const gchar *stop = sep != NULL ? sep : end;
  g_autoptr (GString) msg = g_string_new_len (*p, stop - *p);

  *p = sep != NULL ? sep + strlen (SEPARATOR) : end;
  if (nonce != NULL)
    g_string_replace (msg, NONCE_TOKEN, nonce, 0);
  return g_string_free_to_bytes (g_steal_pointer (&msg));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static GBytes *cb_data;
  const gchar *p = (const gchar *) data + 1;
  const gchar *end = (const gchar *) data + size;
  CwSaslServerConfig config = { .lookup = lookup, .domain = "example.org" };
  g_autoptr (CwSaslServer) server = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) first = NULL;
  CwSaslStep step;

  if (size == 0)
    return 0;
  if (cb_data == NULL)
    cb_data = g_bytes_new_static ("channel-binding-data", 20);
  config.secure = (data[0] & 0x08) != 0;
  config.cb_type = (data[0] & 0x10) != 0 ? "tls-exporter" : NULL;
  config.cb_data = (data[0] & 0x10) != 0 ? cb_data : NULL;
  server = cw_sasl_server_new (&config);
  if ((data[0] & 0x20) == 0)
    first = next_message (&p, end, NULL);
  step = cw_sasl_server_start (server, mechanisms[data[0] & 0x07], first, &out, &error);
  check_step (server, step, out, error);
  if (step == CW_SASL_STEP_FAILURE)
    g_assert_null (cw_sasl_server_get_username (server));
  while (p < end || step == CW_SASL_STEP_CONTINUE)
    {
      g_autofree gchar *nonce = challenge_nonce (out);
      g_autoptr (GBytes) msg = next_message (&p, end, nonce);
      CwSaslStep previous = step;

      g_clear_pointer (&out, g_bytes_unref);
      g_clear_error (&error);
      step = cw_sasl_server_step (server, msg, &out, &error);
      check_step (server, step, out, error);
      /* Once it is over, it stays over, and a failure never logs in. */
      if (previous != CW_SASL_STEP_CONTINUE)
        g_assert_error (error, CW_SASL_ERROR, CW_SASL_ERROR_MALFORMED_REQUEST);
      if (previous != CW_SASL_STEP_SUCCESS && step == CW_SASL_STEP_FAILURE)
        g_assert_null (cw_sasl_server_get_username (server));
      if (p >= end)
        break;
    }
  return 0;
}
