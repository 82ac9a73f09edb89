/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-disco: XEP-0030 disco#info and disco#items for the server itself. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/caps.h"
#include "xml/stanza.h"

typedef struct
{
  const CwModuleHost *host;
  gchar *caps_node; /* owned: CW_SERVER_CAPS_NODE "#" ver (XEP-0115 §6.2) */
} Disco;

static CwElement *disco_info (const CwModuleHost *host);

static gchar *
server_ver (const CwModuleHost *host)
{
  g_autoptr (CwElement) query = disco_info (host);
  g_autoptr (GError) error = NULL;
  gchar *ver = cw_caps_compute_ver (query, &error);

  /* Our own identities and features are well-formed. */
  g_assert_no_error (error);
  return ver;
}

CwElement *
cw_mod_disco_caps_new (const CwModuleHost *host)
{
  g_autofree gchar *ver = server_ver (host);

  return cw_caps_element_new (CW_SERVER_CAPS_NODE, ver);
}

static gpointer
disco_create (const CwModuleHost *host)
{
  Disco *self = g_new0 (Disco, 1);
  g_autofree gchar *ver = server_ver (host);

  self->host = host;
  self->caps_node = g_strconcat (CW_SERVER_CAPS_NODE, "#", ver, NULL);
  return self;
}

static void
disco_free (gpointer state)
{
  Disco *self = state;

  g_free (self->caps_node);
  g_free (self);
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

/* disco#info of the server: no node, or the caps node#ver answered with
 * the same set (XEP-0115 §6.2); other nodes are not ours. */
static void
server_info (Disco *self, CwElement *stanza)
{
  const gchar *node = cw_element_get_attr (cw_stanza_iq_get_payload (stanza), "node");
  CwElement *query;

  if (node != NULL && g_strcmp0 (node, self->caps_node) != 0)
    {
      cw_module_reply_error (self->host, stanza, CW_STANZA_ERROR_ITEM_NOT_FOUND);
      return;
    }
  query = disco_info (self->host);
  if (node != NULL)
    cw_element_set_attr (query, "node", node);
  cw_module_reply_result (self->host, stanza, query);
}

static CwModuleResult
disco_server_stanza (gpointer state, CwElement *stanza)
{
  Disco *self = state;
  const CwModuleHost *host = self->host;
  CwElement *account = account_info (host, stanza);

  if (account != NULL)
    cw_module_reply_result (host, stanza, account);
  else if (cw_module_is_server_iq (host, stanza, "get", "query", CW_NS_DISCO_INFO))
    server_info (self, stanza);
  else if (cw_module_is_server_iq (host, stanza, "get", "query", CW_NS_DISCO_ITEMS))
    cw_module_reply_result (host, stanza, cw_element_new ("query", CW_NS_DISCO_ITEMS));
  else
    return CW_MODULE_PASS;
  return CW_MODULE_HANDLED;
}

const CwModule cw_mod_disco = {
  .name = "disco",
  .create = disco_create,
  .free = disco_free,
  .server_stanza = disco_server_stanza,
};
