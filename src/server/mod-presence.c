/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-presence: a client's broadcast presence to its own resources, and their availability for
 * routing. */
#include "config.h"

#include "server/module.h"

#include "xml/stanza.h"

/* Subscriptions, probes and broadcast to contacts belong to the roster
 * module (RFC 6121 §4); this one covers what routing needs without a
 * roster: which resources are available, with which priority. */
typedef struct
{
  const CwModuleHost *host;
  GHashTable *last; /* owned: CwC2sSession (unowned) -> CwElement (owned): last broadcast */
} PresenceState;

static gpointer
presence_create (const CwModuleHost *host)
{
  PresenceState *state = g_new0 (PresenceState, 1);

  state->host = host;
  state->last = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)cw_element_unref);
  return state;
}

static void
presence_free (gpointer data)
{
  PresenceState *state = data;

  g_hash_table_destroy (state->last);
  g_free (state);
}

/* Delivers @stanza to every bound resource of @session's account. */
static void
to_own_resources (PresenceState *state, CwC2sSession *session, CwElement *stanza, gboolean self_too)
{
  g_autoptr (CwJid) bare = cw_jid_get_bare (cw_c2s_session_get_jid (session));
  g_autoptr (GPtrArray) list = cw_router_get_resources (state->host->router, bare);

  for (guint i = 0; i < list->len; i++)
    if (self_too || list->pdata[i] != cw_c2s_session_get_resource (session))
      cw_router_resource_deliver (list->pdata[i], stanza);
}

static void
send_others_to (PresenceState *state, CwC2sSession *session)
{
  GHashTableIter iter;
  gpointer key, value;
  CwJid *jid = cw_c2s_session_get_jid (session);

  g_hash_table_iter_init (&iter, state->last);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (key != session && cw_jid_equal_bare (cw_c2s_session_get_jid (key), jid))
      cw_c2s_session_send (session, value);
}

static CwModuleResult
presence_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  PresenceState *state = data;
  const gchar *type = cw_stanza_get_type (stanza);
  const gchar *prio = cw_element_get_child_text (stanza, "priority", NULL);
  gboolean initial;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE || cw_stanza_get_to (stanza) != NULL
      || (type != NULL && g_strcmp0 (type, "unavailable") != 0))
    return CW_MODULE_PASS;
  if (cw_c2s_session_get_resource (session) == NULL)
    return CW_MODULE_HANDLED;
  initial = !g_hash_table_contains (state->last, session);
  cw_router_set_presence (cw_c2s_session_get_resource (session), type == NULL,
                          prio ? (gint)g_ascii_strtoll (prio, NULL, 10) : 0);
  to_own_resources (state, session, stanza, TRUE);
  if (type == NULL)
    {
      g_hash_table_insert (state->last, session, cw_element_ref (stanza));
      if (initial)
        send_others_to (state, session);
    }
  else
    g_hash_table_remove (state->last, session);
  return CW_MODULE_HANDLED;
}

static void
presence_session_closed (gpointer data, CwC2sSession *session)
{
  PresenceState *state = data;
  g_autoptr (CwElement) gone = NULL;

  if (!g_hash_table_remove (state->last, session) || cw_c2s_session_get_jid (session) == NULL)
    return;
  gone = cw_stanza_presence_new ("unavailable", cw_jid_to_string (cw_c2s_session_get_jid (session)),
                                 NULL);
  to_own_resources (state, session, gone, FALSE);
}

const CwModule cw_mod_presence = {
  .name = "presence",
  .create = presence_create,
  .free = presence_free,
  .client_stanza = presence_client_stanza,
  .session_closed = presence_session_closed,
};
