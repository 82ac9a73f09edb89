/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-disco: XEP-0030 disco#info and disco#items for the server itself. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

static gpointer
disco_create (const CwModuleHost *host)
{
  return (gpointer)host;
}

static void
add_feature (CwElement *query, GHashTable *seen, const gchar *var)
{
  if (!g_hash_table_add (seen, (gpointer)var))
    return;
  cw_element_set_attr (cw_element_add (query, "feature", CW_NS_DISCO_INFO), "var", var);
}

static CwElement *
disco_info (const CwModuleHost *host)
{
  CwElement *query = cw_element_new ("query", CW_NS_DISCO_INFO);
  CwElement *identity = cw_element_add (query, "identity", CW_NS_DISCO_INFO);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  cw_element_set_attr (identity, "category", "server");
  cw_element_set_attr (identity, "type", "im");
  cw_element_set_attr (identity, "name", PACKAGE_NAME);
  add_feature (query, seen, CW_NS_DISCO_INFO);
  add_feature (query, seen, CW_NS_DISCO_ITEMS);
  for (guint i = 0; host->modules != NULL && host->modules[i] != NULL; i++)
    {
      const gchar *const *features = host->modules[i]->features;

      for (guint j = 0; features != NULL && features[j] != NULL; j++)
        add_feature (query, seen, features[j]);
    }
  return query;
}

/* An account's own disco#info of its bare JID (XEP-0030 §3.1): the
 * account identity and what the modules add for accounts. Others are
 * not told (no roster here to say who may see it). */
static CwElement *
account_info (const CwModuleHost *host, CwElement *stanza)
{
  g_autoptr (CwJid) to = NULL, from = NULL;
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  CwElement *query, *identity;
  g_autoptr (GHashTable) seen = NULL;

  if (g_strcmp0 (cw_stanza_get_type (stanza), "get") != 0 || payload == NULL
      || !cw_element_is (payload, "query", CW_NS_DISCO_INFO)
      || cw_element_get_attr (payload, "node") != NULL || cw_stanza_get_to (stanza) == NULL
      || cw_stanza_get_from (stanza) == NULL
      || (to = cw_jid_parse (cw_stanza_get_to (stanza), NULL)) == NULL
      || (from = cw_jid_parse (cw_stanza_get_from (stanza), NULL)) == NULL
      || cw_jid_get_local (to) == NULL || !cw_jid_is_bare (to)
      || g_strcmp0 (cw_jid_get_domain (to), host->domain) != 0 || !cw_jid_equal_bare (to, from))
    return NULL;
  query = cw_element_new ("query", CW_NS_DISCO_INFO);
  identity = cw_element_add (query, "identity", CW_NS_DISCO_INFO);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  cw_element_set_attr (identity, "category", "account");
  cw_element_set_attr (identity, "type", "registered");
  add_feature (query, seen, CW_NS_DISCO_INFO);
  for (guint i = 0; host->modules != NULL && host->modules[i] != NULL; i++)
    {
      const gchar *const *features = host->modules[i]->account_features;

      for (guint j = 0; features != NULL && features[j] != NULL; j++)
        add_feature (query, seen, features[j]);
    }
  return query;
}

static CwModuleResult
disco_server_stanza (gpointer state, CwElement *stanza)
{
  const CwModuleHost *host = state;
  CwElement *account = account_info (host, stanza);

  if (account != NULL)
    cw_module_reply_result (host, stanza, account);
  else if (cw_module_is_server_iq (host, stanza, "get", "query", CW_NS_DISCO_INFO))
    cw_module_reply_result (host, stanza, disco_info (host));
  else if (cw_module_is_server_iq (host, stanza, "get", "query", CW_NS_DISCO_ITEMS))
    cw_module_reply_result (host, stanza, cw_element_new ("query", CW_NS_DISCO_ITEMS));
  else
    return CW_MODULE_PASS;
  return CW_MODULE_HANDLED;
}

const CwModule cw_mod_disco = {
  .name = "disco",
  .create = disco_create,
  .server_stanza = disco_server_stanza,
};
