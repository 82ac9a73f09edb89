/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the IM modules' rules: kept offline, copied (carbons), archived, queried (MAM). */
#include "config.h"

#include "server/mod-im.h"

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "xml/stanza.h"

static CwElement *
parse (const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  CwElement *el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  return el;
}

static CwElement *
message (const gchar *type, gboolean body, const gchar *child, const gchar *ns)
{
  CwElement *m
    = cw_stanza_message_new (type, "a@example.org/r", "b@example.org", "m1", body ? "hi" : NULL);

  if (child != NULL)
    cw_element_add (m, child, ns);
  return m;
}

typedef struct
{
  const gchar *type;
  gboolean body;
  const gchar *child, *ns;
  gboolean offline, carbons, archive;
} Case;

static void
test_eligibility (void)
{
  static const Case cases[] = {
    { "chat", TRUE, NULL, NULL, TRUE, TRUE, TRUE },
    { "normal", TRUE, NULL, NULL, TRUE, TRUE, TRUE },
    { NULL, TRUE, NULL, NULL, TRUE, TRUE, TRUE },
    /* A chat state: copied, kept offline, not archived (no body). */
    { "chat", FALSE, "composing", CW_NS_CHATSTATES, TRUE, TRUE, FALSE },
    { "normal", FALSE, NULL, NULL, TRUE, FALSE, FALSE },
    { "headline", TRUE, NULL, NULL, FALSE, FALSE, FALSE },
    { "groupchat", TRUE, NULL, NULL, FALSE, FALSE, FALSE },
    { "error", TRUE, NULL, NULL, FALSE, FALSE, FALSE },
    { "chat", TRUE, "private", CW_NS_CARBONS, TRUE, FALSE, TRUE },
    { "chat", TRUE, "no-copy", CW_NS_HINTS, TRUE, FALSE, TRUE },
    { "chat", TRUE, "no-store", CW_NS_HINTS, TRUE, TRUE, FALSE },
    { "chat", TRUE, "no-permanent-store", CW_NS_HINTS, TRUE, TRUE, FALSE },
    { "chat", FALSE, "received", CW_NS_CARBONS, TRUE, FALSE, FALSE },
    { "chat", TRUE, "x", "http://jabber.org/protocol/muc#user", TRUE, FALSE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr (CwElement) m = message (c->type, c->body, c->child, c->ns);

      g_test_message ("case %u: %s %s", i, c->type, c->child);
      g_assert_cmpint (cw_offline_is_storable (m), ==, c->offline);
      g_assert_cmpint (cw_carbons_is_eligible (m), ==, c->carbons);
      g_assert_cmpint (cw_mam_is_archivable (m), ==, c->archive);
    }
}

static void
test_not_a_message (void)
{
  g_autoptr (CwElement) p = cw_stanza_presence_new (NULL, "a@example.org/r", NULL);

  g_assert_false (cw_offline_is_storable (p));
  g_assert_false (cw_carbons_is_eligible (p));
  g_assert_false (cw_mam_is_archivable (p));
}

/* XEP-0280 §6, §7: from the bare JID, to the resource, same type, the
 * original inside <forwarded/> unchanged. */
static void
test_carbons_wrap (void)
{
  g_autoptr (CwElement) m = message ("chat", TRUE, NULL, NULL);
  g_autoptr (CwElement) copy
    = cw_carbons_wrap (m, "received", "b@example.org", "b@example.org/other");
  g_autofree gchar *xml = cw_element_to_string (copy);
  g_autoptr (CwElement) back = parse (xml);
  CwElement *fwd;

  g_assert_cmpstr (cw_stanza_get_from (back), ==, "b@example.org");
  g_assert_cmpstr (cw_stanza_get_to (back), ==, "b@example.org/other");
  g_assert_cmpstr (cw_stanza_get_type (back), ==, "chat");
  g_assert_null (cw_element_get_child (back, "body", NULL));
  fwd = cw_element_get_child (cw_element_get_child (back, "received", CW_NS_CARBONS), "forwarded",
                              CW_NS_FORWARD);
  g_assert_nonnull (fwd);
  g_assert_true (cw_element_equal (cw_element_get_child (fwd, "message", CW_NS_CLIENT), m));
  /* A carbon is not copied again. */
  g_assert_false (cw_carbons_is_eligible (back));
}

#define FORM(fields)                                                                               \
  "<query xmlns='urn:xmpp:mam:2' queryid='q1'><x xmlns='jabber:x:data' type='submit'>"             \
  "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" fields "</x>"
#define RSM(body) "<set xmlns='http://jabber.org/protocol/rsm'>" body "</set>"

static void
test_mam_parse (void)
{
  g_autoptr (CwElement) q
    = parse (FORM ("<field var='with'><value>Juliet@Example.org/balcony</value></field>"
                   "<field var='start'><value>2010-06-07T00:00:00Z</value></field>"
                   "<field var='end'><value>2010-07-07T13:23:54.5+02:00</value></field>")
               RSM ("<max>10</max><after>abc</after>") "</query>");
  g_auto (CwMamRequest) r = { 0 };
  g_autoptr (GError) error = NULL;
  CwArchiveQuery aq;

  g_assert_true (cw_mam_request_parse (q, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.queryid, ==, "q1");
  g_assert_cmpstr (r.with, ==, "juliet@example.org");
  g_assert_cmpint (r.start, ==, G_GINT64_CONSTANT (1275868800) * G_USEC_PER_SEC);
  g_assert_cmpint (r.end, ==, G_GINT64_CONSTANT (1278501834500000));
  g_assert_cmpuint (r.max, ==, 10);
  g_assert_cmpstr (r.after, ==, "abc");
  g_assert_null (r.before);
  cw_mam_request_to_query (&r, &aq);
  g_assert_cmpstr (aq.with, ==, "juliet@example.org");
  g_assert_cmpuint (aq.max, ==, 10);
  g_assert_cmpstr (aq.after, ==, "abc");
}

static void
test_mam_parse_paging (void)
{
  static const struct
  {
    const gchar *xml;
    guint max;
    const gchar *before;
  } cases[] = {
    { "<query xmlns='urn:xmpp:mam:2'/>", CW_MAM_DEFAULT_MAX, NULL },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<before/>") "</query>", CW_MAM_DEFAULT_MAX, "" },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<max>0</max><before>x</before>") "</query>", 0, "x" },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<max>100000</max>") "</query>", CW_MAM_LIMIT_MAX,
      NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwElement) q = parse (cases[i].xml);
      g_auto (CwMamRequest) r = { 0 };

      g_assert_true (cw_mam_request_parse (q, &r, NULL));
      g_assert_cmpuint (r.max, ==, cases[i].max);
      g_assert_cmpstr (r.before, ==, cases[i].before);
      g_assert_null (r.with);
      g_assert_cmpint (r.start, ==, 0);
    }
}

static void
test_mam_parse_errors (void)
{
  static const struct
  {
    const gchar *xml;
    CwStanzaError condition;
  } cases[] = {
    { FORM ("<field var='with'><value>@@</value></field>") "</query>",
      CW_STANZA_ERROR_JID_MALFORMED },
    { FORM ("<field var='start'><value>yesterday</value></field>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { FORM ("<field var='start'><value>2010-06-07T00:00:00</value></field>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { FORM ("<field var='color'><value>red</value></field>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
      "<value>urn:xmpp:mam:1</value></field></x></query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { "<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='form'/></query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<max>-1</max>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<max>ten</max>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
    { "<query xmlns='urn:xmpp:mam:2'>" RSM ("<after>a</after><before>b</before>") "</query>",
      CW_STANZA_ERROR_BAD_REQUEST },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CwElement) q = parse (cases[i].xml);
      g_auto (CwMamRequest) r = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u", i);
      g_assert_false (cw_mam_request_parse (q, &r, &error));
      g_assert_error (error, CW_STANZA_ERROR, (gint)cases[i].condition);
      g_assert_null (r.queryid);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/im/eligibility", test_eligibility);
  g_test_add_func ("/server/im/not-a-message", test_not_a_message);
  g_test_add_func ("/server/im/carbons-wrap", test_carbons_wrap);
  g_test_add_func ("/server/im/mam-parse", test_mam_parse);
  g_test_add_func ("/server/im/mam-parse-paging", test_mam_parse_paging);
  g_test_add_func ("/server/im/mam-parse-errors", test_mam_parse_errors);
  return g_test_run ();
}
