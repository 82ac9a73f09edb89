/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the XML writer: escaping, namespaces, round trips through the reader. */
#include "config.h"

#include <string.h>

#include "common/namespaces.h"
#include "xml/reader.h"
#include "xml/writer.h"

static void
test_escaping (void)
{
  g_autoptr (CwElement) el = cw_element_new ("message", CW_NS_CLIENT);
  g_autofree gchar *s = NULL;

  cw_element_set_attr (el, "to", "a'b\"c<d>&e\tf\ng\rh");
  cw_element_add_text_child (el, "body", NULL, "1 < 2 && 3 > 2 ]]> 'q' \"d\"\r\n\tend");
  s = cw_element_to_string (el);
  g_assert_cmpstr (s, ==,
                   "<message xmlns='jabber:client' to='a&apos;b&quot;c&lt;d&gt;&amp;e&#x9;f&#xA;g&#xD;h'>"
                   "<body>1 &lt; 2 &amp;&amp; 3 &gt; 2 ]]&gt; 'q' \"d\"&#xD;\n\tend</body></message>");
}

/* Characters XML 1.0 cannot carry never produce a broken document. */
static void
test_unrepresentable (void)
{
  g_autoptr (CwElement) el = cw_element_new ("body", CW_NS_CLIENT);
  g_autoptr (CwElement) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *s = NULL;

  cw_element_append_text (el, "a\x01" "b\x1f" "c\xff" "d", -1);
  s = cw_element_to_string (el);
  back = cw_element_parse (s, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_element_get_text (back), ==,
                   "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d");
}

static void
test_namespaces (void)
{
  g_autoptr (CwElement) iq = cw_element_new ("iq", CW_NS_CLIENT);
  CwElement *q = cw_element_add (iq, "query", CW_NS_ROSTER);
  GString *out = g_string_new (NULL);

  cw_element_add (q, "item", NULL);
  cw_element_add (iq, "plain", "");
  cw_element_set_attr_ns (iq, "lang", CW_NS_XML, "de");
  cw_element_set_attr_ns (q, "foo", "urn:foo", "bar");
  /* In a jabber:client stream the stanza's namespace is implied. */
  cw_writer_append_stanza (out, iq, CW_NS_CLIENT);
  g_assert_cmpstr (out->str, ==,
                   "<iq xml:lang='de'><query xmlns='jabber:iq:roster' xmlns:ns1='urn:foo' "
                   "ns1:foo='bar'><item/></query><plain xmlns=''/></iq>");
  g_string_truncate (out, 0);
  /* On a jabber:server stream it has to be declared. */
  cw_writer_append_stanza (out, iq, CW_NS_SERVER);
  g_assert_true (g_str_has_prefix (out->str, "<iq xmlns='jabber:client' xml:lang='de'>"));
  g_string_free (out, TRUE);
}

static void
test_stream_prefix (void)
{
  g_autoptr (CwElement) err = cw_element_new ("error", CW_NS_STREAM);
  GString *out = g_string_new (NULL);
  g_autofree gchar *standalone = NULL;

  cw_element_add (err, "not-well-formed", CW_NS_STREAMS);
  cw_writer_append_stanza (out, err, CW_NS_CLIENT);
  g_assert_cmpstr (out->str, ==,
                   "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                   "</stream:error>");
  standalone = cw_element_to_string (err);
  g_assert_cmpstr (standalone, ==,
                   "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
                   "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  g_string_free (out, TRUE);
}

static void
test_stream_open (void)
{
  g_autoptr (CwElement) h = cw_element_new ("stream", CW_NS_STREAM);
  g_autofree gchar *s = NULL;
  g_autoptr (CwReader) r = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autoptr (CwElement) back = NULL;

  cw_element_set_attr (h, "from", "juliet@capulet");
  cw_element_set_attr (h, "version", "1.0");
  s = cw_writer_stream_open (h, CW_NS_CLIENT);
  g_assert_cmpstr (s, ==,
                   "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                   "xmlns='jabber:client' from='juliet@capulet' version='1.0'>");
  g_assert_true (cw_reader_feed (r, s, strlen (s), NULL));
  g_assert_cmpint (cw_reader_pop (r, &back), ==, CW_READER_EVENT_STREAM_OPEN);
  g_assert_cmpstr (cw_element_get_attr (back, "from"), ==, "juliet@capulet");
  g_assert_cmpstr (cw_reader_get_stream_default_ns (r), ==, CW_NS_CLIENT);
}

static const gchar *roundtrip_docs[] = {
  "<message xmlns='jabber:client' type='chat' to='romeo@montague' id='x'>"
  "<body>Art thou not Romeo, &amp; a Montague?</body><thread>e0ffe42b</thread>"
  "<active xmlns='http://jabber.org/protocol/chatstates'/>"
  "<request xmlns='urn:xmpp:receipts'/></message>",
  "<presence xmlns='jabber:client'><show>dnd</show><status>\xe2\x9c\x88 on a plane</status>"
  "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://chinwag' "
  "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>",
  "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
  "<p>Some <em>mixed</em> content, <strong>kept</strong> in order.</p></body></html>",
  "<a xmlns='urn:a' xmlns:b='urn:b' b:x='1' y='2'><b:c/><d xmlns=''>no ns</d></a>",
  "<q xmlns='urn:q'>  leading and trailing spaces  </q>",
};

static void
test_roundtrip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (roundtrip_docs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CwElement) tree = cw_element_parse (roundtrip_docs[i], -1, &error);
      g_autofree gchar *written = NULL;
      g_autoptr (CwElement) again = NULL;
      g_autofree gchar *rewritten = NULL;

      g_assert_no_error (error);
      written = cw_element_to_string (tree);
      again = cw_element_parse (written, -1, &error);
      g_assert_no_error (error);
      g_assert_true (cw_element_equal (tree, again));
      rewritten = cw_element_to_string (again);
      g_assert_cmpstr (written, ==, rewritten);
    }
}

/* Trees built in code (not parsed) also survive write → parse. */
static void
test_roundtrip_built (void)
{
  g_autoptr (CwElement) el = cw_element_new ("x", "urn:x");
  g_autoptr (CwElement) back = NULL;
  g_autofree gchar *s = NULL;
  CwElement *child;

  cw_element_set_attr (el, "tricky", "\t\n\r '\"<>&");
  child = cw_element_add (el, "y", NULL);
  cw_element_append_text (child, "line1\r\nline2\rline3 ]]> &", -1);
  cw_element_add (child, "z", "urn:z");
  cw_element_append_text (child, "tail", -1);
  cw_element_set_attr_ns (child, "lang", CW_NS_XML, "fr");
  s = cw_element_to_string (el);
  back = cw_element_parse (s, -1, NULL);
  g_assert_nonnull (back);
  g_assert_true (cw_element_equal (el, back));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml/writer/escaping", test_escaping);
  g_test_add_func ("/xml/writer/unrepresentable-chars", test_unrepresentable);
  g_test_add_func ("/xml/writer/namespaces", test_namespaces);
  g_test_add_func ("/xml/writer/stream-prefix", test_stream_prefix);
  g_test_add_func ("/xml/writer/stream-open", test_stream_open);
  g_test_add_func ("/xml/writer/round-trip/parsed", test_roundtrip);
  g_test_add_func ("/xml/writer/round-trip/built", test_roundtrip_built);
  return g_test_run ();
}
