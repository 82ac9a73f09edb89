/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What chinwag says about itself: disco#info, caps, and the simple IQ responders. */
#include "config.h"
#include "im/features.h"

#include <string.h>
#include <sys/utsname.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "xml/caps.h"
#include "xml/stanza.h"

static const gchar *const features[] = {
  CW_NS_CAPS, CW_NS_CHATSTATES, CW_NS_DISCO_INFO, CW_NS_DISCO_ITEMS, CW_NS_VERSION,
  CW_NS_PING, CW_NS_RECEIPTS, CW_NS_TIME,
};

CwElement *
cw_im_disco_info_new (const gchar *node)
{
  CwElement *q = cw_element_new ("query", CW_NS_DISCO_INFO);
  CwElement *id = cw_element_add (q, "identity", NULL);

  if (node != NULL)
    cw_element_set_attr (q, "node", node);
  cw_element_set_attr (id, "category", "client");
  cw_element_set_attr (id, "type", "pc");
  cw_element_set_attr (id, "name", "chinwag");
  for (guint i = 0; i < G_N_ELEMENTS (features); i++)
    cw_element_set_attr (cw_element_add (q, "feature", NULL), "var", features[i]);
  return q;
}

const gchar *
cw_im_caps_ver (void)
{
  /* The engine runs on one thread; the answer never changes. */
  static gchar *ver;

  if (ver == NULL)
    {
      g_autoptr (CwElement) q = cw_im_disco_info_new (NULL);

      ver = cw_caps_compute_ver (q, NULL);
    }
  return ver;
}

static CwElement *
answer_disco_info (const CwElement *iq, CwElement *query)
{
  const gchar *node = cw_element_get_attr (query, "node");
  g_autofree gchar *ours = g_strdup_printf ("%s#%s", CW_IM_CAPS_NODE, cw_im_caps_ver ());
  CwElement *reply;

  if (node != NULL && strcmp (node, ours) != 0)
    {
      g_autoptr (GError) error = g_error_new (CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND,
                                              "no such node");

      return cw_stanza_error_reply (iq, error);
    }
  reply = cw_stanza_iq_result_new (iq);
  cw_element_add_child (reply, cw_im_disco_info_new (node));
  return reply;
}

static CwElement *
answer_version (const CwElement *iq)
{
  CwElement *reply = cw_stanza_iq_result_new (iq);
  CwElement *q = cw_element_add (reply, "query", CW_NS_VERSION);
  struct utsname u;

  cw_element_add_text_child (q, "name", NULL, "chinwag");
  cw_element_add_text_child (q, "version", NULL, PACKAGE_VERSION);
  if (uname (&u) == 0)
    cw_element_add_text_child (q, "os", NULL, u.sysname);
  return reply;
}

static CwElement *
answer_time (const CwElement *iq)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) utc = g_date_time_to_utc (now);
  gint64 offset = g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE;
  g_autofree gchar *tzo = g_strdup_printf ("%c%02d:%02d", offset < 0 ? '-' : '+',
                                           (gint) (ABS (offset) / 60), (gint) (ABS (offset) % 60));
  g_autofree gchar *stamp = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  CwElement *reply = cw_stanza_iq_result_new (iq);
  CwElement *t = cw_element_add (reply, "time", CW_NS_TIME);

  cw_element_add_text_child (t, "tzo", NULL, tzo);
  cw_element_add_text_child (t, "utc", NULL, stamp);
  return reply;
}

CwElement *
cw_im_answer_iq (const CwElement *iq)
{
  CwIqType type;
  CwElement *payload;

  if (cw_stanza_get_kind (iq) != CW_STANZA_KIND_IQ || !cw_stanza_iq_get_type (iq, &type)
      || type != CW_IQ_TYPE_GET)
    return NULL;
  payload = cw_stanza_iq_get_payload (iq);
  if (payload == NULL)
    return NULL;
  if (cw_element_is (payload, "query", CW_NS_DISCO_INFO))
    return answer_disco_info (iq, payload);
  if (cw_element_is (payload, "query", CW_NS_DISCO_ITEMS))
    {
      CwElement *reply = cw_stanza_iq_result_new (iq);

      cw_element_add (reply, "query", CW_NS_DISCO_ITEMS);
      return reply;
    }
  if (cw_element_is (payload, "query", CW_NS_VERSION))
    return answer_version (iq);
  if (cw_element_is (payload, "time", CW_NS_TIME))
    return answer_time (iq);
  if (cw_element_is (payload, "ping", CW_NS_PING))
    return cw_stanza_iq_result_new (iq);
  return NULL;
}
