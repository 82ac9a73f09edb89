/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-offline: XEP-0160 offline messages, kept in the gateway store until the next presence. */
#include "config.h"

#include "server/mod-im.h"
#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

static const gchar *const offline_features[] = { CW_NS_MSGOFFLINE, NULL };

/* The state is a CwModuleSessions: the sessions that had their queue. */

gboolean
cw_offline_is_storable (const CwElement *message)
{
  const gchar *type = cw_stanza_get_type (message);

  return cw_stanza_get_kind (message) == CW_STANZA_KIND_MESSAGE
         && (type == NULL || g_strcmp0 (type, "chat") == 0 || g_strcmp0 (type, "normal") == 0);
}

/* No resource takes @stanza: queue it. PASS when it cannot be kept (no
 * store, the queue is full): the router bounces it as before. */
static CwModuleResult
offline_local_message (gpointer data, CwElement *stanza, const CwJid *to, GPtrArray *targets)
{
  CwModuleSessions *state = data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *xml = NULL;

  if (targets->len > 0 || state->host->store == NULL || !cw_offline_is_storable (stanza))
    return CW_MODULE_PASS;
  xml = cw_element_to_string (stanza);
  if (!cw_gateway_store_offline_push (state->host->store, cw_jid_get_local (to), xml,
                                      state->host->limits->offline_cap, &error))
    {
      g_debug ("offline: not kept for %s: %s", cw_jid_get_local (to), error->message);
      return CW_MODULE_PASS;
    }
  return CW_MODULE_HANDLED;
}

/* Sends @session the queue, oldest first, each with the time it was kept. */
static void
flush (CwModuleSessions *state, CwC2sSession *session)
{
  const gchar *user = cw_jid_get_local (cw_c2s_session_get_jid (session));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) queue
    = cw_gateway_store_offline_take_all (state->host->store, user, &error);

  if (queue == NULL)
    {
      g_warning ("offline: cannot read the queue of %s: %s", user, error->message);
      return;
    }
  for (guint i = 0; i < queue->len; i++)
    {
      CwOfflineMessage *m = queue->pdata[i];
      g_autoptr (GError) parse_error = NULL;
      g_autoptr (CwElement) message = cw_element_parse (m->stanza, -1, &parse_error);

      if (message == NULL)
        {
          g_warning ("offline: dropped an unreadable message for %s: %s", user,
                     parse_error->message);
          continue;
        }
      cw_element_add_child (message, cw_module_delay_new (state->host->domain, m->stored_at));
      cw_c2s_session_send (session, message);
    }
}

/* XEP-0160 §3: the queue goes out on available presence with a
 * non-negative priority, once per session. */
static CwModuleResult
offline_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  CwModuleSessions *state = data;
  const gchar *prio = cw_element_get_child_text (stanza, "priority", NULL);

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE || cw_stanza_get_to (stanza) != NULL
      || cw_stanza_get_type (stanza) != NULL || state->host->store == NULL
      || cw_c2s_session_get_jid (session) == NULL
      || (prio != NULL && g_ascii_strtoll (prio, NULL, 10) < 0)
      || !g_hash_table_add (state->sessions, session))
    return CW_MODULE_PASS;
  flush (state, session);
  return CW_MODULE_PASS;
}

const CwModule cw_mod_offline = {
  .name = "offline",
  .features = offline_features,
  .create = cw_module_sessions_create,
  .free = cw_module_sessions_free,
  .client_stanza = offline_client_stanza,
  .session_closed = cw_module_sessions_closed,
  .local_message = offline_local_message,
};
