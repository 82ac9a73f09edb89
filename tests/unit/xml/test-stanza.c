/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the stanza helpers: builders, accessors, stanza and stream errors. */
#include "config.h"
#include "xml/stanza.h"

#include <string.h>

#include "common/namespaces.h"

#define NS_PUBSUB_ERRORS "http://jabber.org/protocol/pubsub#errors"

/* Namespace declarations for the XML written out in the tests. */
#define XSTANZAS " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'"
#define XSTREAMS " xmlns='urn:ietf:params:xml:ns:xmpp-streams'"
#define XSTREAM " xmlns:stream='http://etherx.jabber.org/streams'"

static CwElement *
parse (const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  CwElement *el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (el);
  return el;
}

/* Writes @el out and reads it back, as a peer would receive it. */
static CwElement *
reparse (const CwElement *el)
{
  g_autofree gchar *xml = cw_element_to_string (el);

  return parse (xml);
}

static void
assert_attr (const CwElement *el, const gchar *name, const gchar *value)
{
  g_assert_cmpstr (cw_element_get_attr (el, name), ==, value);
}

/* ---- builders and accessors ------------------------------------------- */

static void
test_message_build (void)
{
  g_autoptr (CwElement) msg = cw_stanza_message_new ("chat", "romeo@montague", "juliet@capulet",
                                                     "m1", "Art thou not Romeo?");
  CwElement *body;

  g_assert_true (cw_element_is (msg, "message", CW_NS_CLIENT));
  g_assert_cmpint (cw_stanza_get_kind (msg), ==, CW_STANZA_KIND_MESSAGE);
  g_assert_cmpstr (cw_stanza_get_type (msg), ==, "chat");
  g_assert_cmpstr (cw_stanza_get_from (msg), ==, "romeo@montague");
  g_assert_cmpstr (cw_stanza_get_to (msg), ==, "juliet@capulet");
  g_assert_cmpstr (cw_stanza_get_id (msg), ==, "m1");
  g_assert_cmpuint (msg->n_attrs, ==, 4);
  g_assert_cmpuint (cw_element_n_children (msg), ==, 1);
  body = cw_element_first (msg);
  g_assert_true (cw_element_is (body, "body", CW_NS_CLIENT));
  g_assert_cmpstr (cw_element_get_text (body), ==, "Art thou not Romeo?");
}

static void
test_message_defaults (void)
{
  g_autoptr (CwElement) a = cw_stanza_message_new (NULL, NULL, "juliet@capulet", NULL, NULL);
  g_autoptr (CwElement) b = cw_stanza_message_new (NULL, NULL, "juliet@capulet", NULL, NULL);

  /* A message always gets an id, so receipts can refer to it. */
  g_assert_nonnull (cw_stanza_get_id (a));
  g_assert_cmpstr (cw_stanza_get_id (a), !=, "");
  g_assert_cmpstr (cw_stanza_get_id (a), !=, cw_stanza_get_id (b));
  g_assert_null (cw_stanza_get_type (a));
  g_assert_null (cw_stanza_get_from (a));
  g_assert_cmpuint (cw_element_n_children (a), ==, 0);
}

static void
test_presence_build (void)
{
  g_autoptr (CwElement) avail = cw_stanza_presence_new (NULL, "romeo@montague", NULL);
  g_autoptr (CwElement) unavail = cw_stanza_presence_new ("unavailable", NULL, "juliet@capulet");

  g_assert_true (cw_element_is (avail, "presence", CW_NS_CLIENT));
  g_assert_cmpint (cw_stanza_get_kind (avail), ==, CW_STANZA_KIND_PRESENCE);
  g_assert_cmpuint (avail->n_attrs, ==, 1);
  assert_attr (avail, "from", "romeo@montague");
  g_assert_null (cw_stanza_get_type (avail));
  g_assert_null (cw_stanza_get_id (avail));
  assert_attr (unavail, "type", "unavailable");
  assert_attr (unavail, "to", "juliet@capulet");
  g_assert_cmpuint (unavail->n_attrs, ==, 2);
}

static void
test_iq_build (void)
{
  static const gchar *const names[] = { "get", "set", "result", "error" };

  for (guint t = CW_IQ_TYPE_GET; t <= CW_IQ_TYPE_ERROR; t++)
    {
      g_autoptr (CwElement) iq = cw_stanza_iq_new (t, "a@host", "b@host", "q1");
      CwIqType back = -1;

      g_assert_true (cw_element_is (iq, "iq", CW_NS_CLIENT));
      assert_attr (iq, "type", names[t]);
      assert_attr (iq, "id", "q1");
      g_assert_cmpstr (cw_stanza_iq_type_to_name (t), ==, names[t]);
      g_assert_true (cw_stanza_iq_get_type (iq, &back));
      g_assert_cmpint (back, ==, t);
    }
}

static void
test_iq_generates_id (void)
{
  g_autoptr (CwElement) iq = cw_stanza_iq_new (CW_IQ_TYPE_GET, NULL, "b@host", NULL);

  g_assert_nonnull (cw_stanza_get_id (iq));
  g_assert_cmpstr (cw_stanza_get_id (iq), !=, "");
  g_assert_null (cw_stanza_get_from (iq));
}

static void
test_generate_id_unique (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      gchar *id = cw_stanza_generate_id ();

      g_assert_cmpuint (strlen (id), >=, 16);
      for (const gchar *p = id; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-');
      g_assert_true (g_hash_table_add (seen, id));
    }
}

static void
test_kind (void)
{
  static const struct
  {
    const gchar *name;
    const gchar *ns;
    CwStanzaKind kind;
  } cases[] = {
    { "message", CW_NS_CLIENT, CW_STANZA_KIND_MESSAGE },
    { "presence", CW_NS_CLIENT, CW_STANZA_KIND_PRESENCE },
    { "iq", CW_NS_CLIENT, CW_STANZA_KIND_IQ },
    { "message", CW_NS_SERVER, CW_STANZA_KIND_MESSAGE },
    { "presence", CW_NS_SERVER, CW_STANZA_KIND_PRESENCE },
    { "iq", CW_NS_SERVER, CW_STANZA_KIND_IQ },
    /* The right names in the wrong namespace are not stanzas. */
    { "message", "jabber:component:accept:not-ours", CW_STANZA_KIND_OTHER },
    { "iq", "", CW_STANZA_KIND_OTHER },
    { "iq", CW_NS_STREAM, CW_STANZA_KIND_OTHER },
    { "features", CW_NS_STREAM, CW_STANZA_KIND_OTHER },
    { "body", CW_NS_CLIENT, CW_STANZA_KIND_OTHER },
    { "auth", CW_NS_SASL, CW_STANZA_KIND_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwElement) el = cw_element_new (cases[i].name, cases[i].ns);

      g_assert_cmpint (cw_stanza_get_kind (el), ==, cases[i].kind);
    }
}

static void
test_jabber_server (void)
{
  g_autoptr (CwElement) iq = cw_stanza_new (CW_STANZA_KIND_IQ, CW_NS_SERVER, "get",
                                            "capulet.example", "montague.example", "s1");
  g_autoptr (CwElement) result = NULL;
  g_autoptr (CwElement) msg = cw_stanza_new (CW_STANZA_KIND_MESSAGE, CW_NS_SERVER, NULL,
                                             NULL, NULL, NULL);

  g_assert_true (cw_element_is (iq, "iq", CW_NS_SERVER));
  g_assert_cmpint (cw_stanza_get_kind (iq), ==, CW_STANZA_KIND_IQ);
  result = cw_stanza_iq_result_new (iq);
  g_assert_true (cw_element_is (result, "iq", CW_NS_SERVER));
  /* The generic builder adds nothing that was not asked for. */
  g_assert_cmpuint (msg->n_attrs, ==, 0);
}

static void
test_iq_type_invalid (void)
{
  g_autoptr (CwElement) missing = cw_element_new ("iq", CW_NS_CLIENT);
  g_autoptr (CwElement) upper = cw_element_new ("iq", CW_NS_CLIENT);
  g_autoptr (CwElement) msg = cw_stanza_message_new ("get", NULL, NULL, "x", NULL);
  CwIqType type = CW_IQ_TYPE_RESULT;

  cw_element_set_attr (upper, "type", "GET");
  g_assert_false (cw_stanza_iq_get_type (missing, &type));
  g_assert_false (cw_stanza_iq_get_type (upper, &type));
  g_assert_false (cw_stanza_iq_get_type (msg, &type));
  /* A refused type leaves the out argument alone. */
  g_assert_cmpint (type, ==, CW_IQ_TYPE_RESULT);
}

static void
test_iq_payload (void)
{
  g_autoptr (CwElement) none = parse ("<iq xmlns='jabber:client' type='get' id='1'/>");
  g_autoptr (CwElement) one = parse ("<iq xmlns='jabber:client' type='get' id='1'>\n  "
                                     "<query xmlns='jabber:iq:version'/>\n</iq>");
  g_autoptr (CwElement) two = parse ("<iq xmlns='jabber:client' type='set' id='1'>"
                                     "<query xmlns='jabber:iq:version'/>"
                                     "<ping xmlns='urn:xmpp:ping'/></iq>");
  g_autoptr (CwElement) err = parse ("<iq xmlns='jabber:client' type='error' id='1'>"
                                     "<query xmlns='jabber:iq:version'/><error type='cancel'>"
                                     "<service-unavailable" XSTANZAS "/>"
                                     "</error></iq>");
  CwElement *payload;

  g_assert_null (cw_stanza_iq_get_payload (none));
  payload = cw_stanza_iq_get_payload (one);
  g_assert_true (cw_element_is (payload, "query", CW_NS_VERSION));
  g_assert_null (cw_stanza_iq_get_payload (two));
  /* In an error, the echoed request is the payload, not the <error/>. */
  payload = cw_stanza_iq_get_payload (err);
  g_assert_true (cw_element_is (payload, "query", CW_NS_VERSION));
}

static void
test_iq_result (void)
{
  g_autoptr (CwElement) get = cw_stanza_iq_new (CW_IQ_TYPE_GET, "romeo@montague/orchard",
                                                "juliet@capulet/balcony", "v1");
  g_autoptr (CwElement) result = NULL;
  CwIqType type;

  cw_element_add (get, "query", CW_NS_VERSION);
  result = cw_stanza_iq_result_new (get);
  g_assert_true (cw_stanza_iq_get_type (result, &type));
  g_assert_cmpint (type, ==, CW_IQ_TYPE_RESULT);
  g_assert_cmpstr (cw_stanza_get_from (result), ==, "juliet@capulet/balcony");
  g_assert_cmpstr (cw_stanza_get_to (result), ==, "romeo@montague/orchard");
  g_assert_cmpstr (cw_stanza_get_id (result), ==, "v1");
  g_assert_cmpuint (cw_element_n_children (result), ==, 0);
}

/* ---- stanza errors ----------------------------------------------------- */

static void
test_error_element_structure (void)
{
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND,
                                                  "no such node");
  g_autoptr (CwElement) el = cw_stanza_error_element_new (error);
  CwElement *cond, *text;

  g_assert_true (cw_element_is (el, "error", ""));
  assert_attr (el, "type", "cancel");
  g_assert_cmpuint (el->n_attrs, ==, 1);
  g_assert_cmpuint (cw_element_n_children (el), ==, 2);
  cond = cw_element_first (el);
  g_assert_true (cw_element_is (cond, "item-not-found", CW_NS_STANZAS));
  g_assert_null (cond->first_child);
  text = cw_element_next (cond);
  g_assert_true (cw_element_is (text, "text", CW_NS_STANZAS));
  g_assert_cmpstr (cw_element_get_text (text), ==, "no such node");
}

static void
test_error_element_no_redundant_text (void)
{
  static const gchar *const messages[] = { "bad-request", "" };

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST,
                                                      messages[i]);
      g_autoptr (CwElement) el = cw_stanza_error_element_new (error);
      g_autoptr (GError) back = NULL;

      assert_attr (el, "type", "modify");
      g_assert_cmpuint (cw_element_n_children (el), ==, 1);
      g_assert_true (cw_element_is (cw_element_first (el), "bad-request", CW_NS_STANZAS));
      g_assert_false (cw_stanza_error_from_element (el, &back));
      g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST);
      g_assert_cmpstr (back->message, ==, "bad-request");
    }
}

/* GError -> <error/> inside a reply -> XML text -> parsed -> GError. */
static void
test_error_round_trip (void)
{
  static const gchar *const messages[] = { NULL, "Le n\xc5\x93ud <x> & \"y\"", "two\nlines" };
  g_autoptr (CwElement) request = cw_stanza_iq_new (CW_IQ_TYPE_GET, "a@h", "b@h", "r1");

  cw_element_add (request, "query", CW_NS_DISCO_INFO);
  for (gint code = 0; code <= CW_STANZA_ERROR_UNEXPECTED_REQUEST; code++)
    for (guint m = 0; m < G_N_ELEMENTS (messages); m++)
      {
        const gchar *message = messages[m] != NULL ? messages[m] : cw_stanza_error_to_name (code);
        g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, code, message);
        g_autoptr (CwElement) reply = cw_stanza_error_reply (request, error);
        g_autoptr (CwElement) received = reparse (reply);
        g_autoptr (GError) back = NULL;
        CwStanzaErrorType type = -1;

        g_assert_false (cw_stanza_error_from_element_full (received, &type, NULL, &back));
        g_assert_error (back, CW_STANZA_ERROR, code);
        g_assert_cmpstr (back->message, ==, message);
        g_assert_cmpint (type, ==, cw_stanza_error_default_type (code));
      }
}

/* Prose keeps its whitespace; only addresses (a token) are trimmed, as the
 * RFC's own pretty-printed examples need. */
static void
test_error_whitespace (void)
{
  g_autoptr (GError) prose = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_NOT_ACCEPTABLE,
                                                  "  indented\n");
  g_autoptr (CwElement) received = NULL;
  g_autoptr (CwElement) redirect = parse ("<error xmlns='jabber:client' type='modify'>"
                                          "<redirect" XSTANZAS ">\n"
                                          "    xmpp:characters@conference.example.org\n"
                                          "  </redirect>"
                                          "</error>");
  g_autoptr (GError) back = NULL;
  g_autoptr (CwElement) el = cw_stanza_error_element_new (prose);

  received = reparse (el);
  g_assert_false (cw_stanza_error_from_element (received, &back));
  g_assert_cmpstr (back->message, ==, "  indented\n");
  g_clear_error (&back);
  g_assert_false (cw_stanza_error_from_element (redirect, &back));
  g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_REDIRECT);
  g_assert_cmpstr (back->message, ==, "xmpp:characters@conference.example.org");
}

static void
test_error_full (void)
{
  g_autoptr (CwElement) el = NULL;
  g_autoptr (CwElement) received = NULL;
  g_autoptr (GError) back = NULL;
  CwElement *app = NULL;
  CwStanzaErrorType type = -1;

  el = cw_stanza_error_element_new_full (CW_STANZA_ERROR_BAD_REQUEST, CW_STANZA_ERROR_TYPE_WAIT,
                                         NULL, cw_element_new ("invalid-jid", NS_PUBSUB_ERRORS));
  assert_attr (el, "type", "wait");
  g_assert_cmpuint (cw_element_n_children (el), ==, 2);
  g_assert_true (cw_element_is (cw_element_next (cw_element_first (el)), "invalid-jid",
                                NS_PUBSUB_ERRORS));
  received = reparse (el);
  g_assert_false (cw_stanza_error_from_element_full (received, &type, &app, &back));
  g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST);
  g_assert_cmpstr (back->message, ==, "bad-request");
  g_assert_cmpint (type, ==, CW_STANZA_ERROR_TYPE_WAIT);
  g_assert_true (cw_element_is (app, "invalid-jid", NS_PUBSUB_ERRORS));
  g_assert_true (app->parent == received);
}

static void
test_error_redirect_address (void)
{
  static const CwStanzaError codes[] = { CW_STANZA_ERROR_REDIRECT, CW_STANZA_ERROR_GONE };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, codes[i],
                                                      "xmpp:juliet@capulet.example");
      g_autoptr (CwElement) el = cw_stanza_error_element_new (error);
      g_autoptr (GError) back = NULL;
      CwElement *cond = cw_element_first (el);

      /* RFC 6120 §8.3.3.5, §8.3.3.14: the address is the condition's
       * content, and there is no <text/>. */
      g_assert_cmpuint (cw_element_n_children (el), ==, 1);
      g_assert_cmpstr (cw_element_get_text (cond), ==, "xmpp:juliet@capulet.example");
      g_assert_false (cw_stanza_error_from_element (el, &back));
      g_assert_error (back, CW_STANZA_ERROR, (gint) codes[i]);
      g_assert_cmpstr (back->message, ==, "xmpp:juliet@capulet.example");
    }
}

static void
test_error_foreign_domain (void)
{
  g_autoptr (GError) error = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOENT,
                                                  "/home/romeo/.local/share/chinwag/db: gone");
  g_autoptr (CwElement) el = cw_stanza_error_element_new (error);
  g_autofree gchar *xml = cw_element_to_string (el);
  g_autoptr (GError) back = NULL;

  g_assert_cmpuint (cw_element_n_children (el), ==, 1);
  g_assert_true (cw_element_is (cw_element_first (el), "internal-server-error", CW_NS_STANZAS));
  assert_attr (el, "type", "cancel");
  /* Local details stay local. */
  g_assert_null (strstr (xml, "romeo"));
  g_assert_false (cw_stanza_error_from_element (el, &back));
  g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
}

static void
test_error_from_stream_domain (void)
{
  g_autoptr (GError) same = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION,
                                                 "too big");
  g_autoptr (GError) other = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED,
                                                  "not-well-formed");
  g_autoptr (CwElement) a = cw_stanza_error_element_new (same);
  g_autoptr (CwElement) b = cw_stanza_error_element_new (other);

  g_assert_true (cw_element_is (cw_element_first (a), "policy-violation", CW_NS_STANZAS));
  g_assert_cmpstr (cw_element_get_child_text (a, "text", CW_NS_STANZAS), ==, "too big");
  g_assert_true (cw_element_is (cw_element_first (b), "undefined-condition", CW_NS_STANZAS));
  g_assert_cmpstr (cw_element_get_child_text (b, "text", CW_NS_STANZAS), ==, "not-well-formed");
}

static void
test_error_code_out_of_range (void)
{
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, 999, "from the future");
  g_autoptr (CwElement) stanza_el = cw_stanza_error_element_new (error);
  g_autoptr (CwElement) stream_el = cw_stream_error_element_new (error);

  g_assert_true (cw_element_is (cw_element_first (stanza_el), "undefined-condition", CW_NS_STANZAS));
  g_assert_cmpstr (cw_element_get_child_text (stanza_el, "text", CW_NS_STANZAS), ==,
                   "from the future");
  g_assert_true (cw_element_is (cw_element_first (stream_el), "undefined-condition", CW_NS_STREAMS));
}

typedef struct
{
  const gchar *what;
  const gchar *xml;
  CwStanzaError code;
  const gchar *message;
  CwStanzaErrorType type;
  const gchar *app_specific;  /* name of the app-specific element, or NULL */
} ForeignCase;

/* Error stanzas as other implementations send them. */
static const ForeignCase foreign_cases[] = {
  { "RFC 6120 8.3.3.19",
    "<iq xmlns='jabber:client' from='juliet@im.example.com/foo' id='xyz' "
    "to='romeo@example.net/bar' type='error'><error type='cancel'>"
    "<service-unavailable" XSTANZAS "/></error></iq>",
    CW_STANZA_ERROR_SERVICE_UNAVAILABLE, "service-unavailable", CW_STANZA_ERROR_TYPE_CANCEL, NULL },
  { "text with xml:lang, text before the condition, two languages",
    "<message xmlns='jabber:client' type='error' id='m'><error type='wait'>"
    "<text" XSTANZAS " xml:lang='en'>Try later</text>"
    "<text" XSTANZAS " xml:lang='fr'>Plus tard</text>"
    "<resource-constraint" XSTANZAS "/></error></message>",
    CW_STANZA_ERROR_RESOURCE_CONSTRAINT, "Try later", CW_STANZA_ERROR_TYPE_WAIT, NULL },
  { "XEP-0060 app-specific condition",
    "<iq xmlns='jabber:client' type='error' id='ps'><error type='modify'>"
    "<bad-request" XSTANZAS "/>"
    "<invalid-jid xmlns='http://jabber.org/protocol/pubsub#errors'/></error></iq>",
    CW_STANZA_ERROR_BAD_REQUEST, "bad-request", CW_STANZA_ERROR_TYPE_MODIFY, "invalid-jid" },
  { "RFC 3920 condition RFC 6120 dropped",
    "<iq xmlns='jabber:client' type='error' id='p'><error type='auth'>"
    "<payment-required" XSTANZAS "/></error></iq>",
    CW_STANZA_ERROR_UNDEFINED_CONDITION, "payment-required", CW_STANZA_ERROR_TYPE_AUTH, NULL },
  { "XEP-0086 legacy code with text content",
    "<message xmlns='jabber:client' type='error'><error code='404'>Not Found</error></message>",
    CW_STANZA_ERROR_ITEM_NOT_FOUND, "Not Found", CW_STANZA_ERROR_TYPE_CANCEL, NULL },
  { "XEP-0086 legacy code alone",
    "<iq xmlns='jabber:client' type='error' id='l'><error code='503'/></iq>",
    CW_STANZA_ERROR_SERVICE_UNAVAILABLE, "service-unavailable", CW_STANZA_ERROR_TYPE_CANCEL, NULL },
  { "legacy code without an RFC 6120 condition",
    "<iq xmlns='jabber:client' type='error' id='l'><error code='402'/></iq>",
    CW_STANZA_ERROR_UNDEFINED_CONDITION, "undefined-condition", CW_STANZA_ERROR_TYPE_MODIFY, NULL },
  { "condition wins over legacy code",
    "<iq xmlns='jabber:client' type='error' id='l'><error code='404' type='cancel'>"
    "<remote-server-not-found" XSTANZAS "/></error></iq>",
    CW_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND, "remote-server-not-found",
    CW_STANZA_ERROR_TYPE_CANCEL, NULL },
  { "missing type attribute takes the default",
    "<presence xmlns='jabber:client' type='error'><error>"
    "<forbidden" XSTANZAS "/></error></presence>",
    CW_STANZA_ERROR_FORBIDDEN, "forbidden", CW_STANZA_ERROR_TYPE_AUTH, NULL },
  { "invalid type attribute takes the default",
    "<iq xmlns='jabber:client' type='error' id='t'><error type='fatal'>"
    "<unexpected-request" XSTANZAS "/></error></iq>",
    CW_STANZA_ERROR_UNEXPECTED_REQUEST, "unexpected-request", CW_STANZA_ERROR_TYPE_WAIT, NULL },
  { "type='error' without <error/>",
    "<message xmlns='jabber:client' type='error' id='e'/>",
    CW_STANZA_ERROR_UNDEFINED_CONDITION, "undefined-condition", CW_STANZA_ERROR_TYPE_MODIFY, NULL },
  { "condition in the wrong namespace is app-specific, not a condition",
    "<iq xmlns='jabber:client' type='error' id='w'><error type='cancel'>"
    "<item-not-found xmlns='urn:example:other'/></error></iq>",
    CW_STANZA_ERROR_UNDEFINED_CONDITION, "undefined-condition",
    CW_STANZA_ERROR_TYPE_CANCEL, "item-not-found" },
  { "jabber:server stanza",
    "<iq xmlns='jabber:server' type='error' id='s' from='a.example' to='b.example'>"
    "<error type='cancel'><remote-server-timeout" XSTANZAS "/>"
    "</error></iq>",
    CW_STANZA_ERROR_REMOTE_SERVER_TIMEOUT, "remote-server-timeout",
    CW_STANZA_ERROR_TYPE_CANCEL, NULL },
  { "the <error/> element itself",
    "<error xmlns='jabber:client' type='cancel'><conflict" XSTANZAS "/>"
    "<text" XSTANZAS ">nick taken</text></error>",
    CW_STANZA_ERROR_CONFLICT, "nick taken", CW_STANZA_ERROR_TYPE_CANCEL, NULL },
};

static void
test_error_parse_foreign (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (foreign_cases); i++)
    {
      const ForeignCase *c = &foreign_cases[i];
      g_autoptr (CwElement) el = parse (c->xml);
      g_autoptr (GError) error = NULL;
      CwStanzaErrorType type = -1;
      CwElement *app = NULL;

      g_test_message ("case: %s", c->what);
      g_assert_false (cw_stanza_error_from_element_full (el, &type, &app, &error));
      g_assert_error (error, CW_STANZA_ERROR, (gint) c->code);
      g_assert_cmpstr (error->message, ==, c->message);
      g_assert_cmpint (type, ==, c->type);
      if (c->app_specific == NULL)
        g_assert_null (app);
      else
        g_assert_cmpstr (cw_element_get_name (app), ==, c->app_specific);
    }
}

static void
test_error_not_an_error (void)
{
  static const gchar *const docs[] = {
    "<iq xmlns='jabber:client' type='result' id='1'/>",
    "<message xmlns='jabber:client' type='chat'><body>hi</body></message>",
    "<presence xmlns='jabber:client'/>",
    /* <error/> children count only on type='error' stanzas. */
    "<message xmlns='jabber:client' type='normal'><error type='cancel'>"
    "<conflict" XSTANZAS "/></error></message>",
    "<features xmlns='http://etherx.jabber.org/streams'/>",
    "<error xmlns='urn:example:app'/>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_autoptr (CwElement) el = parse (docs[i]);
      g_autoptr (GError) error = NULL;
      CwStanzaErrorType type = CW_STANZA_ERROR_TYPE_CONTINUE;
      CwElement *app = el;

      g_assert_true (cw_stanza_error_from_element_full (el, &type, &app, &error));
      g_assert_no_error (error);
      g_assert_cmpint (type, ==, CW_STANZA_ERROR_TYPE_CONTINUE);
      g_assert_true (app == el);
    }
}

static void
test_error_reply_iq (void)
{
  g_autoptr (CwElement) request = parse ("<iq xmlns='jabber:client' type='get' id='disco1' "
                                         "from='romeo@montague/orchard' "
                                         "to='juliet@capulet/balcony'>"
                                         "<query xmlns='http://jabber.org/protocol/disco#info' "
                                         "node='urn:x'/></iq>");
  g_autoptr (CwElement) before = cw_element_copy (request);
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND,
                                                  "no node urn:x");
  g_autoptr (CwElement) reply = cw_stanza_error_reply (request, error);
  CwElement *echo, *err;
  CwIqType type;

  g_assert_true (cw_element_is (reply, "iq", CW_NS_CLIENT));
  g_assert_true (cw_stanza_iq_get_type (reply, &type));
  g_assert_cmpint (type, ==, CW_IQ_TYPE_ERROR);
  g_assert_cmpstr (cw_stanza_get_id (reply), ==, "disco1");
  g_assert_cmpstr (cw_stanza_get_from (reply), ==, "juliet@capulet/balcony");
  g_assert_cmpstr (cw_stanza_get_to (reply), ==, "romeo@montague/orchard");
  g_assert_cmpuint (cw_element_n_children (reply), ==, 2);
  /* The original payload first, then the error (RFC 6120 §8.3.1). */
  echo = cw_element_first (reply);
  g_assert_true (cw_element_equal (echo, cw_element_first (request)));
  g_assert_true (echo != cw_element_first (request));
  err = cw_element_next (echo);
  g_assert_true (cw_element_is (err, "error", CW_NS_CLIENT));
  assert_attr (err, "type", "cancel");
  g_assert_true (cw_element_is (cw_element_first (err), "item-not-found", CW_NS_STANZAS));
  g_assert_cmpstr (cw_element_get_child_text (err, "text", CW_NS_STANZAS), ==, "no node urn:x");
  g_assert_true (cw_stanza_iq_get_payload (reply) == echo);
  /* The request is left as it was. */
  g_assert_true (cw_element_equal (request, before));
}

static void
test_error_reply_message (void)
{
  g_autoptr (CwElement) request = cw_stanza_message_new ("chat", "romeo@montague", "juliet@capulet",
                                                         "m7", "secret words");
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR,
                                                  CW_STANZA_ERROR_RECIPIENT_UNAVAILABLE, "asleep");
  g_autoptr (CwElement) reply = cw_stanza_error_reply (request, error);
  g_autoptr (GError) back = NULL;

  g_assert_cmpint (cw_stanza_get_kind (reply), ==, CW_STANZA_KIND_MESSAGE);
  g_assert_cmpstr (cw_stanza_get_type (reply), ==, "error");
  g_assert_cmpstr (cw_stanza_get_id (reply), ==, "m7");
  g_assert_cmpstr (cw_stanza_get_from (reply), ==, "juliet@capulet");
  g_assert_cmpstr (cw_stanza_get_to (reply), ==, "romeo@montague");
  /* Only IQ payloads are echoed: the body does not travel back. */
  g_assert_cmpuint (cw_element_n_children (reply), ==, 1);
  assert_attr (cw_element_first (reply), "type", "wait");
  g_assert_false (cw_stanza_error_from_element (reply, &back));
  g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_RECIPIENT_UNAVAILABLE);
  g_assert_cmpstr (back->message, ==, "asleep");
}

static void
test_error_reply_presence (void)
{
  g_autoptr (CwElement) request = cw_stanza_presence_new ("subscribe", "romeo@montague", NULL);
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_NOT_ALLOWED, "");
  g_autoptr (CwElement) reply = cw_stanza_error_reply (request, error);

  g_assert_cmpint (cw_stanza_get_kind (reply), ==, CW_STANZA_KIND_PRESENCE);
  g_assert_cmpstr (cw_stanza_get_type (reply), ==, "error");
  /* Missing addresses stay missing rather than becoming empty. */
  g_assert_null (cw_stanza_get_from (reply));
  g_assert_null (cw_stanza_get_id (reply));
  g_assert_cmpstr (cw_stanza_get_to (reply), ==, "romeo@montague");
}

static void
test_error_reply_jabber_server (void)
{
  g_autoptr (CwElement) request = cw_stanza_new (CW_STANZA_KIND_IQ, CW_NS_SERVER, "set",
                                                 "a.example", "b.example", "s2s1");
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR,
                                                  CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED, "");
  g_autoptr (CwElement) reply = NULL;

  cw_element_add (request, "ping", CW_NS_PING);
  reply = cw_stanza_error_reply (request, error);
  g_assert_true (cw_element_is (reply, "iq", CW_NS_SERVER));
  g_assert_true (cw_element_is (cw_element_get_child (reply, "error", NULL), "error",
                                CW_NS_SERVER));
  g_assert_true (cw_element_is (cw_element_first (reply), "ping", CW_NS_PING));
}

static void
test_error_reply_refused (void)
{
  static const gchar *const docs[] = {
    "<iq xmlns='jabber:client' type='result' id='1'/>",
    "<iq xmlns='jabber:client' type='error' id='1'><error type='cancel'>"
    "<conflict" XSTANZAS "/></error></iq>",
    "<message xmlns='jabber:client' type='error' id='2'/>",
    "<presence xmlns='jabber:client' type='error'/>",
    "<features xmlns='http://etherx.jabber.org/streams'/>",
  };
  g_autoptr (GError) error = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST,
                                                  "no");

  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_autoptr (CwElement) el = parse (docs[i]);

      g_assert_null (cw_stanza_error_reply (el, error));
      /* The prepared element is consumed either way (valgrind checks). */
      g_assert_null (cw_stanza_error_reply_take (el, cw_stanza_error_element_new (error)));
    }
}

static void
test_error_reply_take (void)
{
  g_autoptr (CwElement) request = cw_stanza_iq_new (CW_IQ_TYPE_SET, "a@h", "b@h", "t1");
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) back = NULL;
  CwElement *app = NULL;
  CwStanzaErrorType type = -1;

  cw_element_add (request, "pubsub", "http://jabber.org/protocol/pubsub");
  reply = cw_stanza_error_reply_take (
      request, cw_stanza_error_element_new_full (CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED,
                                                 CW_STANZA_ERROR_TYPE_CANCEL, "later",
                                                 cw_element_new ("unsupported", NS_PUBSUB_ERRORS)));
  g_assert_false (cw_stanza_error_from_element_full (reply, &type, &app, &back));
  g_assert_error (back, CW_STANZA_ERROR, CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED);
  g_assert_cmpstr (back->message, ==, "later");
  g_assert_true (cw_element_is (app, "unsupported", NS_PUBSUB_ERRORS));
}

/* ---- stream errors ----------------------------------------------------- */

static void
test_stream_error_structure (void)
{
  g_autoptr (GError) error = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED,
                                                  "unclosed tag");
  g_autoptr (CwElement) el = cw_stream_error_element_new (error);
  g_autofree gchar *xml = cw_element_to_string (el);
  CwElement *cond, *text;

  g_assert_true (cw_element_is (el, "error", CW_NS_STREAM));
  g_assert_cmpuint (el->n_attrs, ==, 0);
  g_assert_cmpuint (cw_element_n_children (el), ==, 2);
  cond = cw_element_first (el);
  g_assert_true (cw_element_is (cond, "not-well-formed", CW_NS_STREAMS));
  g_assert_null (cond->first_child);
  text = cw_element_next (cond);
  g_assert_true (cw_element_is (text, "text", CW_NS_STREAMS));
  g_assert_cmpstr (cw_element_get_text (text), ==, "unclosed tag");
  /* On the wire it is <stream:error>. */
  g_assert_true (g_str_has_prefix (xml, "<stream:error"));
}

static void
test_stream_error_round_trip (void)
{
  static const gchar *const messages[] = { NULL, "Idle for 300 s & <gone>", "" };

  for (gint code = 0; code <= CW_STREAM_ERROR_UNSUPPORTED_VERSION; code++)
    for (guint m = 0; m < G_N_ELEMENTS (messages); m++)
      {
        const gchar *message = messages[m] != NULL ? messages[m] : cw_stream_error_to_name (code);
        g_autoptr (GError) error = g_error_new_literal (CW_STREAM_ERROR, code, message);
        g_autoptr (CwElement) el = cw_stream_error_element_new (error);
        g_autoptr (CwElement) received = reparse (el);
        g_autoptr (GError) back = NULL;

        g_assert_false (cw_stream_error_from_element (received, &back));
        g_assert_error (back, CW_STREAM_ERROR, code);
        /* An empty message comes back as the condition name. */
        g_assert_cmpstr (back->message, ==,
                         *message != '\0' ? message : cw_stream_error_to_name (code));
      }
}

static void
test_stream_error_see_other_host (void)
{
  g_autoptr (GError) error = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_SEE_OTHER_HOST,
                                                  "[2001:41D0:1:A49b::1]:9222");
  g_autoptr (CwElement) el = cw_stream_error_element_new (error);
  g_autoptr (CwElement) rfc = parse ("<stream:error" XSTREAM ">"
                                     "<see-other-host" XSTREAMS ">"
                                     "\n  [2001:41D0:1:A49b::1]:9222\n</see-other-host>"
                                     "<text" XSTREAMS ">moved</text>"
                                     "</stream:error>");
  g_autoptr (GError) back = NULL;

  g_assert_cmpuint (cw_element_n_children (el), ==, 1);
  g_assert_cmpstr (cw_element_get_child_text (el, "see-other-host", CW_NS_STREAMS), ==,
                   "[2001:41D0:1:A49b::1]:9222");
  /* The host is what a client needs to reconnect, so it wins over <text/>. */
  g_assert_false (cw_stream_error_from_element (rfc, &back));
  g_assert_error (back, CW_STREAM_ERROR, CW_STREAM_ERROR_SEE_OTHER_HOST);
  g_assert_cmpstr (back->message, ==, "[2001:41D0:1:A49b::1]:9222");
}

static void
test_stream_error_parse_foreign (void)
{
  static const struct
  {
    const gchar *xml;
    CwStreamError code;
    const gchar *message;
  } cases[] = {
    /* RFC 6120 §4.9.4, application-specific condition. */
    { "<stream:error" XSTREAM ">"
      "<not-well-formed" XSTREAMS "/>"
      "<text xml:lang='en'" XSTREAMS ">Some special application "
      "diagnostic information!</text><escape-your-data xmlns='http://example.org/ns'/>"
      "</stream:error>",
      CW_STREAM_ERROR_NOT_WELL_FORMED, "Some special application diagnostic information!" },
    /* RFC 3920's xml-not-well-formed, gone from RFC 6120. */
    { "<stream:error" XSTREAM ">"
      "<xml-not-well-formed" XSTREAMS "/></stream:error>",
      CW_STREAM_ERROR_UNDEFINED_CONDITION, "xml-not-well-formed" },
    { "<stream:error" XSTREAM "/>",
      CW_STREAM_ERROR_UNDEFINED_CONDITION, "undefined-condition" },
    /* A stanza condition namespace is not the stream one. */
    { "<stream:error" XSTREAM ">"
      "<conflict" XSTANZAS "/></stream:error>",
      CW_STREAM_ERROR_UNDEFINED_CONDITION, "undefined-condition" },
    { "<stream:error" XSTREAM ">"
      "<system-shutdown" XSTREAMS "/></stream:error>",
      CW_STREAM_ERROR_SYSTEM_SHUTDOWN, "system-shutdown" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwElement) el = parse (cases[i].xml);
      g_autoptr (GError) error = NULL;

      g_assert_false (cw_stream_error_from_element (el, &error));
      g_assert_error (error, CW_STREAM_ERROR, (gint) cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_stream_error_not_an_error (void)
{
  g_autoptr (CwElement) stanza_error = parse ("<error xmlns='jabber:client' type='cancel'/>");
  g_autoptr (CwElement) features = parse ("<stream:features" XSTREAM "/>");
  g_autoptr (GError) error = NULL;

  g_assert_true (cw_stream_error_from_element (stanza_error, &error));
  g_assert_true (cw_stream_error_from_element (features, &error));
  g_assert_no_error (error);
}

static void
test_stream_error_other_domains (void)
{
  g_autoptr (GError) local = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOSPC,
                                                  "/var/lib: full");
  g_autoptr (GError) same = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_CONFLICT,
                                                 "replaced by new connection");
  g_autoptr (GError) other = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND,
                                                  "item-not-found");
  g_autoptr (CwElement) a = cw_stream_error_element_new (local);
  g_autoptr (CwElement) b = cw_stream_error_element_new (same);
  g_autoptr (CwElement) c = cw_stream_error_element_new (other);

  g_assert_cmpuint (cw_element_n_children (a), ==, 1);
  g_assert_true (cw_element_is (cw_element_first (a), "internal-server-error", CW_NS_STREAMS));
  g_assert_true (cw_element_is (cw_element_first (b), "conflict", CW_NS_STREAMS));
  g_assert_cmpstr (cw_element_get_child_text (b, "text", CW_NS_STREAMS), ==,
                   "replaced by new connection");
  g_assert_true (cw_element_is (cw_element_first (c), "undefined-condition", CW_NS_STREAMS));
  g_assert_cmpstr (cw_element_get_child_text (c, "text", CW_NS_STREAMS), ==, "item-not-found");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml/stanza/message/build", test_message_build);
  g_test_add_func ("/xml/stanza/message/defaults", test_message_defaults);
  g_test_add_func ("/xml/stanza/presence/build", test_presence_build);
  g_test_add_func ("/xml/stanza/iq/build", test_iq_build);
  g_test_add_func ("/xml/stanza/iq/generates-id", test_iq_generates_id);
  g_test_add_func ("/xml/stanza/iq/type-invalid", test_iq_type_invalid);
  g_test_add_func ("/xml/stanza/iq/payload", test_iq_payload);
  g_test_add_func ("/xml/stanza/iq/result", test_iq_result);
  g_test_add_func ("/xml/stanza/generate-id/unique", test_generate_id_unique);
  g_test_add_func ("/xml/stanza/kind", test_kind);
  g_test_add_func ("/xml/stanza/jabber-server", test_jabber_server);
  g_test_add_func ("/xml/stanza/error/structure", test_error_element_structure);
  g_test_add_func ("/xml/stanza/error/no-redundant-text", test_error_element_no_redundant_text);
  g_test_add_func ("/xml/stanza/error/round-trip", test_error_round_trip);
  g_test_add_func ("/xml/stanza/error/whitespace", test_error_whitespace);
  g_test_add_func ("/xml/stanza/error/full", test_error_full);
  g_test_add_func ("/xml/stanza/error/redirect-address", test_error_redirect_address);
  g_test_add_func ("/xml/stanza/error/foreign-domain", test_error_foreign_domain);
  g_test_add_func ("/xml/stanza/error/from-stream-domain", test_error_from_stream_domain);
  g_test_add_func ("/xml/stanza/error/code-out-of-range", test_error_code_out_of_range);
  g_test_add_func ("/xml/stanza/error/parse-foreign", test_error_parse_foreign);
  g_test_add_func ("/xml/stanza/error/not-an-error", test_error_not_an_error);
  g_test_add_func ("/xml/stanza/error/reply-iq", test_error_reply_iq);
  g_test_add_func ("/xml/stanza/error/reply-message", test_error_reply_message);
  g_test_add_func ("/xml/stanza/error/reply-presence", test_error_reply_presence);
  g_test_add_func ("/xml/stanza/error/reply-jabber-server", test_error_reply_jabber_server);
  g_test_add_func ("/xml/stanza/error/reply-refused", test_error_reply_refused);
  g_test_add_func ("/xml/stanza/error/reply-take", test_error_reply_take);
  g_test_add_func ("/xml/stanza/stream-error/structure", test_stream_error_structure);
  g_test_add_func ("/xml/stanza/stream-error/round-trip", test_stream_error_round_trip);
  g_test_add_func ("/xml/stanza/stream-error/see-other-host", test_stream_error_see_other_host);
  g_test_add_func ("/xml/stanza/stream-error/parse-foreign", test_stream_error_parse_foreign);
  g_test_add_func ("/xml/stanza/stream-error/not-an-error", test_stream_error_not_an_error);
  g_test_add_func ("/xml/stanza/stream-error/other-domains", test_stream_error_other_domains);
  return g_test_run ();
}
