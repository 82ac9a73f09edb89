/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the XMPP stream and stanza error domains and their name tables. */
#include "config.h"
#include "common/xmpp-error.h"

#include <string.h>

/* Condition names are XML element names on the wire: lowercase and '-'. */
static void
assert_condition_token (const gchar *name)
{
  g_assert_nonnull (name);
  g_assert_cmpuint (strlen (name), >, 0);
  for (const gchar *p = name; *p != '\0'; p++)
    g_assert_true (g_ascii_islower (*p) || *p == '-');
}

static void
test_quarks (void)
{
  g_autoptr (GError) stream = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT, "x");
  g_autoptr (GError) stanza = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_CONFLICT, "x");

  g_assert_cmpuint (CW_STREAM_ERROR, !=, 0);
  g_assert_cmpuint (CW_STANZA_ERROR, !=, 0);
  g_assert_cmpuint (CW_STREAM_ERROR, !=, CW_STANZA_ERROR);
  g_assert_cmpuint (CW_STREAM_ERROR, ==, cw_stream_error_quark ());
  /* Same code, different meaning: the domains must keep them apart. */
  g_assert_true (g_error_matches (stream, CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT));
  g_assert_false (g_error_matches (stanza, CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT));
  g_assert_cmpstr (g_quark_to_string (CW_STREAM_ERROR), ==, "cw-stream-error-quark");
  g_assert_cmpstr (g_quark_to_string (CW_STANZA_ERROR), ==, "cw-stanza-error-quark");
}

static void
test_stream_names_round_trip (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;

  for (gint code = 0; code <= CW_STREAM_ERROR_UNSUPPORTED_VERSION; code++)
    {
      const gchar *name = cw_stream_error_to_name (code);
      CwStreamError back = -1;

      assert_condition_token (name);
      g_assert_true (cw_stream_error_from_name (name, &back));
      g_assert_cmpint (back, ==, code);
      g_assert_true (g_hash_table_add (seen, (gpointer) name));
      n++;
    }
  /* RFC 6120 §4.9.3 defines 25 conditions. */
  g_assert_cmpuint (n, ==, 25);
  g_assert_cmpstr (cw_stream_error_to_name (CW_STREAM_ERROR_NOT_WELL_FORMED), ==,
                   "not-well-formed");
  g_assert_cmpstr (cw_stream_error_to_name (CW_STREAM_ERROR_SEE_OTHER_HOST), ==, "see-other-host");
  g_assert_cmpstr (cw_stream_error_to_name (CW_STREAM_ERROR_BAD_FORMAT), ==, "bad-format");
  g_assert_cmpstr (cw_stream_error_to_name (CW_STREAM_ERROR_UNSUPPORTED_VERSION), ==,
                   "unsupported-version");
  g_assert_true (cw_stream_error_from_name ("reset", NULL));
}

static void
test_stanza_names_round_trip (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;

  for (gint code = 0; code <= CW_STANZA_ERROR_UNEXPECTED_REQUEST; code++)
    {
      const gchar *name = cw_stanza_error_to_name (code);
      CwStanzaError back = -1;

      assert_condition_token (name);
      g_assert_true (cw_stanza_error_from_name (name, &back));
      g_assert_cmpint (back, ==, code);
      g_assert_true (g_hash_table_add (seen, (gpointer) name));
      n++;
    }
  /* RFC 6120 §8.3.3 defines 22 conditions. */
  g_assert_cmpuint (n, ==, 22);
  g_assert_cmpstr (cw_stanza_error_to_name (CW_STANZA_ERROR_BAD_REQUEST), ==, "bad-request");
  g_assert_cmpstr (cw_stanza_error_to_name (CW_STANZA_ERROR_ITEM_NOT_FOUND), ==, "item-not-found");
  g_assert_cmpstr (cw_stanza_error_to_name (CW_STANZA_ERROR_UNEXPECTED_REQUEST), ==,
                   "unexpected-request");
}

static void
test_type_names_round_trip (void)
{
  static const gchar *const expected[] = { "auth", "cancel", "continue", "modify", "wait" };

  for (guint t = 0; t < G_N_ELEMENTS (expected); t++)
    {
      CwStanzaErrorType back = -1;

      g_assert_cmpstr (cw_stanza_error_type_to_name (t), ==, expected[t]);
      g_assert_true (cw_stanza_error_type_from_name (expected[t], &back));
      g_assert_cmpint (back, ==, t);
    }
}

static void
test_names_unknown_refused (void)
{
  static const gchar *const bad[] = {
    "", "Bad-Request", "bad_request", "bad-request ", " conflict", "payment-required",
    "text", "error", "not-well-formed\n", "see-other-host-",
  };
  CwStreamError stream = CW_STREAM_ERROR_RESET;
  CwStanzaError stanza = CW_STANZA_ERROR_GONE;
  CwStanzaErrorType type = CW_STANZA_ERROR_TYPE_WAIT;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (cw_stream_error_from_name (bad[i], &stream));
      g_assert_false (cw_stanza_error_from_name (bad[i], &stanza));
      g_assert_false (cw_stanza_error_type_from_name (bad[i], &type));
    }
  /* A refused name leaves the out argument alone. */
  g_assert_cmpint (stream, ==, CW_STREAM_ERROR_RESET);
  g_assert_cmpint (stanza, ==, CW_STANZA_ERROR_GONE);
  g_assert_cmpint (type, ==, CW_STANZA_ERROR_TYPE_WAIT);
  /* Conditions of one domain are not conditions of the other. */
  g_assert_false (cw_stanza_error_from_name ("not-well-formed", NULL));
  g_assert_false (cw_stream_error_from_name ("item-not-found", NULL));
  g_assert_false (cw_stanza_error_type_from_name ("bad-request", NULL));
}

static void
test_names_out_of_range (void)
{
  g_assert_null (cw_stream_error_to_name (CW_STREAM_ERROR_UNSUPPORTED_VERSION + 1));
  g_assert_null (cw_stream_error_to_name (-1));
  g_assert_null (cw_stanza_error_to_name (CW_STANZA_ERROR_UNEXPECTED_REQUEST + 1));
  g_assert_null (cw_stanza_error_to_name (-1));
  g_assert_null (cw_stanza_error_type_to_name (CW_STANZA_ERROR_TYPE_WAIT + 1));
}

/* RFC 6120 §8.3.3, the type in each condition's example, transcribed
 * independently of the table in xmpp-error.c. */
static void
test_stanza_default_types (void)
{
  static const struct
  {
    const gchar *condition;
    const gchar *type;
  } rfc[] = {
    { "bad-request", "modify" },
    { "conflict", "cancel" },
    { "feature-not-implemented", "cancel" },
    { "forbidden", "auth" },
    { "gone", "cancel" },
    { "internal-server-error", "cancel" },
    { "item-not-found", "cancel" },
    { "jid-malformed", "modify" },
    { "not-acceptable", "modify" },
    { "not-allowed", "cancel" },
    { "not-authorized", "auth" },
    { "policy-violation", "modify" },
    { "recipient-unavailable", "wait" },
    { "redirect", "modify" },
    { "registration-required", "auth" },
    { "remote-server-not-found", "cancel" },
    { "remote-server-timeout", "wait" },
    { "resource-constraint", "wait" },
    { "service-unavailable", "cancel" },
    { "subscription-required", "auth" },
    { "undefined-condition", "modify" },
    { "unexpected-request", "wait" },
  };

  g_assert_cmpuint (G_N_ELEMENTS (rfc), ==, CW_STANZA_ERROR_UNEXPECTED_REQUEST + 1);
  for (guint i = 0; i < G_N_ELEMENTS (rfc); i++)
    {
      CwStanzaError code;
      const gchar *got;

      g_assert_true (cw_stanza_error_from_name (rfc[i].condition, &code));
      got = cw_stanza_error_type_to_name (cw_stanza_error_default_type (code));
      if (g_strcmp0 (got, rfc[i].type) != 0)
        g_test_fail_printf ("%s: type %s, RFC says %s", rfc[i].condition, got, rfc[i].type);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/xmpp-error/quarks", test_quarks);
  g_test_add_func ("/common/xmpp-error/names/stream-round-trip", test_stream_names_round_trip);
  g_test_add_func ("/common/xmpp-error/names/stanza-round-trip", test_stanza_names_round_trip);
  g_test_add_func ("/common/xmpp-error/names/type-round-trip", test_type_names_round_trip);
  g_test_add_func ("/common/xmpp-error/names/unknown-refused", test_names_unknown_refused);
  g_test_add_func ("/common/xmpp-error/names/out-of-range", test_names_out_of_range);
  g_test_add_func ("/common/xmpp-error/stanza/default-types", test_stanza_default_types);
  return g_test_run ();
}
