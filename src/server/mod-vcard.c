/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-vcard: XEP-0054 vcard-temp — each account's vCard in the store, readable by everyone. */
#include "config.h"

#include "server/module.h"

#include "xml/stanza.h"

#define NS_VCARD "vcard-temp"

static gpointer
vcard_create (const CwModuleHost *host)
{
  return host->store != NULL ? (gpointer)host : NULL;
}

static void
vcard_get (const CwModuleHost *host, CwElement *iq, const gchar *account)
{
  g_autofree gchar *xml = NULL;
  g_autoptr (GError) error = NULL;

  if (!cw_gateway_store_vcard_get (host->store, account, &xml, &error))
    {
      g_warning ("vcard: %s", error->message);
      cw_module_reply_error (host, iq, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  /* XEP-0054 §3.1: none stored is <item-not-found/> (as in Prosody). */
  if (xml == NULL)
    cw_module_reply_error (host, iq, CW_STANZA_ERROR_ITEM_NOT_FOUND);
  else
    cw_module_reply_result (host, iq, cw_element_parse (xml, -1, NULL));
}

static void
vcard_set (const CwModuleHost *host, CwElement *iq, CwElement *vcard, const gchar *account)
{
  g_autofree gchar *xml = cw_element_to_string (vcard);
  g_autoptr (GError) error = NULL;

  if (!cw_gateway_store_vcard_set (host->store, account,
                                   cw_element_n_children (vcard) > 0 ? xml : NULL, &error))
    {
      g_warning ("vcard: %s", error->message);
      cw_module_reply_error (host, iq, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  cw_module_reply_result (host, iq, NULL);
}

static CwModuleResult
vcard_server_stanza (gpointer data, CwElement *stanza)
{
  const CwModuleHost *host = data;
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  const gchar *type = cw_stanza_get_type (stanza);
  g_autofree gchar *account = NULL;
  gboolean own = FALSE;

  if (host == NULL || cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || payload == NULL
      || !cw_element_is (payload, "vCard", NS_VCARD)
      || (g_strcmp0 (type, "get") != 0 && g_strcmp0 (type, "set") != 0))
    return CW_MODULE_PASS;
  account = cw_module_iq_account (host, stanza, &own);
  if (account == NULL && g_str_equal (type, "get"))
    /* The server's own vCard: there is none. */
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_ITEM_NOT_FOUND);
  else if (account != NULL && g_str_equal (type, "get"))
    vcard_get (host, stanza, account);
  else if (!own) /* only one's own vCard is written */
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_FORBIDDEN);
  else
    vcard_set (host, stanza, payload, account);
  return CW_MODULE_HANDLED;
}

static const gchar *const vcard_features[] = { NS_VCARD, NULL };

const CwModule cw_mod_vcard = {
  .name = "vcard",
  .features = vcard_features,
  .create = vcard_create,
  .server_stanza = vcard_server_stanza,
};
