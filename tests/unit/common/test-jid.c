/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for CwJid: parsing, normalisation, limits, hostile input and XEP-0106 escaping. */
#include "config.h"

#include <string.h>

#include "common/jid.h"

/* Parses @str, which must be valid, and checks its normalised parts. */
static void
assert_parts (const gchar *str, const gchar *local, const gchar *domain,
              const gchar *resource, const gchar *normalised)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwJid) jid = cw_jid_parse (str, &error);

  g_assert_no_error (error);
  g_assert_nonnull (jid);
  g_assert_cmpstr (cw_jid_get_local (jid), ==, local);
  g_assert_cmpstr (cw_jid_get_domain (jid), ==, domain);
  g_assert_cmpstr (cw_jid_get_resource (jid), ==, resource);
  g_assert_cmpstr (cw_jid_to_string (jid), ==, normalised);
  g_assert_true (cw_jid_is_bare (jid) == (resource == NULL));
}

static void
assert_rejected (const gchar *str, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwJid) jid = cw_jid_parse (str, &error);

  if (jid != NULL)
    g_error ("\"%s\" parsed as \"%s\", expected error %d", str, cw_jid_to_string (jid), code);
  g_assert_error (error, CW_JID_ERROR, code);
  g_assert_nonnull (error->message);
}

static void
assert_same (const gchar *a, const gchar *b)
{
  g_autoptr (CwJid) ja = cw_jid_parse (a, NULL);
  g_autoptr (CwJid) jb = cw_jid_parse (b, NULL);

  g_assert_nonnull (ja);
  g_assert_nonnull (jb);
  g_assert_true (cw_jid_equal (ja, jb));
  g_assert_cmpstr (cw_jid_to_string (ja), ==, cw_jid_to_string (jb));
  g_assert_cmpuint (cw_jid_hash (ja), ==, cw_jid_hash (jb));
}

/* "x" repeated @n times. */
static gchar *
repeat (const gchar *x, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, x);
  return g_string_free (s, FALSE);
}

/* An ASCII host name of exactly @len bytes, in valid 63-byte labels. */
static gchar *
make_domain (gsize len)
{
  GString *s = g_string_new (NULL);

  while (s->len < len)
    {
      gsize left = len - s->len;
      gsize label = MIN (left, 63);

      /* Never leave a single byte for the next label's dot alone. */
      if (left > 63 && left - 63 < 2)
        label = 61;
      g_string_append_len (s, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", label);
      if (s->len < len)
        g_string_append_c (s, '.');
    }
  g_assert_cmpuint (s->len, ==, len);
  return g_string_free (s, FALSE);
}

static void
test_parse_bare (void)
{
  assert_parts ("juliet@capulet.example", "juliet", "capulet.example", NULL,
                "juliet@capulet.example");
}

static void
test_parse_full (void)
{
  g_autoptr (CwJid) jid = cw_jid_parse ("juliet@capulet.example/balcony", NULL);

  assert_parts ("juliet@capulet.example/balcony", "juliet", "capulet.example", "balcony",
                "juliet@capulet.example/balcony");
  g_assert_cmpstr (cw_jid_get_bare_string (jid), ==, "juliet@capulet.example");
}

static void
test_parse_domain_only (void)
{
  assert_parts ("capulet.example", NULL, "capulet.example", NULL, "capulet.example");
  assert_parts ("capulet.example/chat", NULL, "capulet.example", "chat",
                "capulet.example/chat");
  assert_parts ("localhost", NULL, "localhost", NULL, "localhost");
}

/* RFC 7622 §3.1: the resource is everything after the first '/', and an
 * '@' after that '/' does not introduce a localpart. */
static void
test_parse_resource_separators (void)
{
  assert_parts ("juliet@capulet.example/a/b@c", "juliet", "capulet.example", "a/b@c",
                "juliet@capulet.example/a/b@c");
  assert_parts ("capulet.example/juliet@balcony", NULL, "capulet.example",
                "juliet@balcony", "capulet.example/juliet@balcony");
  assert_parts ("capulet.example//", NULL, "capulet.example", "/", "capulet.example//");
  assert_parts ("juliet@capulet.example/ spaces  inside ", "juliet", "capulet.example",
                " spaces  inside ", "juliet@capulet.example/ spaces  inside ");
}

static void
test_normalise_case (void)
{
  assert_parts ("JuLiEt@CaPuLeT.Example/BaLcOnY", "juliet", "capulet.example", "BaLcOnY",
                "juliet@capulet.example/BaLcOnY");
  assert_same ("JULIET@CAPULET.EXAMPLE/Balcony", "juliet@capulet.example/Balcony");

  {
    g_autoptr (CwJid) a = cw_jid_parse ("juliet@capulet.example/Balcony", NULL);
    g_autoptr (CwJid) b = cw_jid_parse ("juliet@capulet.example/balcony", NULL);

    /* Resources are case-sensitive, so these are two different JIDs of
     * the same account. */
    g_assert_false (cw_jid_equal (a, b));
    g_assert_true (cw_jid_equal_bare (a, b));
  }
}

static void
test_normalise_unicode_local (void)
{
  /* Full case folding: ß folds to "ss" and Σ to σ. */
  assert_parts ("Straße@example.com", "strasse", "example.com", NULL, "strasse@example.com");
  assert_parts ("ΣΟΦΙΑ@example.com", "σοφια", "example.com", NULL, "σοφια@example.com");
  /* Decomposed and precomposed é are the same localpart after NFC. */
  assert_parts ("Ce\xcc\x81line@example.com", "c\xc3\xa9line", "example.com", NULL,
                "c\xc3\xa9line@example.com");
  assert_same ("C\xc3\x89LINE@example.com", "ce\xcc\x81line@example.com");
  /* The resource is NFC-normalised but keeps its case. */
  assert_parts ("example.com/E\xcc\x81t\xc3\xa9", NULL, "example.com", "\xc3\x89t\xc3\xa9",
                "example.com/\xc3\x89t\xc3\xa9");
}

/* GLib folds upper-case Cherokee with tolower but lower-case Cherokee to
 * upper case (Unicode's stable fold), so a naive fold flips between them. */
static void
test_normalise_cherokee (void)
{
  assert_parts ("\xe1\x8e\xa0\xe1\x8e\xa1@x.example", "\xea\xad\xb0\xea\xad\xb1",
                "x.example", NULL, "\xea\xad\xb0\xea\xad\xb1@x.example");
  assert_parts ("\xea\xad\xb0\xea\xad\xb1@x.example", "\xea\xad\xb0\xea\xad\xb1",
                "x.example", NULL, "\xea\xad\xb0\xea\xad\xb1@x.example");
}

/* Whatever the localpart or resource, the normalised JID parses to itself:
 * otherwise two peers could disagree on whether two JIDs are equal. The
 * whole Basic Multilingual Plane, each code point alone and before a
 * combining mark; -m thorough adds the supplementary planes. */
static void
test_normalise_idempotent (void)
{
  gunichar last = g_test_thorough () ? 0x10ffff : 0xffff;

  for (gunichar c = 1; c <= last; c++)
    {
      gchar u[8] = { 0 };
      g_autofree gchar *str = NULL;
      g_autoptr (CwJid) jid = NULL;
      g_autoptr (CwJid) again = NULL;

      if (c >= 0xd800 && c <= 0xdfff)
        continue;
      g_unichar_to_utf8 (c, u);
      str = g_strdup_printf ("a%s\xcc\x81@x.example/%s\xcc\x81", u, u);
      jid = cw_jid_parse (str + 1, NULL);
      if (jid == NULL)
        jid = cw_jid_parse (str, NULL);
      if (jid == NULL)
        continue;
      again = cw_jid_parse (cw_jid_to_string (jid), NULL);
      g_assert_nonnull (again);
      g_assert_cmpstr (cw_jid_to_string (again), ==, cw_jid_to_string (jid));
    }
}

static void
test_normalise_idn (void)
{
  g_autoptr (CwJid) uni = cw_jid_parse ("user@BÜCHER.example", NULL);
  g_autoptr (CwJid) ace = cw_jid_parse ("user@xn--bcher-kva.example", NULL);
  g_autoptr (CwJid) upper_ace = cw_jid_parse ("user@XN--BCHER-KVA.EXAMPLE", NULL);

  g_assert_nonnull (uni);
  g_assert_nonnull (ace);
  g_assert_nonnull (upper_ace);
  g_assert_cmpstr (cw_jid_get_domain (uni), ==, "bücher.example");
  g_assert_cmpstr (cw_jid_get_domain (ace), ==, "bücher.example");
  g_assert_true (cw_jid_equal (uni, ace));
  g_assert_true (cw_jid_equal (uni, upper_ace));
  /* IDNA label separators other than '.' are mapped too. */
  assert_same ("user@bücher\xe3\x80\x82" "example", "user@xn--bcher-kva.example");
}

static void
test_normalise_trailing_dot (void)
{
  assert_parts ("juliet@capulet.example.", "juliet", "capulet.example", NULL,
                "juliet@capulet.example");
  assert_parts ("capulet.example./balcony", NULL, "capulet.example", "balcony",
                "capulet.example/balcony");
  assert_same ("juliet@capulet.example./r", "juliet@capulet.example/r");
  /* Only one dot is stripped. */
  assert_rejected ("juliet@capulet.example..", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected (".", CW_JID_ERROR_EMPTY_PART);
  assert_rejected ("juliet@.", CW_JID_ERROR_EMPTY_PART);
}

static void
test_parse_ip_literals (void)
{
  assert_parts ("juliet@192.0.2.1/r", "juliet", "192.0.2.1", "r", "juliet@192.0.2.1/r");
  assert_parts ("[::1]", NULL, "[::1]", NULL, "[::1]");
  assert_parts ("juliet@[2001:DB8:0:0:0:0:0:1]/r", "juliet", "[2001:db8::1]", "r",
                "juliet@[2001:db8::1]/r");
  assert_parts ("juliet@[::FFFF:192.0.2.1]", "juliet", "[::ffff:192.0.2.1]", NULL,
                "juliet@[::ffff:192.0.2.1]");
  assert_same ("juliet@[0:0::1]", "juliet@[::1]");

  assert_rejected ("juliet@::1", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[::1", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[192.0.2.1]", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[fe80::1%eth0]", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[v1.fe]", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[]", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("juliet@[::1]x", CW_JID_ERROR_INVALID_DOMAIN);
}

static void
test_limits_local (void)
{
  g_autofree gchar *max = repeat ("a", CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *over = repeat ("a", CW_JID_MAX_PART_LENGTH + 1);
  g_autofree gchar *ok = g_strconcat (max, "@example.com", NULL);
  g_autofree gchar *bad = g_strconcat (over, "@example.com", NULL);
  g_autoptr (CwJid) jid = cw_jid_parse (ok, NULL);

  g_assert_nonnull (jid);
  g_assert_cmpuint (strlen (cw_jid_get_local (jid)), ==, 1023);
  assert_rejected (bad, CW_JID_ERROR_TOO_LONG);
}

static void
test_limits_domain (void)
{
  g_autofree gchar *max = make_domain (CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *over = make_domain (CW_JID_MAX_PART_LENGTH + 1);
  g_autofree gchar *max_dot = g_strconcat (max, ".", NULL);
  g_autoptr (CwJid) jid = cw_jid_parse (max, NULL);
  g_autoptr (CwJid) jid_dot = cw_jid_parse (max_dot, NULL);

  g_assert_nonnull (jid);
  g_assert_cmpuint (strlen (cw_jid_get_domain (jid)), ==, 1023);
  /* The trailing dot does not count: it is stripped first. */
  g_assert_nonnull (jid_dot);
  assert_rejected (over, CW_JID_ERROR_TOO_LONG);
}

static void
test_limits_resource (void)
{
  g_autofree gchar *max = repeat ("R", CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *over = repeat ("R", CW_JID_MAX_PART_LENGTH + 1);
  g_autofree gchar *ok = g_strconcat ("example.com/", max, NULL);
  g_autofree gchar *bad = g_strconcat ("example.com/", over, NULL);
  g_autoptr (CwJid) jid = cw_jid_parse (ok, NULL);

  g_assert_nonnull (jid);
  g_assert_cmpuint (strlen (cw_jid_get_resource (jid)), ==, 1023);
  assert_rejected (bad, CW_JID_ERROR_TOO_LONG);
}

static void
test_limits_whole (void)
{
  g_autofree gchar *local = repeat ("l", CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *domain = make_domain (CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *resource = repeat ("r", CW_JID_MAX_PART_LENGTH);
  g_autofree gchar *str = g_strconcat (local, "@", domain, "/", resource, NULL);
  g_autoptr (CwJid) jid = cw_jid_parse (str, NULL);

  g_assert_nonnull (jid);
  g_assert_cmpuint (strlen (cw_jid_to_string (jid)), ==, 3 * 1023 + 2);
}

/* The limit applies to the normalised part, not to the input. */
static void
test_limits_after_normalisation (void)
{
  /* 500 × (e + U+0301) is 1500 bytes as typed, 1000 once composed. */
  g_autofree gchar *decomposed = repeat ("e\xcc\x81", 500);
  g_autofree gchar *shrinks = g_strconcat (decomposed, "@example.com", NULL);
  /* 400 × İ is 800 bytes; case folding makes each "i" + U+0307, 3 bytes. */
  g_autofree gchar *dotted = repeat ("\xc4\xb0", 400);
  g_autofree gchar *grows = g_strconcat (dotted, "@example.com", NULL);
  g_autoptr (CwJid) jid = cw_jid_parse (shrinks, NULL);

  g_assert_nonnull (jid);
  g_assert_cmpuint (strlen (cw_jid_get_local (jid)), ==, 1000);
  assert_rejected (grows, CW_JID_ERROR_TOO_LONG);
}

static void
test_limits_huge_input (void)
{
  g_autofree gchar *label = repeat ("\xc3\xbc", 100000);
  g_autofree gchar *str = g_strconcat ("a@", label, NULL);

  /* Refused up front, before IDNA would spend quadratic time on it. */
  assert_rejected (str, CW_JID_ERROR_TOO_LONG);
}

static void
test_rejects_empty (void)
{
  const gchar *cases[] = {
    "", "@", "/", "@/", "@capulet.example", "juliet@", "capulet.example/",
    "juliet@capulet.example/", "juliet@/balcony", "/balcony", "@capulet.example/r",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i], CW_JID_ERROR_EMPTY_PART);
}

static void
test_rejects_double_at (void)
{
  /* The localpart ends at the first '@', leaving "b@c" as the domain. */
  assert_rejected ("a@b@c", CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected ("@@", CW_JID_ERROR_EMPTY_PART);
}

static void
test_rejects_forbidden_local (void)
{
  const gchar *cases[] = {
    "a\"b@x.example", "a&b@x.example", "a'b@x.example", "a:b@x.example",
    "a<b@x.example", "a>b@x.example", "a b@x.example", " ab@x.example",
    "a\xc2\xa0" "b@x.example",      /* U+00A0 NO-BREAK SPACE */
    "a\xe3\x80\x80" "b@x.example",  /* U+3000 IDEOGRAPHIC SPACE */
    "a\xe2\x80\xa8" "b@x.example",  /* U+2028 LINE SEPARATOR */
  };
  const gchar *split_chars[] = { "a/b", "a@b", "@", "/" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i], CW_JID_ERROR_FORBIDDEN_CHAR);

  /* '/' and '@' split the string when parsing; cw_jid_new must refuse them. */
  for (guint i = 0; i < G_N_ELEMENTS (split_chars); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CwJid) jid = cw_jid_new (split_chars[i], "x.example", NULL, &error);

      g_assert_null (jid);
      g_assert_error (error, CW_JID_ERROR, CW_JID_ERROR_FORBIDDEN_CHAR);
    }
}

/* Localpart characters that RFC 7622 allows, including a backslash. */
static void
test_parse_allowed_local (void)
{
  assert_parts ("a.b-c_d+e=f!#$%*?^`{|}~@x.example", "a.b-c_d+e=f!#$%*?^`{|}~", "x.example",
                NULL, "a.b-c_d+e=f!#$%*?^`{|}~@x.example");
  assert_parts ("juliet\\40capulet@gateway.example", "juliet\\40capulet", "gateway.example",
                NULL, "juliet\\40capulet@gateway.example");
}

static void
test_rejects_control_chars (void)
{
  for (gunichar c = 1; c <= 0x7f; c = (c == 0x1f ? 0x7f : c + 1))
    {
      gchar ch[2] = { (gchar) c, '\0' };
      g_autofree gchar *in_local = g_strconcat ("a", ch, "b@x.example", NULL);
      g_autofree gchar *in_domain = g_strconcat ("a@x", ch, "y.example", NULL);
      g_autofree gchar *in_resource = g_strconcat ("a@x.example/r", ch, NULL);

      assert_rejected (in_local, CW_JID_ERROR_FORBIDDEN_CHAR);
      assert_rejected (in_domain, CW_JID_ERROR_FORBIDDEN_CHAR);
      assert_rejected (in_resource, CW_JID_ERROR_FORBIDDEN_CHAR);
    }
  /* C1 controls are Cc too. */
  assert_rejected ("a@x.example/r\xc2\x85", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_rejected ("a\xc2\x9f@x.example", CW_JID_ERROR_FORBIDDEN_CHAR);
}

static void
test_rejects_invalid_utf8 (void)
{
  const gchar *bad[] = {
    "\xff",              /* never valid */
    "\xc3",              /* truncated */
    "\xc0\xaf",          /* overlong '/' */
    "\xe0\x80\xaf",      /* overlong '/', 3 bytes */
    "\xf0\x80\x80\xaf",  /* overlong '/', 4 bytes */
    "\xed\xa0\x80",      /* UTF-16 surrogate */
    "\xf4\x90\x80\x80",  /* above U+10FFFF */
    "\x80",              /* lone continuation byte */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *in_local = g_strconcat ("a", bad[i], "@x.example", NULL);
      g_autofree gchar *in_domain = g_strconcat ("a@x", bad[i], ".example", NULL);
      g_autofree gchar *in_resource = g_strconcat ("a@x.example/r", bad[i], NULL);

      assert_rejected (in_local, CW_JID_ERROR_INVALID_UTF8);
      assert_rejected (in_domain, CW_JID_ERROR_INVALID_UTF8);
      assert_rejected (in_resource, CW_JID_ERROR_INVALID_UTF8);
    }
}

static void
test_rejects_bad_domain (void)
{
  g_autofree gchar *long_label = repeat ("a", 64);
  g_autofree gchar *long_label_jid = g_strconcat ("a@", long_label, ".example", NULL);
  const gchar *cases[] = {
    "a@x y.example", "a@x_y.example", "a@-x.example", "a@x-.example", "a@x..example",
    "a@.x.example", "a@x\\y", "a@x\"y", "a@x<y>", "a@x:5222",
    "a@xn--zz.example",   /* not valid Punycode */
    "a@xn--.example",     /* empty A-label */
    "a@xn--7ba.example",  /* decodes to upper-case Ä, which IDNA maps away */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i], CW_JID_ERROR_INVALID_DOMAIN);
  assert_rejected (long_label_jid, CW_JID_ERROR_INVALID_DOMAIN);
}

static void
test_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwJid) jid = cw_jid_new ("Juliet", "Capulet.Example.", "Balcony", &error);
  g_autoptr (CwJid) domain = cw_jid_new (NULL, "capulet.example", NULL, &error);
  g_autoptr (CwJid) empty = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cw_jid_to_string (jid), ==, "juliet@capulet.example/Balcony");
  g_assert_cmpstr (cw_jid_to_string (domain), ==, "capulet.example");
  g_assert_null (cw_jid_get_local (domain));

  empty = cw_jid_new ("", "capulet.example", NULL, &error);
  g_assert_null (empty);
  g_assert_error (error, CW_JID_ERROR, CW_JID_ERROR_EMPTY_PART);
}

static void
test_bare (void)
{
  g_autoptr (CwJid) full = cw_jid_parse ("Juliet@Capulet.example/Balcony", NULL);
  g_autoptr (CwJid) bare = cw_jid_get_bare (full);
  g_autoptr (CwJid) bare_of_bare = cw_jid_get_bare (bare);
  g_autoptr (CwJid) domain = cw_jid_parse ("capulet.example/r", NULL);
  g_autoptr (CwJid) domain_bare = cw_jid_get_bare (domain);

  g_assert_false (cw_jid_is_bare (full));
  g_assert_true (cw_jid_is_bare (bare));
  g_assert_cmpstr (cw_jid_to_string (bare), ==, "juliet@capulet.example");
  g_assert_cmpstr (cw_jid_get_bare_string (full), ==, "juliet@capulet.example");
  g_assert_null (cw_jid_get_resource (bare));
  g_assert_true (bare_of_bare == bare);
  g_assert_false (cw_jid_equal (full, bare));
  g_assert_true (cw_jid_equal_bare (full, bare));
  g_assert_cmpstr (cw_jid_to_string (domain_bare), ==, "capulet.example");
}

static void
test_hash_table (void)
{
  g_autoptr (GHashTable) table = g_hash_table_new_full (cw_jid_hash, cw_jid_equal_func,
                                                         (GDestroyNotify) cw_jid_unref, NULL);
  g_autoptr (CwJid) lookup = cw_jid_parse ("JULIET@xn--bcher-kva.example/Phone", NULL);
  g_autoptr (CwJid) other = cw_jid_parse ("juliet@bücher.example/phone", NULL);

  g_hash_table_add (table, cw_jid_parse ("juliet@BÜCHER.example/Phone", NULL));
  g_assert_true (g_hash_table_contains (table, lookup));
  g_assert_false (g_hash_table_contains (table, other));
}

static void
test_normalize (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ok = cw_jid_normalize ("Romeo@Montague.Example./Orchard", &error);
  g_autofree gchar *bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ok, ==, "romeo@montague.example/Orchard");
  bad = cw_jid_normalize ("romeo@", &error);
  g_assert_null (bad);
  g_assert_error (error, CW_JID_ERROR, CW_JID_ERROR_EMPTY_PART);
}

static void
test_refcount (void)
{
  CwJid *jid = cw_jid_parse ("juliet@capulet.example", NULL);
  CwJid *ref = cw_jid_ref (jid);

  g_assert_true (ref == jid);
  cw_jid_unref (jid);
  /* Still alive through the second reference. */
  g_assert_cmpstr (cw_jid_to_string (ref), ==, "juliet@capulet.example");
  cw_jid_unref (ref);
}

static void
assert_escape (const gchar *raw, const gchar *escaped)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = cw_jid_escape_local (raw, &error);
  g_autofree gchar *back = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, escaped);
  back = cw_jid_unescape_local (got);
  g_assert_cmpstr (back, ==, raw);
}

static void
assert_unescape (const gchar *escaped, const gchar *raw)
{
  g_autofree gchar *got = cw_jid_unescape_local (escaped);

  g_assert_cmpstr (got, ==, raw);
}

/* XEP-0106 §5.1, the JID examples table. */
static void
test_escape_xep_table (void)
{
  const struct
  {
    const gchar *display;
    const gchar *escaped;
  } rows[] = {
    { "space cadet", "space\\20cadet" },
    { "call me \"ishmael\"", "call\\20me\\20\\22ishmael\\22" },
    { "at&t guy", "at\\26t\\20guy" },
    { "d'artagnan", "d\\27artagnan" },
    { "/.fanboy", "\\2f.fanboy" },
    { "::foo::", "\\3a\\3afoo\\3a\\3a" },
    { "<foo>", "\\3cfoo\\3e" },
    { "user@host", "user\\40host" },
    { "c:\\net", "c\\3a\\5cnet" },
    { "c:\\\\net", "c\\3a\\5c\\5cnet" },
    { "c:\\cool stuff", "c\\3a\\5ccool\\20stuff" },
    { "c:\\5commas", "c\\3a\\5c5commas" },
  };

  /* Every row unescapes to what the table displays. */
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    assert_unescape (rows[i].escaped, rows[i].display);

  /* Escaping reproduces rows 1-8 and 12. Rows 9-11 escape a backslash that
   * starts no escape sequence, which §4.1 rule 7 and §4.3 ("foo\bar is not
   * modified") forbid; we follow those rules, and the result still
   * unescapes to the displayed string. */
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (i < 8 || i == 11)
      assert_escape (rows[i].display, rows[i].escaped);
  assert_escape ("c:\\net", "c\\3a\\net");
  assert_escape ("c:\\\\net", "c\\3a\\\\net");
  assert_escape ("c:\\cool stuff", "c\\3a\\cool\\20stuff");
}

/* XEP-0106 §4.3: partial and unknown sequences are left alone both ways. */
static void
test_escape_exceptions (void)
{
  const gchar *unchanged[] = { "\\2plus\\2is\\4", "foo\\bar", "foob\\41r", "a\\2F", "a\\", "\\" };

  for (guint i = 0; i < G_N_ELEMENTS (unchanged); i++)
    {
      assert_escape (unchanged[i], unchanged[i]);
      assert_unescape (unchanged[i], unchanged[i]);
    }
}

/* XEP-0106 §4.1 rule 7 and the IMPS example: a backslash that starts a
 * valid sequence is escaped so the text survives unescaping. */
static void
test_escape_backslash_sequences (void)
{
  assert_escape ("\\3and\\2is\\5cool", "\\5c3and\\2is\\5c5cool");
  assert_escape ("a\\20b", "a\\5c20b");
  assert_escape ("\\5c", "\\5c5c");
  assert_escape ("\\40", "\\5c40");
  assert_unescape ("\\5c3and\\2is\\5c5cool", "\\3and\\2is\\5cool");
  assert_unescape ("tr\xc3\xa9ville\\40musketeers.lit", "tr\xc3\xa9ville@musketeers.lit");
  assert_escape ("here's_a_wild_&_/cr%zy/_address_for:<wv>(\"IMPS\")",
                 "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address_for\\3a\\3cwv\\3e(\\22IMPS\\22)");
}

/* The use that motivated this: a link-local name carried as a localpart. */
static void
test_escape_link_local (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *local = cw_jid_escape_local ("juliet@capulet", &error);
  g_autoptr (CwJid) jid = cw_jid_new (local, "gateway.example", NULL, &error);
  g_autofree gchar *shown = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cw_jid_to_string (jid), ==, "juliet\\40capulet@gateway.example");
  shown = cw_jid_unescape_local (cw_jid_get_local (jid));
  g_assert_cmpstr (shown, ==, "juliet@capulet");
}

static void
assert_escape_fails (const gchar *raw, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = cw_jid_escape_local (raw, &error);

  g_assert_null (got);
  g_assert_error (error, CW_JID_ERROR, code);
}

static void
test_escape_rejects (void)
{
  g_autofree gchar *ats = repeat ("@", 342);  /* 1026 bytes once escaped */

  /* \20 may not begin or end an escaped localpart (§4.1 rule 6). */
  assert_escape_fails (" juliet", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_escape_fails ("juliet ", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_escape_fails (" ", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_escape_fails ("", CW_JID_ERROR_EMPTY_PART);
  assert_escape_fails ("a\tb", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_escape_fails ("a\xc2\xa0" "b", CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_escape_fails ("a\xff", CW_JID_ERROR_INVALID_UTF8);
  assert_escape_fails (ats, CW_JID_ERROR_TOO_LONG);
}

/* Leading or trailing \20 is not a valid escape, so it is shown as typed. */
static void
test_unescape_edge_space (void)
{
  assert_unescape ("\\20juliet", "\\20juliet");
  assert_unescape ("juliet\\20", "juliet\\20");
  assert_unescape ("\\20", "\\20");
  assert_unescape ("\\20\\20x\\20\\20", "\\20 x \\20");
  assert_unescape ("a\\20b", "a b");
}

static void
assert_prep_local (const gchar *raw, const gchar *want, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = cw_jid_prep_localpart (raw, &error);

  g_assert_cmpstr (got, ==, want);
  if (want == NULL)
    g_assert_error (error, CW_JID_ERROR, code);
  else
    g_assert_no_error (error);
}

/* A username alone normalises as the localpart of a JID would. */
static void
test_prep_localpart (void)
{
  g_autofree gchar *long_name = repeat ("a", CW_JID_MAX_PART_LENGTH + 1);

  assert_prep_local ("Juliet", "juliet", 0);
  assert_prep_local ("STRASSE", "strasse", 0);
  assert_prep_local ("a,b=c", "a,b=c", 0);
  assert_prep_local ("e\xcc\x81", "\xc3\xa9", 0); /* NFC */
  assert_prep_local ("", NULL, CW_JID_ERROR_EMPTY_PART);
  assert_prep_local ("juliet@capulet", NULL, CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_prep_local ("jul iet", NULL, CW_JID_ERROR_FORBIDDEN_CHAR);
  assert_prep_local ("a\xff", NULL, CW_JID_ERROR_INVALID_UTF8);
  assert_prep_local (long_name, NULL, CW_JID_ERROR_TOO_LONG);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/common/jid/parse/bare", test_parse_bare);
  g_test_add_func ("/common/jid/parse/full", test_parse_full);
  g_test_add_func ("/common/jid/parse/domain-only", test_parse_domain_only);
  g_test_add_func ("/common/jid/parse/resource-separators", test_parse_resource_separators);
  g_test_add_func ("/common/jid/parse/allowed-local", test_parse_allowed_local);
  g_test_add_func ("/common/jid/parse/ip-literals", test_parse_ip_literals);
  g_test_add_func ("/common/jid/normalise/case", test_normalise_case);
  g_test_add_func ("/common/jid/normalise/unicode-local", test_normalise_unicode_local);
  g_test_add_func ("/common/jid/normalise/cherokee", test_normalise_cherokee);
  g_test_add_func ("/common/jid/normalise/idempotent", test_normalise_idempotent);
  g_test_add_func ("/common/jid/normalise/idn", test_normalise_idn);
  g_test_add_func ("/common/jid/normalise/trailing-dot", test_normalise_trailing_dot);
  g_test_add_func ("/common/jid/limits/local", test_limits_local);
  g_test_add_func ("/common/jid/limits/domain", test_limits_domain);
  g_test_add_func ("/common/jid/limits/resource", test_limits_resource);
  g_test_add_func ("/common/jid/limits/whole", test_limits_whole);
  g_test_add_func ("/common/jid/limits/after-normalisation", test_limits_after_normalisation);
  g_test_add_func ("/common/jid/limits/huge-input", test_limits_huge_input);
  g_test_add_func ("/common/jid/rejects/empty-parts", test_rejects_empty);
  g_test_add_func ("/common/jid/rejects/double-at", test_rejects_double_at);
  g_test_add_func ("/common/jid/rejects/forbidden-local", test_rejects_forbidden_local);
  g_test_add_func ("/common/jid/rejects/control-chars", test_rejects_control_chars);
  g_test_add_func ("/common/jid/rejects/invalid-utf8", test_rejects_invalid_utf8);
  g_test_add_func ("/common/jid/rejects/bad-domain", test_rejects_bad_domain);
  g_test_add_func ("/common/jid/new", test_new);
  g_test_add_func ("/common/jid/bare", test_bare);
  g_test_add_func ("/common/jid/hash-table", test_hash_table);
  g_test_add_func ("/common/jid/normalize", test_normalize);
  g_test_add_func ("/common/jid/refcount", test_refcount);
  g_test_add_func ("/common/jid/escape/xep-table", test_escape_xep_table);
  g_test_add_func ("/common/jid/escape/exceptions", test_escape_exceptions);
  g_test_add_func ("/common/jid/escape/backslash-sequences", test_escape_backslash_sequences);
  g_test_add_func ("/common/jid/escape/link-local", test_escape_link_local);
  g_test_add_func ("/common/jid/escape/rejects", test_escape_rejects);
  g_test_add_func ("/common/jid/unescape/edge-space", test_unescape_edge_space);
  g_test_add_func ("/common/jid/prep-localpart", test_prep_localpart);

  return g_test_run ();
}
