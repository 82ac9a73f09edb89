/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the server modules. */
#include "config.h"

#include "server/module.h"

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
