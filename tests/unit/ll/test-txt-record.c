/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwLlTxt, the XEP-0174 TXT record codec. */
#include "config.h"

#include <string.h>

#include "ll/txt-record.h"

#define FFFD "\357\277\275"

static GPtrArray *
strings_new_valist (const gchar *first, va_list args)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);

  for (const gchar *s = first; s != NULL; s = va_arg (args, const gchar *))
    g_ptr_array_add (a, g_bytes_new (s, strlen (s)));
  return a;
}

/* A TXT record from NULL-terminated C strings. */
static GPtrArray *
strings_new (const gchar *first, ...)
{
  GPtrArray *a;
  va_list args;

  va_start (args, first);
  a = strings_new_valist (first, args);
  va_end (args);
  return a;
}

static CwLlTxt *
decode (GPtrArray *strings)
{
  g_autoptr (GError) error = NULL;
  CwLlTxt *txt = cw_ll_txt_decode (strings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (txt);
  return txt;
}

static CwLlTxt *
decode_strings (const gchar *first, ...)
{
  g_autoptr (GPtrArray) strings = NULL;
  va_list args;

  va_start (args, first);
  strings = strings_new_valist (first, args);
  va_end (args);
  return decode (strings);
}

/* Decodes the C strings given as arguments. */
#define DECODE(...) decode_strings (__VA_ARGS__, NULL)

static gchar *
string_at (GPtrArray *strings, guint i)
{
  gsize len;
  const gchar *data = g_bytes_get_data (g_ptr_array_index (strings, i), &len);

  return g_strndup (data, len);
}

static void
assert_strings (GPtrArray *strings, const gchar *const *expected)
{
  guint n = g_strv_length ((gchar **)expected);

  for (guint i = 0; i < MIN (n, strings->len); i++)
    {
      g_autofree gchar *s = string_at (strings, i);

      g_assert_cmpstr (s, ==, expected[i]);
    }
  g_assert_cmpuint (strings->len, ==, n);
}

static CwLlTxt *
full_record (void)
{
  CwLlTxt *txt = cw_ll_txt_new ();

  txt->txtvers = 1;
  txt->port_p2pj = 5562;
  txt->status = CW_LL_STATUS_AWAY;
  txt->msg = g_strdup ("Hanging out downtown");
  txt->nick = g_strdup ("JuliC");
  txt->first = g_strdup ("Juliet");
  txt->last = g_strdup ("Capulet");
  txt->email = g_strdup ("juliet@capulet.lit");
  txt->jid = g_strdup ("juliet@capulet.lit");
  txt->node = g_strdup ("http://www.adiumx.com");
  txt->hash = g_strdup ("sha-1");
  txt->ver = g_strdup ("66/0NaeaBKkwk85efJTGmU47vXI=");
  txt->ext = g_strdup ("voice-v1");
  txt->phsh = g_strdup ("a3839614e1a382bcfebbcf20464f519e81770813");
  txt->vc = g_strdup ("CA!");
  return txt;
}

static void
test_encode_order (void)
{
  g_autoptr (CwLlTxt) txt = full_record ();
  g_autoptr (GPtrArray) strings = cw_ll_txt_encode (txt, TRUE);
  const gchar *const expected[] = { "txtvers=1",
                                    "port.p2pj=5562",
                                    "status=away",
                                    "msg=Hanging out downtown",
                                    "nick=JuliC",
                                    "1st=Juliet",
                                    "last=Capulet",
                                    "email=juliet@capulet.lit",
                                    "jid=juliet@capulet.lit",
                                    "node=http://www.adiumx.com",
                                    "hash=sha-1",
                                    "ver=66/0NaeaBKkwk85efJTGmU47vXI=",
                                    "ext=voice-v1",
                                    "phsh=a3839614e1a382bcfebbcf20464f519e81770813",
                                    "vc=CA!",
                                    NULL };

  assert_strings (strings, expected);
}

static void
test_encode_minimal (void)
{
  g_autoptr (CwLlTxt) txt = cw_ll_txt_new ();
  g_autoptr (GPtrArray) strings = NULL;
  const gchar *const expected[] = { "txtvers=1", "status=dnd", NULL };

  /* Empty strings are left out like absent ones; txtvers is always 1. */
  txt->txtvers = 7;
  txt->status = CW_LL_STATUS_DND;
  txt->msg = g_strdup ("");
  txt->nick = g_strdup ("");
  strings = cw_ll_txt_encode (txt, TRUE);
  assert_strings (strings, expected);
}

static void
test_encode_private (void)
{
  g_autoptr (CwLlTxt) txt = full_record ();
  g_autoptr (GPtrArray) strings = cw_ll_txt_encode (txt, FALSE);
  g_autoptr (CwLlTxt) back = decode (strings);

  g_assert_null (back->first);
  g_assert_null (back->last);
  g_assert_null (back->email);
  g_assert_null (back->jid);
  g_assert_cmpstr (back->nick, ==, "JuliC");
  g_assert_cmpstr (back->msg, ==, "Hanging out downtown");
  g_assert_cmpstr (back->ver, ==, txt->ver);
  g_assert_cmpuint (strings->len, ==, 11);
}

/* Every string fits, is valid UTF-8 and is no shorter than it must be. */
static void
check_truncated (const gchar *unit, gsize unit_len)
{
  g_autoptr (CwLlTxt) txt = cw_ll_txt_new ();
  g_autoptr (GString) msg = g_string_new (NULL);
  g_autoptr (GPtrArray) strings = NULL;
  g_autofree gchar *s = NULL;
  gsize room = 255 - strlen ("msg=");

  while (msg->len < 400)
    g_string_append (msg, unit);
  txt->msg = g_strdup (msg->str);
  strings = cw_ll_txt_encode (txt, TRUE);
  s = string_at (strings, 2);
  g_assert_true (g_str_has_prefix (s, "msg="));
  g_assert_cmpuint (strlen (s), <=, 255);
  g_assert_true (g_utf8_validate (s, -1, NULL));
  g_assert_true (g_str_has_prefix (msg->str, s + 4));
  /* Cut at the last whole character that fits. */
  g_assert_cmpuint (strlen (s + 4), ==, room - room % unit_len);
}

static void
test_encode_truncates_utf8 (void)
{
  check_truncated ("a", 1);
  check_truncated ("\xc3\xa9", 2);         /* é */
  check_truncated ("\xe2\x82\xac", 3);     /* € */
  check_truncated ("\xf0\x9f\x90\xb1", 4); /* 🐱 */
}

static void
test_encode_long_identifier_left_out (void)
{
  g_autoptr (CwLlTxt) txt = cw_ll_txt_new ();
  g_autoptr (GPtrArray) strings = NULL;
  g_autoptr (CwLlTxt) back = NULL;

  txt->jid = g_strnfill (300, 'j');
  txt->node = g_strnfill (250, 'n'); /* "node=" + 250 = 255: fits exactly */
  strings = cw_ll_txt_encode (txt, TRUE);
  back = decode (strings);
  g_assert_null (back->jid);
  g_assert_cmpstr (back->node, ==, txt->node);
}

static void
test_encode_cleans_text (void)
{
  g_autoptr (CwLlTxt) txt = cw_ll_txt_new ();
  g_autoptr (GPtrArray) strings = NULL;
  g_autofree gchar *msg = NULL;

  txt->msg = g_strdup ("line one\nline\ttwo\033[2J");
  txt->jid = g_strdup ("bad\x01jid@example");
  strings = cw_ll_txt_encode (txt, TRUE);
  g_assert_cmpuint (strings->len, ==, 3);
  msg = string_at (strings, 2);
  g_assert_cmpstr (msg, ==, "msg=line one line two" FFFD "[2J");
}

static void
test_round_trip (void)
{
  g_autoptr (CwLlTxt) txt = full_record ();
  g_autoptr (GPtrArray) strings = cw_ll_txt_encode (txt, TRUE);
  g_autoptr (CwLlTxt) back = decode (strings);

  g_assert_true (cw_ll_txt_equal (txt, back));
}

/* Shaped like what Pidgin's Bonjour plugin publishes. */
static void
test_decode_pidgin (void)
{
  g_autoptr (CwLlTxt) txt = DECODE ("txtvers=1", "1st=Romeo", "last=Montague", "port.p2pj=5298",
                                    "status=avail", "msg=", "node=http://pidgin.im/", "hash=sha-1",
                                    "ver=VUFD6HcFmUT2NxJkBGCiKlZnS3M=", "vc=!");

  g_assert_cmpuint (txt->txtvers, ==, 1);
  g_assert_cmpstr (txt->first, ==, "Romeo");
  g_assert_cmpstr (txt->last, ==, "Montague");
  g_assert_cmpuint (txt->port_p2pj, ==, 5298);
  g_assert_cmpint (txt->status, ==, CW_LL_STATUS_AVAIL);
  g_assert_null (txt->msg);
  g_assert_cmpstr (txt->node, ==, "http://pidgin.im/");
  g_assert_cmpstr (txt->hash, ==, "sha-1");
  g_assert_cmpstr (txt->ver, ==, "VUFD6HcFmUT2NxJkBGCiKlZnS3M=");
  g_assert_cmpstr (txt->vc, ==, "!");
  g_assert_null (txt->nick);
  g_assert_null (txt->jid);
}

static void
test_decode_empty (void)
{
  g_autoptr (CwLlTxt) none = cw_ll_txt_new ();
  g_autoptr (GPtrArray) empty = g_ptr_array_new ();
  g_autoptr (CwLlTxt) a = decode (NULL);
  g_autoptr (CwLlTxt) b = decode (empty);
  g_autoptr (CwLlTxt) c = DECODE ("");

  /* XEP-0174: a peer without TXT data still works, as available. */
  g_assert_true (cw_ll_txt_equal (a, none));
  g_assert_true (cw_ll_txt_equal (b, none));
  g_assert_true (cw_ll_txt_equal (c, none));
  g_assert_cmpint (a->status, ==, CW_LL_STATUS_AVAIL);
  g_assert_cmpuint (a->txtvers, ==, 0);
}

static void
test_decode_null_entry (void)
{
  g_autoptr (GPtrArray) s = strings_new ("nick=a", NULL);
  g_autoptr (CwLlTxt) txt = NULL;

  g_ptr_array_insert (s, 0, NULL);
  txt = decode (s);
  g_assert_cmpstr (txt->nick, ==, "a");
}

static void
test_decode_keys_case_insensitive (void)
{
  g_autoptr (CwLlTxt) txt = DECODE ("MSG=hi", "Status=AWAY", "PORT.P2PJ=1", "TxtVers=1");

  g_assert_cmpstr (txt->msg, ==, "hi");
  g_assert_cmpint (txt->status, ==, CW_LL_STATUS_AWAY);
  g_assert_cmpuint (txt->port_p2pj, ==, 1);
  g_assert_cmpuint (txt->txtvers, ==, 1);
}

static void
test_decode_first_wins (void)
{
  g_autoptr (CwLlTxt) a = DECODE ("msg=first", "msg=second", "MSG=third");
  /* The first occurrence wins even when it carries no usable value. */
  g_autoptr (CwLlTxt) b = DECODE ("msg", "msg=second");
  g_autoptr (CwLlTxt) c = DECODE ("jid=\xff", "jid=juliet@capulet");
  g_autoptr (CwLlTxt) d = DECODE ("status=dnd", "status=away");
  g_autoptr (CwLlTxt) e = DECODE ("port.p2pj=x", "port.p2pj=5298");

  g_assert_cmpstr (a->msg, ==, "first");
  g_assert_null (b->msg);
  g_assert_null (c->jid);
  g_assert_cmpint (d->status, ==, CW_LL_STATUS_DND);
  g_assert_cmpuint (e->port_p2pj, ==, 0);
}

static void
test_decode_boolean_and_empty (void)
{
  g_autoptr (CwLlTxt) txt = DECODE ("nick", "msg=", "status", "txtvers", "1st==", "last=a=b");

  g_assert_null (txt->nick);
  g_assert_null (txt->msg);
  g_assert_cmpint (txt->status, ==, CW_LL_STATUS_AVAIL);
  g_assert_cmpuint (txt->txtvers, ==, 0);
  /* Only the first '=' separates: the rest is value. */
  g_assert_cmpstr (txt->first, ==, "=");
  g_assert_cmpstr (txt->last, ==, "a=b");
}

static void
test_decode_bad_keys (void)
{
  g_autoptr (GPtrArray) s
    = strings_new ("=msg", "\x01nick=ctl", "m\xc3\xa9g=x", "ms g=x", "msg =x", "nick=ok", NULL);
  g_autoptr (CwLlTxt) txt = NULL;

  /* A key with a NUL in it is not "nick". */
  g_ptr_array_insert (s, 0, g_bytes_new ("nick\0x=evil", 11));
  txt = decode (s);
  g_assert_null (txt->msg);
  g_assert_cmpstr (txt->nick, ==, "ok");
}

static void
test_decode_oversized (void)
{
  g_autoptr (GString) big = g_string_new ("msg=");
  g_autoptr (GString) limit = g_string_new ("nick=");
  g_autoptr (GPtrArray) s = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr (CwLlTxt) txt = NULL;

  /* Longer than DNS can carry: not a TXT string, so not an occurrence. */
  while (big->len < 256)
    g_string_append_c (big, 'x');
  /* Exactly 255 bytes is fine. */
  while (limit->len < 255)
    g_string_append_c (limit, 'y');
  g_ptr_array_add (s, g_bytes_new (big->str, big->len));
  g_ptr_array_add (s, g_bytes_new_static ("msg=short", 9));
  g_ptr_array_add (s, g_bytes_new (limit->str, limit->len));
  txt = decode (s);
  g_assert_cmpstr (txt->msg, ==, "short");
  g_assert_cmpstr (txt->nick, ==, limit->str + 5);
}

static void
test_decode_repairs_text (void)
{
  g_autoptr (GPtrArray) s
    = strings_new ("msg=caf\xe9 ok", "1st=Ju\033[31mliet", "last=\xed\xa0\x80x" /* a surrogate */,
                   "nick=\xf0\x9f\x90", NULL);
  g_autoptr (CwLlTxt) txt = NULL;

  g_ptr_array_add (s, g_bytes_new ("email=x@y", 9));
  g_ptr_array_insert (s, 0, g_bytes_new ("MSG=a\0b", 7));
  txt = decode (s);
  g_assert_cmpstr (txt->msg, ==, "a" FFFD "b");
  g_assert_cmpstr (txt->first, ==, "Ju" FFFD "[31mliet");
  g_assert_cmpstr (txt->last, ==, FFFD FFFD FFFD "x");
  /* A truncated 4-byte sequence: one replacement per byte. */
  g_assert_cmpstr (txt->nick, ==, FFFD FFFD FFFD);
  g_assert_cmpstr (txt->email, ==, "x@y");
}

static void
test_decode_latin1_text (void)
{
  g_autoptr (CwLlTxt) txt = DECODE ("msg=caf\xe9 ok", "nick=L\xe9on\r\n");

  g_assert_cmpstr (txt->msg, ==, "caf" FFFD " ok");
  g_assert_cmpstr (txt->nick, ==, "L" FFFD "on  ");
}

static void
test_decode_drops_bad_identifiers (void)
{
  g_autoptr (GPtrArray) s
    = strings_new ("jid=\xffjuliet@capulet", "email=a\tb@c", "ver=\xc2\x85" /* NEL, a C1 control */,
                   "hash=sha-1", NULL);
  g_autoptr (CwLlTxt) txt = NULL;

  g_ptr_array_add (s, g_bytes_new ("node=http://x\0y", 15));
  txt = decode (s);
  g_assert_null (txt->jid);
  g_assert_null (txt->email);
  g_assert_null (txt->ver);
  g_assert_null (txt->node);
  g_assert_cmpstr (txt->hash, ==, "sha-1");
}

static void
test_decode_utf8_identifier (void)
{
  g_autoptr (CwLlTxt) txt = DECODE ("jid=j\xc3\xbcliet@capulet.lit", "nick=\xce\xa8");

  g_assert_cmpstr (txt->jid, ==, "j\xc3\xbcliet@capulet.lit");
  g_assert_cmpstr (txt->nick, ==, "\xce\xa8");
}

static guint
decode_port (const gchar *value)
{
  g_autofree gchar *s = g_strconcat ("port.p2pj=", value, NULL);
  g_autoptr (CwLlTxt) txt = DECODE (s);

  return txt->port_p2pj;
}

static void
test_decode_port (void)
{
  g_assert_cmpuint (decode_port ("5298"), ==, 5298);
  g_assert_cmpuint (decode_port ("05298"), ==, 5298);
  g_assert_cmpuint (decode_port ("1"), ==, 1);
  g_assert_cmpuint (decode_port ("65535"), ==, 65535);
  g_assert_cmpuint (decode_port ("65536"), ==, 0);
  g_assert_cmpuint (decode_port ("0"), ==, 0);
  g_assert_cmpuint (decode_port ("-1"), ==, 0);
  g_assert_cmpuint (decode_port ("+5298"), ==, 0);
  g_assert_cmpuint (decode_port (" 5298"), ==, 0);
  g_assert_cmpuint (decode_port ("5298 "), ==, 0);
  g_assert_cmpuint (decode_port ("0x14b2"), ==, 0);
  g_assert_cmpuint (decode_port ("5298abc"), ==, 0);
  g_assert_cmpuint (decode_port ("99999999999999999999999"), ==, 0);
  g_assert_cmpuint (decode_port ("\xd9\xa5"), ==, 0); /* Arabic-Indic five */
}

static void
test_decode_status (void)
{
  struct
  {
    const gchar *in;
    CwLlStatus out;
  } cases[] = {
    { "status=avail", CW_LL_STATUS_AVAIL }, { "status=away", CW_LL_STATUS_AWAY },
    { "status=dnd", CW_LL_STATUS_DND },     { "status=DND", CW_LL_STATUS_DND },
    { "status=xa", CW_LL_STATUS_AVAIL },    { "status=away ", CW_LL_STATUS_AVAIL },
    { "status=", CW_LL_STATUS_AVAIL },      { "msg=no status", CW_LL_STATUS_AVAIL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwLlTxt) txt = DECODE (cases[i].in);

      g_assert_cmpint (txt->status, ==, cases[i].out);
    }
  g_assert_cmpstr (cw_ll_status_to_string (CW_LL_STATUS_AWAY), ==, "away");
  g_assert_cmpint (cw_ll_status_from_string ("dnd"), ==, CW_LL_STATUS_DND);
  g_assert_cmpint (cw_ll_status_from_string (NULL), ==, CW_LL_STATUS_AVAIL);
}

static void
test_decode_txtvers (void)
{
  g_autoptr (CwLlTxt) one = DECODE ("txtvers=1");
  g_autoptr (CwLlTxt) two = DECODE ("txtvers=2", "msg=still read");
  g_autoptr (CwLlTxt) junk = DECODE ("txtvers=one");

  g_assert_cmpuint (one->txtvers, ==, 1);
  g_assert_cmpuint (two->txtvers, ==, 2);
  g_assert_cmpstr (two->msg, ==, "still read");
  g_assert_cmpuint (junk->txtvers, ==, 0);
}

static void
test_equal_copy_free (void)
{
  g_autoptr (CwLlTxt) a = full_record ();
  g_autoptr (CwLlTxt) b = cw_ll_txt_copy (a);

  g_assert_true (cw_ll_txt_equal (a, b));
  g_assert_true (a->msg != b->msg);
  g_free (b->vc);
  b->vc = NULL;
  g_assert_false (cw_ll_txt_equal (a, b));
  b->vc = g_strdup ("CA!");
  b->status = CW_LL_STATUS_AVAIL;
  g_assert_false (cw_ll_txt_equal (a, b));
  b->status = a->status;
  b->port_p2pj = 1;
  g_assert_false (cw_ll_txt_equal (a, b));
  g_assert_true (cw_ll_txt_equal (NULL, NULL));
  g_assert_false (cw_ll_txt_equal (a, NULL));
  cw_ll_txt_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ll/txt/encode/order", test_encode_order);
  g_test_add_func ("/ll/txt/encode/minimal", test_encode_minimal);
  g_test_add_func ("/ll/txt/encode/private", test_encode_private);
  g_test_add_func ("/ll/txt/encode/truncates-utf8", test_encode_truncates_utf8);
  g_test_add_func ("/ll/txt/encode/long-identifier-left-out", test_encode_long_identifier_left_out);
  g_test_add_func ("/ll/txt/encode/cleans-text", test_encode_cleans_text);
  g_test_add_func ("/ll/txt/round-trip", test_round_trip);
  g_test_add_func ("/ll/txt/decode/pidgin", test_decode_pidgin);
  g_test_add_func ("/ll/txt/decode/empty", test_decode_empty);
  g_test_add_func ("/ll/txt/decode/null-entry", test_decode_null_entry);
  g_test_add_func ("/ll/txt/decode/keys-case-insensitive", test_decode_keys_case_insensitive);
  g_test_add_func ("/ll/txt/decode/first-wins", test_decode_first_wins);
  g_test_add_func ("/ll/txt/decode/boolean-and-empty", test_decode_boolean_and_empty);
  g_test_add_func ("/ll/txt/decode/bad-keys", test_decode_bad_keys);
  g_test_add_func ("/ll/txt/decode/oversized", test_decode_oversized);
  g_test_add_func ("/ll/txt/decode/repairs-text", test_decode_repairs_text);
  g_test_add_func ("/ll/txt/decode/latin1-text", test_decode_latin1_text);
  g_test_add_func ("/ll/txt/decode/drops-bad-identifiers", test_decode_drops_bad_identifiers);
  g_test_add_func ("/ll/txt/decode/utf8-identifier", test_decode_utf8_identifier);
  g_test_add_func ("/ll/txt/decode/port", test_decode_port);
  g_test_add_func ("/ll/txt/decode/status", test_decode_status);
  g_test_add_func ("/ll/txt/decode/txtvers", test_decode_txtvers);
  g_test_add_func ("/ll/txt/equal-copy-free", test_equal_copy_free);
  return g_test_run ();
}
