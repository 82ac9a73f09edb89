/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwReader: stream events, chunking, namespaces, limits. */
#include "config.h"

#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "xml/reader.h"
#include "xml/writer.h"

#define HEADER \
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
  "xmlns:stream='http://etherx.jabber.org/streams' from='juliet@capulet' " \
  "to='romeo@montague' version='1.0' xml:lang='en'>"

static const gchar *stream_doc =
  HEADER
  "<message type='chat' to='romeo@montague' id='m1'><body>Wherefore &amp; why?</body>"
  "<active xmlns='http://jabber.org/protocol/chatstates'/></message>\n  "
  "<iq type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
  "<presence><show>away</show><status>caf\xc3\xa9 \xe2\x98\x95</status></presence>"
  "</stream:stream>";

/* Feeds @doc in chunks of @chunk bytes (0 = random sizes) and returns the
 * events as a printable transcript. */
static gchar *
transcript (const gchar *doc, gsize chunk, GError **error)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  GString *out = g_string_new (NULL);
  gsize len = strlen (doc), pos = 0;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  gboolean ok = TRUE;

  while (pos < len && ok)
    {
      gsize n = chunk != 0 ? chunk : (gsize) g_rand_int_range (rand, 1, 97);
      CwElement *el;
      CwReaderEventType type;

      n = MIN (n, len - pos);
      ok = cw_reader_feed (r, doc + pos, n, error);
      pos += n;
      while ((type = cw_reader_pop (r, &el)) != CW_READER_EVENT_NONE)
        {
          g_string_append_printf (out, "%d:", type);
          if (el != NULL)
            {
              cw_writer_append_element (out, el);
              cw_element_unref (el);
            }
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

static void
test_events_whole (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *t = transcript (stream_doc, 1 << 20, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (t, ==,
                   "1:<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                   "from='juliet@capulet' to='romeo@montague' version='1.0' xml:lang='en'/>\n"
                   "2:<message xmlns='jabber:client' type='chat' to='romeo@montague' id='m1'>"
                   "<body>Wherefore &amp; why?</body>"
                   "<active xmlns='http://jabber.org/protocol/chatstates'/></message>\n"
                   "2:<iq xmlns='jabber:client' type='get' id='d1'>"
                   "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>\n"
                   "2:<presence xmlns='jabber:client'><show>away</show>"
                   "<status>caf\xc3\xa9 \xe2\x98\x95</status></presence>\n"
                   "3:\n");
}

static void
test_events_chunked (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *whole = transcript (stream_doc, 1 << 20, &error);
  gsize sizes[] = { 1, 2, 3, 7, 64, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree gchar *t = transcript (stream_doc, sizes[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (t, ==, whole);
    }
}

/* Each stanza must come out as soon as its last byte is in, even when fed
 * a byte at a time (interactive peers wait for answers). */
static void
test_prompt_delivery (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  const gchar *stanza = "<message to='a@b'><body>hi</body></message>";
  CwElement *el = NULL;

  for (const gchar *p = HEADER; *p; p++)
    g_assert_true (cw_reader_feed (r, p, 1, NULL));
  g_assert_cmpint (cw_reader_pop (r, &el), ==, CW_READER_EVENT_STREAM_OPEN);
  g_clear_pointer (&el, cw_element_unref);
  for (const gchar *p = stanza; *p; p++)
    {
      g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_NONE);
      g_assert_true (cw_reader_feed (r, p, 1, NULL));
    }
  g_assert_cmpint (cw_reader_pop (r, &el), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpstr (cw_element_get_child_text (el, "body", NULL), ==, "hi");
  cw_element_unref (el);
  g_assert_true (cw_reader_feed (r, "</stream:stream>", 16, NULL));
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_CLOSE);
}

static void
test_header (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autoptr (CwElement) h = NULL;

  g_assert_null (cw_reader_get_stream_default_ns (r));
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_cmpint (cw_reader_pop (r, &h), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_true (cw_element_is (h, "stream", CW_NS_STREAM));
  g_assert_cmpstr (cw_element_get_attr (h, "from"), ==, "juliet@capulet");
  g_assert_cmpstr (cw_element_get_attr (h, "version"), ==, "1.0");
  g_assert_cmpstr (cw_element_get_attr_ns (h, "lang", CW_NS_XML), ==, "en");
  g_assert_null (cw_element_get_attr (h, "lang"));
  g_assert_null (h->first_child);
  g_assert_cmpstr (cw_reader_get_stream_default_ns (r), ==, CW_NS_CLIENT);
}

/* Prefixes are resolved: the same element spelled three ways is equal. */
static void
test_namespaces (void)
{
  const gchar *doc = HEADER
    "<iq type='result'><q:query xmlns:q='jabber:iq:roster'><q:item jid='a@b'/></q:query></iq>"
    "<iq type='result'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>"
    "<c:iq xmlns:c='jabber:client' type='result'><query xmlns='jabber:iq:roster'>"
    "<item jid='a@b'/></query></c:iq>"
    "<x xmlns='urn:x' xmlns:p='urn:p' p:attr='v'/>";
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  CwElement *els[4];

  g_assert_true (cw_reader_feed (r, doc, strlen (doc), NULL));
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (cw_reader_pop (r, &els[i]), ==, CW_READER_EVENT_STANZA);
  g_assert_true (cw_element_is (els[0], "iq", CW_NS_CLIENT));
  g_assert_nonnull (cw_element_get_child (els[0], "query", CW_NS_ROSTER));
  g_assert_true (cw_element_equal (els[0], els[1]));
  g_assert_true (cw_element_equal (els[1], els[2]));
  g_assert_cmpstr (cw_element_get_attr_ns (els[3], "attr", "urn:p"), ==, "v");
  g_assert_null (cw_element_get_attr (els[3], "attr"));
  for (guint i = 0; i < 4; i++)
    cw_element_unref (els[i]);
}

static void
test_whitespace_keepalive (void)
{
  CwReaderLimits limits;
  g_autoptr (CwReader) r = NULL;
  g_autofree gchar *spaces = g_strnfill (4096, ' ');

  cw_reader_limits_init_default (&limits);
  limits.max_stanza_size = 1024;
  r = cw_reader_new (CW_READER_MODE_STREAM, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  /* 40 KiB of keepalives over a stream whose stanzas may be 1 KiB. */
  for (guint i = 0; i < 10; i++)
    for (guint j = 0; j < 4096; j += 512)
      g_assert_true (cw_reader_feed (r, spaces, 512, NULL));
  g_assert_true (cw_reader_feed (r, "<presence/>", 11, NULL));
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
}

static gchar *
message_of_size (gsize size)
{
  const gchar *head = "<message><body>", *tail = "</body></message>";
  gsize fill = size - strlen (head) - strlen (tail);
  g_autofree gchar *body = g_strnfill (fill, 'x');

  return g_strconcat (head, body, tail, NULL);
}

static void
test_limit_exact (void)
{
  CwReaderLimits limits;
  g_autoptr (CwReader) r = NULL;
  g_autofree gchar *ok = message_of_size (1000);
  g_autofree gchar *big = message_of_size (1001);
  g_autoptr (GError) error = NULL;

  cw_reader_limits_init_default (&limits);
  limits.max_stanza_size = 1000;
  r = cw_reader_new (CW_READER_MODE_STREAM, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (r, ok, strlen (ok), &error));
  g_assert_true (cw_reader_feed (r, ok, strlen (ok), &error));
  g_assert_false (cw_reader_feed (r, big, strlen (big), &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
  /* What arrived before the error is not lost. */
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_NONE);
  /* The error is sticky. */
  g_clear_error (&error);
  g_assert_false (cw_reader_feed (r, "<presence/>", 11, &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
}

/* A stanza of @n elements: <iq><query><x/>…</query></iq>. */
static gchar *
stanza_of_elements (guint n)
{
  GString *s = g_string_new ("<iq type='set' id='r'><query xmlns='jabber:iq:register'>");

  for (guint i = 2; i < n; i++)
    g_string_append (s, "<x/>");
  g_string_append (s, "</query></iq>");
  return g_string_free (s, FALSE);
}

static void
test_preauth_elements (void)
{
  CwReaderLimits limits;
  g_autoptr (CwReader) r = NULL;
  g_autofree gchar *ok = stanza_of_elements (CW_READER_PREAUTH_MAX_ELEMENTS);
  g_autofree gchar *many = stanza_of_elements (CW_READER_PREAUTH_MAX_ELEMENTS + 1);
  g_autoptr (GError) error = NULL;

  cw_reader_limits_init_preauth (&limits);
  r = cw_reader_new (CW_READER_MODE_STREAM, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  /* The count starts again with every stanza. */
  g_assert_true (cw_reader_feed (r, ok, strlen (ok), &error));
  g_assert_true (cw_reader_feed (r, ok, strlen (ok), &error));
  g_assert_false (cw_reader_feed (r, many, strlen (many), &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_NONE);

  /* After authentication the count is not limited. */
  g_clear_error (&error);
  cw_reader_reset (r);
  cw_reader_limits_init_default (&limits);
  cw_reader_set_limits (r, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (r, many, strlen (many), &error));
  g_assert_no_error (error);
}

static void
test_preauth_limits (void)
{
  CwReaderLimits limits;
  g_autoptr (CwReader) r = NULL;
  g_autofree gchar *mid = message_of_size (20 * 1024);
  g_autoptr (GError) error = NULL;

  cw_reader_limits_init_preauth (&limits);
  r = cw_reader_new (CW_READER_MODE_STREAM, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_false (cw_reader_feed (r, mid, strlen (mid), &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);

  /* After authentication the same stanza is fine. */
  g_clear_error (&error);
  cw_reader_reset (r);
  cw_reader_limits_init_default (&limits);
  cw_reader_set_limits (r, &limits);
  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  g_assert_true (cw_reader_feed (r, mid, strlen (mid), &error));
  g_assert_no_error (error);
}

static void
test_reset (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);

  /* Half a stanza, then a stream restart (as after STARTTLS). */
  g_assert_true (cw_reader_feed (r, HEADER "<message><bo", strlen (HEADER) + 12, NULL));
  cw_reader_reset (r);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_NONE);
  g_assert_null (cw_reader_get_stream_default_ns (r));
  g_assert_true (cw_reader_feed (r, HEADER "<presence/>", strlen (HEADER) + 11, NULL));
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STANZA);
}

static void
test_document_mode (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) el =
    cw_element_parse ("<a xmlns='urn:a'><b>x<![CDATA[<y>]]>&#x263A;</b><c/></a>", -1, &error);

  g_assert_no_error (error);
  g_assert_true (cw_element_is (el, "a", "urn:a"));
  g_assert_cmpstr (cw_element_get_child_text (el, "b", "urn:a"), ==, "x<y>\xe2\x98\xba");
  g_assert_nonnull (cw_element_get_child (el, "c", "urn:a"));

  g_assert_null (cw_element_parse ("<a><b></a>", -1, &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED);
  g_clear_error (&error);
  g_assert_null (cw_element_parse ("<a>", -1, &error));
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED);
}

/* A stanza just under the default limit, fed in 1 KiB chunks. */
static void
test_large_stanza_allowed (void)
{
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autofree gchar *msg = message_of_size (CW_READER_DEFAULT_MAX_STANZA_SIZE - 100);
  gsize len = strlen (msg);
  g_autoptr (CwElement) el = NULL;

  g_assert_true (cw_reader_feed (r, HEADER, strlen (HEADER), NULL));
  for (gsize pos = 0; pos < len; pos += 1024)
    g_assert_true (cw_reader_feed (r, msg + pos, MIN (1024, len - pos), NULL));
  g_assert_cmpint (cw_reader_pop (r, NULL), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpint (cw_reader_pop (r, &el), ==, CW_READER_EVENT_STANZA);
  g_assert_cmpuint (strlen (cw_element_get_child_text (el, "body", NULL)), ==,
                    CW_READER_DEFAULT_MAX_STANZA_SIZE - 100 - 32);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml/reader/events/whole", test_events_whole);
  g_test_add_func ("/xml/reader/events/any-chunking", test_events_chunked);
  g_test_add_func ("/xml/reader/events/prompt-byte-at-a-time", test_prompt_delivery);
  g_test_add_func ("/xml/reader/header", test_header);
  g_test_add_func ("/xml/reader/namespaces-resolved", test_namespaces);
  g_test_add_func ("/xml/reader/whitespace-keepalive", test_whitespace_keepalive);
  g_test_add_func ("/xml/reader/limits/exact", test_limit_exact);
  g_test_add_func ("/xml/reader/limits/preauth", test_preauth_limits);
  g_test_add_func ("/xml/reader/limits/preauth-elements", test_preauth_elements);
  g_test_add_func ("/xml/reader/limits/large-allowed", test_large_stanza_allowed);
  g_test_add_func ("/xml/reader/reset", test_reset);
  g_test_add_func ("/xml/reader/document-mode", test_document_mode);
  return g_test_run ();
}
