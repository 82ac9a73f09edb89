/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the server modules. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

void
cw_module_reply_result (const CwModuleHost *host, CwElement *request, CwElement *payload)
{
  g_autoptr (CwElement) reply = cw_stanza_iq_result_new (request);

  if (cw_stanza_get_from (reply) == NULL)
    cw_element_set_attr (reply, "from", host->domain);
  if (payload != NULL)
    cw_element_add_child (reply, payload);
  cw_router_route (host->router, reply);
}

gboolean
cw_module_is_server_iq (const CwModuleHost *host, CwElement *stanza, const gchar *type,
                        const gchar *name, const gchar *ns)
{
  const gchar *to = cw_stanza_get_to (stanza);
  CwElement *payload;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ
      || g_strcmp0 (cw_stanza_get_type (stanza), type) != 0)
    return FALSE;
  if (to != NULL)
    {
      g_autofree gchar *norm = cw_jid_normalize (to, NULL);

      if (g_strcmp0 (norm, host->domain) != 0)
        return FALSE;
    }
  payload = cw_stanza_iq_get_payload (stanza);
  return payload != NULL && cw_element_is (payload, name, ns);
}

CwElement *
cw_module_delay_new (const gchar *from, gint64 stamp)
{
  g_autoptr (GDateTime) secs = g_date_time_new_from_unix_utc (stamp / G_USEC_PER_SEC);
  g_autoptr (GDateTime) dt = g_date_time_add (secs, stamp % G_USEC_PER_SEC);
  g_autofree gchar *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.%fZ");
  CwElement *delay = cw_element_new ("delay", CW_NS_DELAY);

  if (from != NULL)
    cw_element_set_attr (delay, "from", from);
  cw_element_set_attr (delay, "stamp", text);
  return delay;
}

CwRouterResource *
cw_module_find_resource (const CwModuleHost *host, CwJid *full_jid)
{
  g_autoptr (CwJid) bare = cw_jid_get_bare (full_jid);
  g_autoptr (GPtrArray) list = cw_router_get_resources (host->router, bare);

  for (guint i = 0; i < list->len; i++)
    if (cw_jid_equal (cw_router_resource_get_jid (list->pdata[i]), full_jid))
      return list->pdata[i];
  return NULL;
}

gchar *
cw_module_iq_account (const CwModuleHost *host, CwElement *stanza, gboolean *own)
{
  const gchar *to = cw_stanza_get_to (stanza);
  const gchar *from = cw_stanza_get_from (stanza);
  g_autoptr (CwJid) sender = from ? cw_jid_parse (from, NULL) : NULL;
  g_autoptr (CwJid) target = to ? cw_jid_parse (to, NULL) : NULL;
  const gchar *account;

  if (sender == NULL || cw_jid_get_local (sender) == NULL
      || g_strcmp0 (cw_jid_get_domain (sender), host->domain) != 0)
    return NULL;
  if (target == NULL)
    account = cw_jid_get_local (sender);
  else if (cw_jid_is_bare (target) && g_strcmp0 (cw_jid_get_domain (target), host->domain) == 0)
    account = cw_jid_get_local (target);
  else
    return NULL;
  *own = g_strcmp0 (account, cw_jid_get_local (sender)) == 0;
  return g_strdup (account);
}

void
cw_module_reply_gerror (const CwModuleHost *host, CwElement *request, const GError *error)
{
  g_autoptr (CwElement) reply = cw_stanza_error_reply (request, error);

  if (reply == NULL)
    return;
  if (cw_stanza_get_from (reply) == NULL)
    cw_element_set_attr (reply, "from", host->domain);
  cw_router_route (host->router, reply);
}

gpointer
cw_module_sessions_create (const CwModuleHost *host)
{
  CwModuleSessions *state = g_new0 (CwModuleSessions, 1);

  state->host = host;
  state->sessions = g_hash_table_new (NULL, NULL);
  return state;
}

void
cw_module_sessions_free (gpointer data)
{
  CwModuleSessions *state = data;

  g_hash_table_destroy (state->sessions);
  g_free (state);
}

void
cw_module_sessions_closed (gpointer data, CwC2sSession *session)
{
  CwModuleSessions *state = data;

  g_hash_table_remove (state->sessions, session);
}

void
cw_module_reply_error (const CwModuleHost *host, CwElement *request, CwStanzaError condition)
{
  g_autoptr (GError) error
    = g_error_new_literal (CW_STANZA_ERROR, condition, cw_stanza_error_to_name (condition));

  cw_module_reply_gerror (host, request, error);
}

gboolean
cw_module_is_blocked (const CwModuleHost *host, const gchar *user, const gchar *jid)
{
  g_autoptr (CwJid) owner = NULL, other = NULL;
  g_autoptr (GError) error = NULL;
  gboolean blocked = FALSE;

  if (host->store == NULL || user == NULL || jid == NULL)
    return FALSE;
  owner = cw_jid_parse (user, NULL);
  other = cw_jid_parse (jid, NULL);
  if (owner == NULL || other == NULL || cw_jid_get_local (owner) == NULL
      || g_strcmp0 (cw_jid_get_domain (owner), host->domain) != 0)
    return FALSE;
  if (!cw_gateway_store_block_is_blocked (host->store, cw_jid_get_local (owner),
                                          cw_jid_to_string (other), &blocked, &error))
    g_warning ("blocking: %s", error->message);
  return blocked;
}

gboolean
cw_module_presence_blocked (const CwModuleHost *host, const gchar *from, const gchar *to)
{
  return cw_module_is_blocked (host, from, to) || cw_module_is_blocked (host, to, from);
}
