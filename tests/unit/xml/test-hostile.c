/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hostile input for CwReader: each refused with the right stream error. */
#include "config.h"

#include <string.h>

#include "common/xmpp-error.h"
#include "xml/reader.h"

#define HEADER \
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
  "xmlns:stream='http://etherx.jabber.org/streams' to='example.net' version='1.0'>"

typedef struct
{
  const gchar *path;
  const gchar *input;  /* fed after HEADER unless no_header */
  gsize len;           /* 0 = strlen */
  gboolean no_header;
  CwStreamError expected;
} HostileCase;

/* Feeds @data in @chunk-sized pieces; returns the first error. */
static GError *
feed_all (CwReader *r, const gchar *data, gsize len, gsize chunk)
{
  GError *error = NULL;

  for (gsize pos = 0; pos < len; pos += chunk)
    if (!cw_reader_feed (r, data + pos, MIN (chunk, len - pos), &error))
      return error;
  return NULL;
}

static void
check_refused (const gchar *data, gsize len, gboolean no_header, gsize chunk, CwStreamError expected)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autoptr (GError) error = NULL;

  if (!no_header)
    g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  error = feed_all (r, data, len, chunk);
  g_assert_nonnull (error);
  if (!g_error_matches (error, CW_STREAM_ERROR, (gint) expected))
    g_error ("expected %s, got %s: %s", cw_stream_error_to_name (expected),
             error->domain == CW_STREAM_ERROR ? cw_stream_error_to_name (error->code) : "?",
             error->message);
}

static void
run_case (gconstpointer data)
{
  const HostileCase *c = data;
  gsize len = c->len != 0 ? c->len : strlen (c->input);

  /* Whole, then a byte at a time: the verdict must not depend on chunking. */
  check_refused (c->input, len, c->no_header, len, c->expected);
  check_refused (c->input, len, c->no_header, 1, c->expected);
}

static const HostileCase cases[] = {
  { "/xml/hostile/billion-laughs",
    "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
    "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<message><body>&lol3;</body></message>",
    0, TRUE, CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/xxe",
    "<!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<message><body>&xxe;</body></message>",
    0, TRUE, CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/undeclared-entity", "<message><body>&nbsp;</body></message>", 0, FALSE,
    CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/processing-instruction", "<?evil data?><message/>", 0, FALSE,
    CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/pi-inside-stanza", "<message><?evil?></message>", 0, FALSE,
    CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/comment", "<message><!-- hi --><body/></message>", 0, FALSE,
    CW_STREAM_ERROR_RESTRICTED_XML },
  { "/xml/hostile/invalid-utf8", "<message><body>\xc3\x28</body></message>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/overlong-utf8", "<message><body>\xc0\xaf</body></message>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/surrogate-utf8", "<message><body>\xed\xa0\x80</body></message>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/nul-byte", "<message><body>a\0b</body></message>", 32, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/control-char-ref", "<message><body>&#1;</body></message>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/unbound-prefix", "<message><x:body>hi</x:body></message>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/redefined-stream-namespace",
    "<stream:stream xmlns='jabber:client' xmlns:stream='urn:not-streams'>", 0, TRUE,
    CW_STREAM_ERROR_INVALID_NAMESPACE },
  { "/xml/hostile/stream-prefix-rebound-in-stanza",
    "<message xmlns:stream='urn:evil'><stream:error/></message>", 0, FALSE,
    CW_STREAM_ERROR_INVALID_NAMESPACE },
  { "/xml/hostile/wrong-stream-prefix",
    "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>", 0, TRUE,
    CW_STREAM_ERROR_BAD_NAMESPACE_PREFIX },
  { "/xml/hostile/stanza-before-header", "<message to='a@b'><body>x</body></message>", 0, TRUE,
    CW_STREAM_ERROR_INVALID_NAMESPACE },
  { "/xml/hostile/text-at-depth-1", "<message/>hello<presence/>", 0, FALSE,
    CW_STREAM_ERROR_BAD_FORMAT },
  { "/xml/hostile/second-root",
    "</stream:stream><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>",
    0, FALSE, CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/mismatched-tags", "<message><body></message></body>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/duplicate-attribute", "<message to='a' to='b'/>", 0, FALSE,
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "/xml/hostile/latin1-declared",
    "<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>",
    0, TRUE, CW_STREAM_ERROR_UNSUPPORTED_ENCODING },
};

/* 10,000 nested elements: refused at the depth limit, long before the end. */
static void
test_deep_nesting (void)
{
  GString *s = g_string_new ("<message>");

  for (guint i = 0; i < 10000; i++)
    g_string_append (s, "<a>");
  check_refused (s->str, s->len, FALSE, s->len, CW_STREAM_ERROR_POLICY_VIOLATION);
  check_refused (s->str, s->len, FALSE, 7, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_string_free (s, TRUE);
}

/* A 10 MB stanza fed in 4 KiB chunks is refused once it passes the limit:
 * the reader must fail within the first limit's worth of bytes. */
static void
test_huge_stanza (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autofree gchar *chunk = g_strnfill (4096, 'x');
  g_autoptr (GError) error = NULL;
  gsize fed = 0;

  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (r, "<message><body>", 15, NULL));
  while (fed < 10 * 1000 * 1000 && cw_reader_feed (r, chunk, 4096, &error))
    fed += 4096;
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_assert_cmpuint (fed, <=, CW_READER_DEFAULT_MAX_STANZA_SIZE);
}

/* The same for one enormous start tag (nothing for expat to emit). */
static void
test_huge_tag (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autofree gchar *chunk = g_strnfill (4096, 'a');
  g_autoptr (GError) error = NULL;
  gsize fed = 0;

  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (r, "<message to='", 13, NULL));
  while (fed < 10 * 1000 * 1000 && cw_reader_feed (r, chunk, 4096, &error))
    fed += 4096;
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_assert_cmpuint (fed, <=, CW_READER_DEFAULT_MAX_STANZA_SIZE);
}

static void
test_many_attributes (void)
{
  GString *s = g_string_new ("<message");

  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (s, " a%u=''", i);
  g_string_append (s, "/>");
  check_refused (s->str, s->len, FALSE, s->len, CW_STREAM_ERROR_POLICY_VIOLATION);
  check_refused (s->str, s->len, FALSE, 1024, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_string_free (s, TRUE);

  /* Within the size limit but over the attribute limit. */
  s = g_string_new ("<message");
  for (guint i = 0; i < 65; i++)
    g_string_append_printf (s, " a%u=''", i);
  g_string_append (s, "/>");
  check_refused (s->str, s->len, FALSE, s->len, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_string_free (s, TRUE);
}

/* Refusing one stream does not disturb another reader. */
static void
test_isolation (void)
{
  g_autoptr (CwReader) good = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autoptr (CwReader) bad = cw_reader_new (CW_READER_MODE_STREAM, NULL);

  g_assert_true (cw_reader_feed (good, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (bad, HEADER, strlen (HEADER), NULL));
  g_assert_false (cw_reader_feed (bad, "<!-- x -->", 10, NULL));
  g_assert_true (cw_reader_feed (good, "<presence/>", 11, NULL));
  g_assert_cmpint (cw_reader_pop (good, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (good, NULL), ==, CW_READER_EVENT_STANZA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], run_case);
  g_test_add_func ("/xml/hostile/deep-nesting-10000", test_deep_nesting);
  g_test_add_func ("/xml/hostile/stanza-10mb", test_huge_stanza);
  g_test_add_func ("/xml/hostile/start-tag-10mb", test_huge_tag);
  g_test_add_func ("/xml/hostile/attributes-100000", test_many_attributes);
  g_test_add_func ("/xml/hostile/isolation", test_isolation);
  return g_test_run ();
}
