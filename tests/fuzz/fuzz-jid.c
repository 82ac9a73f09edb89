/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the JID parser: checks normalisation invariants on every input that parses. */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "common/jid.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_assert_true and g_assert_cmp* abort even under G_DISABLE_ASSERT, which
 * is what a fuzzer needs to notice a broken invariant. */

/* Escaping anything escapable, then unescaping, gives the input back. */
static void
check_escape_round_trip (const gchar *raw)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *escaped = cw_jid_escape_local (raw, &error);
  g_autofree gchar *unescaped = NULL;
  g_autoptr (CwJid) jid = NULL;

  if (escaped == NULL)
    {
      g_assert_true (error != NULL && error->domain == CW_JID_ERROR);
      return;
    }
  g_assert_no_error (error);
  unescaped = cw_jid_unescape_local (escaped);
  g_assert_cmpstr (unescaped, ==, raw);

  /* escape_local promises a localpart that cw_jid_new accepts. */
  jid = cw_jid_new (escaped, "example", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (jid);
}

static void
check_parsed (CwJid *jid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwJid) again = NULL;
  g_autoptr (CwJid) bare = NULL;
  g_autoptr (CwJid) bare_again = NULL;
  g_autoptr (CwJid) rebuilt = NULL;
  const gchar *str = cw_jid_to_string (jid);

  /* Normalising is idempotent. */
  again = cw_jid_parse (str, &error);
  g_assert_no_error (error);
  g_assert_true (cw_jid_equal (jid, again));
  g_assert_cmpstr (cw_jid_to_string (again), ==, str);
  g_assert_cmpuint (cw_jid_hash (jid), ==, cw_jid_hash (again));

  /* The bare JID is the parse of the bare string. */
  bare = cw_jid_get_bare (jid);
  bare_again = cw_jid_parse (cw_jid_get_bare_string (jid), &error);
  g_assert_no_error (error);
  g_assert_true (cw_jid_is_bare (bare));
  g_assert_true (cw_jid_equal (bare, bare_again));
  g_assert_true (cw_jid_equal_bare (jid, bare));
  g_assert_true (cw_jid_is_bare (jid) == cw_jid_equal (jid, bare));

  /* Building from the parts gives the same JID. */
  rebuilt = cw_jid_new (cw_jid_get_local (jid), cw_jid_get_domain (jid),
                        cw_jid_get_resource (jid), &error);
  g_assert_no_error (error);
  g_assert_true (cw_jid_equal (jid, rebuilt));

  /* Limits hold after normalisation. */
  if (cw_jid_get_local (jid) != NULL)
    {
      g_autofree gchar *unescaped = cw_jid_unescape_local (cw_jid_get_local (jid));

      g_assert_cmpuint (strlen (cw_jid_get_local (jid)), <=, CW_JID_MAX_PART_LENGTH);
      check_escape_round_trip (unescaped);
    }
  g_assert_cmpuint (strlen (cw_jid_get_domain (jid)), <=, CW_JID_MAX_PART_LENGTH);
  if (cw_jid_get_resource (jid) != NULL)
    g_assert_cmpuint (strlen (cw_jid_get_resource (jid)), <=, CW_JID_MAX_PART_LENGTH);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *str = g_strndup ((const gchar *) data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwJid) jid = cw_jid_parse (str, &error);

  if (jid != NULL)
    {
      g_assert_no_error (error);
      check_parsed (jid);
    }
  else
    {
      g_assert_true (error != NULL && error->domain == CW_JID_ERROR);
      g_assert_cmpint (error->code, <=, CW_JID_ERROR_INVALID_DOMAIN);
    }
  check_escape_round_trip (str);
  return 0;
}
