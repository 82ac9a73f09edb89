/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the XEP-0115 verification string and <c/> builder. */
#include "config.h"

#include "xml/caps.h"

#include "common/namespaces.h"
#include "common/xmpp-error.h"

/* XEP-0115 §5.2. */
static const gchar simple_body[] = "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
                                   "<feature var='http://jabber.org/protocol/caps'/>"
                                   "<feature var='http://jabber.org/protocol/disco#info'/>"
                                   "<feature var='http://jabber.org/protocol/disco#items'/>"
                                   "<feature var='http://jabber.org/protocol/muc'/>";

/* XEP-0115 §5.3, with the Greek name as UTF-8. */
static const gchar complex_body[]
  = "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
    "<identity xml:lang='el' category='client' name='\xce\xa8 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
    "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
    "<field var='os'><value>Mac</value></field>"
    "<field var='os_version'><value>10.5.1</value></field>"
    "<field var='software'><value>Psi</value></field>"
    "<field var='software_version'><value>0.11</value></field>"
    "</x>";

/* The same as complex_body, every list in another order. */
static const gchar complex_shuffled_body[]
  = "<feature var='http://jabber.org/protocol/muc'/>"
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='software_version'><value>0.11</value></field>"
    "<field var='os'><value>Mac</value></field>"
    "<field var='ip_version'><value>ipv6</value><value>ipv4</value></field>"
    "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
    "<field var='software'><value>Psi</value></field>"
    "<field var='os_version'><value>10.5.1</value></field>"
    "</x>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<identity xml:lang='el' category='client' name='\xce\xa8 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>";

static CwElement *
parse (const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  CwElement *el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (el);
  return el;
}

/* A disco#info <query/> around @body. */
static CwElement *
query_new (const gchar *body)
{
  g_autofree gchar *xml
    = g_strconcat ("<query xmlns='http://jabber.org/protocol/disco#info'>", body, "</query>", NULL);

  return parse (xml);
}

static gchar *
ver_of (const gchar *body)
{
  g_autoptr (CwElement) query = query_new (body);
  g_autoptr (GError) error = NULL;
  gchar *ver = cw_caps_compute_ver (query, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ver);
  return ver;
}

static void
assert_ill_formed_element (CwElement *el)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ver = cw_caps_compute_ver (el, &error);

  g_assert_error (error, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST);
  g_assert_null (ver);
}

static void
assert_ill_formed (const gchar *body)
{
  g_autoptr (CwElement) query = query_new (body);

  assert_ill_formed_element (query);
}

/* A result form with FORM_TYPE @form_type and then @fields. */
static gchar *
form (const gchar *form_type, const gchar *fields)
{
  return g_strdup_printf ("<x xmlns='jabber:x:data' type='result'>"
                          "<field var='FORM_TYPE' type='hidden'><value>%s</value></field>"
                          "%s</x>",
                          form_type, fields);
}

static void
test_simple (void)
{
  g_autofree gchar *ver = ver_of (simple_body);

  g_assert_cmpstr (ver, ==, "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

static void
test_complex (void)
{
  g_autofree gchar *ver = ver_of (complex_body);

  g_assert_cmpstr (ver, ==, "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

static void
test_complex_with_node (void)
{
  /* The example's own <query/>, node attribute and all. */
  g_autofree gchar *xml = g_strconcat ("<query xmlns='http://jabber.org/protocol/disco#info'"
                                       " node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>",
                                       complex_body, "</query>", NULL);
  g_autoptr (CwElement) query = parse (xml);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ver = cw_caps_compute_ver (query, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (ver, ==, "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

static void
test_order_does_not_matter (void)
{
  g_autofree gchar *ver = ver_of (complex_shuffled_body);

  g_assert_cmpstr (ver, ==, "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

static void
test_empty_query (void)
{
  g_autofree gchar *ver = ver_of ("");

  /* SHA-1 of the empty string. */
  g_assert_cmpstr (ver, ==, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}

static void
test_feature_changes_ver (void)
{
  g_autofree gchar *a = ver_of (simple_body);
  g_autofree gchar *b = ver_of ("<identity category='client' name='Exodus 0.9.1' type='pc'/>"
                                "<feature var='http://jabber.org/protocol/caps'/>"
                                "<feature var='http://jabber.org/protocol/disco#info'/>"
                                "<feature var='http://jabber.org/protocol/disco#items'/>");

  g_assert_cmpstr (a, !=, b);
}

static void
test_unknown_children_ignored (void)
{
  g_autofree gchar *body = g_strconcat (simple_body,
                                        "<feature xmlns='urn:other' var='urn:not-counted'/>"
                                        "<extra xmlns='urn:other'/>",
                                        NULL);
  g_autofree gchar *ver = ver_of (body);

  g_assert_cmpstr (ver, ==, "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

static void
test_repeats_ill_formed (void)
{
  g_autofree gchar *f1 = form ("urn:f", "<field var='a'><value>1</value></field>");
  g_autofree gchar *f2 = form ("urn:f", "<field var='b'><value>2</value></field>");
  g_autofree gchar *two_forms = g_strconcat (f1, f2, NULL);
  g_autofree gchar *repeated_var = form ("urn:f", "<field var='a'><value>1</value></field>"
                                                  "<field var='a'><value>2</value></field>");

  /* §5.4: the same identity, feature or FORM_TYPE twice. */
  assert_ill_formed ("<identity category='client' type='pc' name='A'/>"
                     "<identity category='client' type='pc' name='A'/>");
  assert_ill_formed ("<feature var='urn:a'/><feature var='urn:a'/>");
  assert_ill_formed (two_forms);
  /* A FORM_TYPE with two different values. */
  assert_ill_formed ("<x xmlns='jabber:x:data' type='result'>"
                     "<field var='FORM_TYPE' type='hidden'><value>urn:a</value><value>urn:b</value>"
                     "</field></x>");
  /* Two FORM_TYPE fields. */
  assert_ill_formed ("<x xmlns='jabber:x:data' type='result'>"
                     "<field var='FORM_TYPE' type='hidden'><value>urn:a</value></field>"
                     "<field var='FORM_TYPE' type='hidden'><value>urn:a</value></field></x>");
  /* A field var twice in one form: the order of their values is undefined. */
  assert_ill_formed (repeated_var);
}

static void
test_same_identity_other_name (void)
{
  g_autofree gchar *ver = ver_of ("<identity category='client' type='pc' name='A'/>"
                                  "<identity category='client' type='pc' name='B'/>");

  g_assert_nonnull (ver);
}

static void
test_form_type_repeated_value (void)
{
  g_autofree gchar *f = form ("urn:f", "");
  g_autofree gchar *a = ver_of (f);
  g_autofree gchar *b = ver_of ("<x xmlns='jabber:x:data' type='result'>"
                                "<field var='FORM_TYPE' type='hidden'>"
                                "<value>urn:f</value><value>urn:f</value></field></x>");

  g_assert_cmpstr (a, ==, b);
}

static void
test_forms_skipped (void)
{
  g_autofree gchar *plain = ver_of (simple_body);
  /* §5.4: no FORM_TYPE, or a FORM_TYPE that is not hidden or has no
   * value: ignore the form, without checking it any further. */
  g_autofree gchar *body = g_strconcat (
    simple_body,
    "<x xmlns='jabber:x:data' type='result'><field var='os'><value>Mac</value></field></x>",
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE'><value>urn:f</value></field>"
    "<field var='os'><value>Mac</value></field></x>",
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='text-single'><value>urn:g</value></field></x>",
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='hidden'/><field><value>x</value></field></x>",
    NULL);
  g_autofree gchar *with_forms = ver_of (body);

  g_assert_cmpstr (plain, ==, with_forms);
}

static void
test_several_forms_sorted (void)
{
  g_autofree gchar *fa = form ("urn:a", "<field var='y'/>");
  g_autofree gchar *fb = form ("urn:b", "<field var='x'><value>1</value></field>");
  g_autofree gchar *ab = g_strconcat (fa, fb, NULL);
  g_autofree gchar *ba = g_strconcat (fb, fa, NULL);
  g_autofree gchar *a = ver_of (ab);
  g_autofree gchar *b = ver_of (ba);

  g_assert_cmpstr (a, ==, b);
}

static void
test_rejects_lt_in_factor (void)
{
  g_autofree gchar *in_value = form ("urn:f", "<field var='a'><value>1&lt;b</value></field>");
  g_autofree gchar *in_var = form ("urn:f", "<field var='a&lt;b'/>");
  g_autofree gchar *in_form_type = form ("urn:f&lt;a", "");

  /* "Exodus<urn:a" and no features would hash like "Exodus" with urn:a. */
  assert_ill_formed ("<identity category='client' type='pc' name='Exodus&lt;urn:a'/>");
  assert_ill_formed ("<identity category='client' type='pc' xml:lang='en&lt;'/>");
  assert_ill_formed ("<feature var='urn:a&lt;urn:b'/>");
  assert_ill_formed (in_value);
  assert_ill_formed (in_var);
  assert_ill_formed (in_form_type);
}

static void
test_literal_amp_lt (void)
{
  /* The four characters "&lt;" (written &amp;lt;) stay literal (§5.1 note). */
  g_autofree gchar *literal
    = ver_of ("<identity category='client' type='pc' name='A&amp;lt;urn:a'/>");
  g_autofree gchar *split
    = ver_of ("<identity category='client' type='pc' name='A'/><feature var='urn:a'/>");

  g_assert_cmpstr (literal, !=, split);
}

static void
test_missing_attributes (void)
{
  g_autofree gchar *no_var = form ("urn:f", "<field><value>1</value></field>");

  assert_ill_formed ("<identity type='pc'/>");
  assert_ill_formed ("<identity category='client'/>");
  assert_ill_formed ("<identity category='' type='pc'/>");
  assert_ill_formed ("<feature/>");
  assert_ill_formed (no_var);
}

static void
test_not_a_query (void)
{
  g_autoptr (CwElement) items = parse ("<query xmlns='http://jabber.org/protocol/disco#items'/>");
  g_autoptr (CwElement) c = parse ("<c xmlns='http://jabber.org/protocol/caps'/>");

  assert_ill_formed_element (items);
  assert_ill_formed_element (c);
}

static void
test_element (void)
{
  g_autoptr (CwElement) c
    = cw_caps_element_new ("https://chinwag.invalid", "QgayPKawpkPSDYmwT/WM94uAlu0=");
  g_autoptr (CwElement) expected = parse ("<c xmlns='http://jabber.org/protocol/caps' hash='sha-1'"
                                          " node='https://chinwag.invalid'"
                                          " ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>");

  g_assert_true (cw_element_is (c, "c", CW_NS_CAPS));
  g_assert_cmpstr (cw_element_get_attr (c, "hash"), ==, CW_CAPS_HASH_SHA1);
  g_assert_true (cw_element_equal (c, expected));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml/caps/simple", test_simple);
  g_test_add_func ("/xml/caps/complex", test_complex);
  g_test_add_func ("/xml/caps/complex-with-node", test_complex_with_node);
  g_test_add_func ("/xml/caps/order-does-not-matter", test_order_does_not_matter);
  g_test_add_func ("/xml/caps/empty-query", test_empty_query);
  g_test_add_func ("/xml/caps/feature-changes-ver", test_feature_changes_ver);
  g_test_add_func ("/xml/caps/unknown-children-ignored", test_unknown_children_ignored);
  g_test_add_func ("/xml/caps/repeats-ill-formed", test_repeats_ill_formed);
  g_test_add_func ("/xml/caps/same-identity-other-name", test_same_identity_other_name);
  g_test_add_func ("/xml/caps/form-type-repeated-value", test_form_type_repeated_value);
  g_test_add_func ("/xml/caps/forms-skipped", test_forms_skipped);
  g_test_add_func ("/xml/caps/several-forms-sorted", test_several_forms_sorted);
  g_test_add_func ("/xml/caps/rejects-lt-in-factor", test_rejects_lt_in_factor);
  g_test_add_func ("/xml/caps/literal-amp-lt", test_literal_amp_lt);
  g_test_add_func ("/xml/caps/missing-attributes", test_missing_attributes);
  g_test_add_func ("/xml/caps/not-a-query", test_not_a_query);
  g_test_add_func ("/xml/caps/element", test_element);
  return g_test_run ();
}
