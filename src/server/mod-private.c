/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-private: XEP-0049 private XML storage — one element per namespace, for its owner only. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

#define NS_PRIVATE "jabber:iq:private"

static gpointer
private_create (const CwModuleHost *host)
{
  return host->store != NULL ? (gpointer)host : NULL;
}

/* The one child a query must carry, or NULL (then @condition says why). */
static CwElement *
query_child (CwElement *query, CwStanzaError *condition)
{
  CwElement *child = cw_element_first (query);
  const gchar *ns;

  *condition = CW_STANZA_ERROR_BAD_REQUEST;
  if (child == NULL || cw_element_next (child) != NULL)
    return NULL;
  /* §2: the protocol's own and the stream namespaces cannot be stored. */
  ns = cw_element_get_ns (child);
  if (ns == NULL || *ns == '\0' || g_str_equal (ns, NS_PRIVATE) || g_str_equal (ns, CW_NS_CLIENT)
      || g_str_equal (ns, "jabber:server"))
    {
      *condition = CW_STANZA_ERROR_NOT_ACCEPTABLE;
      return NULL;
    }
  return child;
}

static void
private_get (const CwModuleHost *host, CwElement *iq, CwElement *child, const gchar *account)
{
  g_autofree gchar *xml = NULL;
  g_autoptr (GError) error = NULL;
  CwElement *query = cw_element_new ("query", NS_PRIVATE);
  CwElement *stored;

  if (!cw_gateway_store_private_get (host->store, account, cw_element_get_name (child),
                                     cw_element_get_ns (child), &xml, &error))
    {
      g_warning ("private: %s", error->message);
      cw_element_unref (query);
      cw_module_reply_error (host, iq, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  /* Nothing stored: the empty element asked for comes back (§3.2). */
  stored = xml != NULL ? cw_element_parse (xml, -1, NULL) : NULL;
  cw_element_add_child (query, stored != NULL ? stored : cw_element_copy (child));
  cw_module_reply_result (host, iq, query);
}

static void
private_set (const CwModuleHost *host, CwElement *iq, CwElement *child, const gchar *account)
{
  g_autofree gchar *xml = cw_element_to_string (child);
  g_autoptr (GError) error = NULL;

  if (!cw_gateway_store_private_set (host->store, account, cw_element_get_name (child),
                                     cw_element_get_ns (child), xml, &error))
    {
      g_warning ("private: %s", error->message);
      cw_module_reply_error (host, iq, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  cw_module_reply_result (host, iq, NULL);
}

static CwModuleResult
private_server_stanza (gpointer data, CwElement *stanza)
{
  const CwModuleHost *host = data;
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  const gchar *type = cw_stanza_get_type (stanza);
  g_autofree gchar *account = NULL;
  CwStanzaError condition;
  CwElement *child;
  gboolean own = FALSE;

  if (host == NULL || cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || payload == NULL
      || !cw_element_is (payload, "query", NS_PRIVATE)
      || (g_strcmp0 (type, "get") != 0 && g_strcmp0 (type, "set") != 0))
    return CW_MODULE_PASS;
  account = cw_module_iq_account (host, stanza, &own);
  if (account == NULL || !own) /* §3.3: nobody else's */
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_FORBIDDEN);
  else if ((child = query_child (payload, &condition)) == NULL)
    cw_module_reply_error (host, stanza, condition);
  else if (g_str_equal (type, "get"))
    private_get (host, stanza, child, account);
  else
    private_set (host, stanza, child, account);
  return CW_MODULE_HANDLED;
}

static const gchar *const private_features[] = { NS_PRIVATE, NULL };

const CwModule cw_mod_private = {
  .name = "private",
  .features = private_features,
  .create = private_create,
  .server_stanza = private_server_stanza,
};
