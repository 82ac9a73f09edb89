/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-carbons: XEP-0280 copies of a user's chats to the user's other carbons-enabled resources. */
#include "config.h"

#include "server/mod-im.h"
#include "server/module.h"

#include "xml/stanza.h"

static const gchar *const carbons_features[] = { CW_NS_CARBONS, NULL };

/* The state is a CwModuleSessions: the sessions with carbons enabled. */

gboolean
cw_carbons_is_eligible (const CwElement *message)
{
  const gchar *type = cw_stanza_get_type (message);

  if (cw_stanza_get_kind (message) != CW_STANZA_KIND_MESSAGE)
    return FALSE;
  if (g_strcmp0 (type, "chat") != 0
      && !((type == NULL || g_strcmp0 (type, "normal") == 0)
           && cw_element_get_child (message, "body", NULL) != NULL))
    return FALSE;
  return cw_element_get_child (message, "private", CW_NS_CARBONS) == NULL
         && cw_element_get_child (message, "no-copy", CW_NS_HINTS) == NULL
         && cw_element_get_child (message, "sent", CW_NS_CARBONS) == NULL
         && cw_element_get_child (message, "received", CW_NS_CARBONS) == NULL
         && cw_element_get_child (message, "x", "http://jabber.org/protocol/muc#user") == NULL;
}

CwElement *
cw_carbons_wrap (const CwElement *message, const gchar *kind, const gchar *bare, const gchar *to)
{
  CwElement *wrapper = cw_stanza_message_new (cw_stanza_get_type (message), bare, to, NULL, NULL);
  CwElement *forwarded
    = cw_element_add (cw_element_add (wrapper, kind, CW_NS_CARBONS), "forwarded", CW_NS_FORWARD);

  cw_element_add_child (forwarded, cw_element_copy (message));
  return wrapper;
}

/* Sends a @kind copy of @message to every carbons-enabled session of
 * @bare except @skip and those whose resource is in @targets. */
static void
copy_to (CwModuleSessions *state, CwElement *message, const gchar *kind, const CwJid *bare,
         CwC2sSession *skip, GPtrArray *targets)
{
  g_autoptr (GPtrArray) to = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  /* Chosen first, sent after: a send may end a session (and so change
   * the table). */
  g_hash_table_iter_init (&iter, state->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      CwC2sSession *session = key;
      CwRouterResource *res = cw_c2s_session_get_resource (session);

      if (session != skip && res != NULL
          && cw_jid_equal_bare (cw_c2s_session_get_jid (session), bare)
          && (targets == NULL || !g_ptr_array_find (targets, res, NULL)))
        g_ptr_array_add (to, g_object_ref (session));
    }
  for (guint i = 0; i < to->len; i++)
    {
      CwC2sSession *session = to->pdata[i];
      g_autoptr (CwElement) copy = NULL;

      if (cw_c2s_session_get_jid (session) == NULL)
        continue;
      copy = cw_carbons_wrap (message, kind, cw_jid_get_bare_string (bare),
                              cw_jid_to_string (cw_c2s_session_get_jid (session)));
      cw_c2s_session_send (session, copy);
    }
}

static CwModuleResult
carbons_iq (CwModuleSessions *state, CwC2sSession *session, CwElement *stanza)
{
  CwElement *payload = cw_stanza_iq_get_payload (stanza);

  if (g_strcmp0 (cw_stanza_get_type (stanza), "set") != 0 || payload == NULL
      || g_strcmp0 (cw_element_get_ns (payload), CW_NS_CARBONS) != 0)
    return CW_MODULE_PASS;
  if (cw_stanza_get_to (stanza) != NULL
      && !cw_module_is_server_iq (state->host, stanza, "set", payload->name, CW_NS_CARBONS))
    {
      g_autofree gchar *to = cw_jid_normalize (cw_stanza_get_to (stanza), NULL);

      if (g_strcmp0 (to, cw_jid_get_bare_string (cw_c2s_session_get_jid (session))) != 0)
        return CW_MODULE_PASS;
    }
  if (cw_element_is (payload, "enable", CW_NS_CARBONS))
    g_hash_table_add (state->sessions, session);
  else if (cw_element_is (payload, "disable", CW_NS_CARBONS))
    g_hash_table_remove (state->sessions, session);
  else
    {
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_BAD_REQUEST);
      return CW_MODULE_HANDLED;
    }
  cw_module_reply_result (state->host, stanza, NULL);
  return CW_MODULE_HANDLED;
}

/* XEP-0280 §7: a copy of what the user sends to the user's other
 * resources. A message to one's own account is copied on arrival (§6). */
static CwModuleResult
carbons_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  CwModuleSessions *state = data;
  CwJid *from = cw_c2s_session_get_jid (session);
  g_autoptr (CwJid) to = NULL;

  if (cw_stanza_get_kind (stanza) == CW_STANZA_KIND_IQ)
    return carbons_iq (state, session, stanza);
  if (from == NULL || !cw_carbons_is_eligible (stanza))
    return CW_MODULE_PASS;
  to = cw_stanza_get_to (stanza) ? cw_jid_parse (cw_stanza_get_to (stanza), NULL) : NULL;
  if (to != NULL && cw_jid_equal_bare (to, from))
    return CW_MODULE_PASS;
  copy_to (state, stanza, "sent", from, session, NULL);
  return CW_MODULE_PASS;
}

/* XEP-0280 §6: a copy of what the user receives to the resources that do
 * not get the message itself; <private/> is taken out on the way. */
static CwModuleResult
carbons_local_message (gpointer data, CwElement *stanza, const CwJid *to, GPtrArray *targets)
{
  CwModuleSessions *state = data;
  CwElement *private = cw_element_get_child (stanza, "private", CW_NS_CARBONS);
  GHashTableIter iter;
  gpointer key;
  CwC2sSession *sender = NULL;

  if (private != NULL)
    {
      cw_element_remove_child (stanza, private);
      return CW_MODULE_PASS;
    }
  if (!cw_carbons_is_eligible (stanza))
    return CW_MODULE_PASS;
  /* One's own message to oneself: the sending resource has it already. */
  g_hash_table_iter_init (&iter, state->sessions);
  while (sender == NULL && g_hash_table_iter_next (&iter, &key, NULL))
    if (cw_c2s_session_get_jid (key) != NULL
        && g_strcmp0 (cw_stanza_get_from (stanza), cw_jid_to_string (cw_c2s_session_get_jid (key)))
             == 0)
      sender = key;
  copy_to (state, stanza, "received", to, sender, targets);
  return CW_MODULE_PASS;
}

const CwModule cw_mod_carbons = {
  .name = "carbons",
  .features = carbons_features,
  .create = cw_module_sessions_create,
  .free = cw_module_sessions_free,
  .client_stanza = carbons_client_stanza,
  .session_closed = cw_module_sessions_closed,
  .local_message = carbons_local_message,
};
