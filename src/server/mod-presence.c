/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-presence: RFC 6121 presence (broadcast, probes, directed) and the roster module hooks. */
#include "config.h"

#include "server/module.h"

#include "server/presence-private.h"
#include "xml/stanza.h"

  /* Rosters and subscription state live in mod-roster.c; this file keeps
   * what each session said and sends it where RFC 6121 §4 says: the
   * account's own resources, contacts subscribed to it (from, both), and
   * those it sent directed presence. Without a store there is no roster,
   * and presence only reaches the account's own resources. */

  static void
  presence_session_free (CwPresenceSession *ps)
{
  g_clear_pointer (&ps->last, cw_element_unref);
  g_hash_table_destroy (ps->directed);
  g_free (ps);
}

static gpointer
presence_create (const CwModuleHost *host)
{
  CwPresenceState *state = g_new0 (CwPresenceState, 1);

  state->host = host;
  state->sessions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)presence_session_free);
  state->by_bare
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  return state;
}

static void
presence_free (gpointer data)
{
  CwPresenceState *state = data;

  g_hash_table_destroy (state->by_bare);
  g_hash_table_destroy (state->sessions);
  g_free (state);
}

GPtrArray *
cw_presence_sessions_of (CwPresenceState *state, const gchar *bare)
{
  return g_hash_table_lookup (state->by_bare, bare);
}

gboolean
cw_presence_deliver_available (CwPresenceState *state, const gchar *user, CwElement *stanza)
{
  GPtrArray *sessions = cw_presence_sessions_of (state, user);
  gboolean any = FALSE;

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      CwPresenceSession *ps = sessions->pdata[i];

      if (ps->last == NULL)
        continue;
      cw_c2s_session_send (ps->session, stanza);
      any = TRUE;
    }
  return any;
}

/* @ps's presence (its last one, or unavailable) addressed to @to. */
static CwElement *
presence_for (CwPresenceSession *ps, const gchar *to, gboolean unavailable)
{
  const gchar *from = cw_jid_to_string (cw_c2s_session_get_jid (ps->session));
  CwElement *p;

  if (unavailable || ps->last == NULL)
    return cw_stanza_presence_new ("unavailable", from, to);
  p = cw_element_copy (ps->last);
  cw_element_set_attr (p, "from", from);
  cw_element_set_attr (p, "to", to);
  return p;
}

void
cw_presence_send_current (CwPresenceState *state, const gchar *user, const gchar *to,
                          gboolean unavailable)
{
  GPtrArray *sessions = cw_presence_sessions_of (state, user);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);

  /* Collected first: routing may reach sessions of @user itself. */
  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      CwPresenceSession *ps = sessions->pdata[i];

      if (ps->last != NULL)
        g_ptr_array_add (out, presence_for (ps, to, unavailable));
    }
  if (out->len > 0 && cw_module_presence_blocked (state->host, user, to))
    return; /* XEP-0191 §3.5, §3.6: no presence between blocker and blocked */
  for (guint i = 0; i < out->len; i++)
    cw_router_route (state->host->router, out->pdata[i]);
}

/* Delivers @stanza to every bound resource of @ps's account. */
static void
to_own_resources (CwPresenceState *state, CwPresenceSession *ps, CwElement *stanza,
                  gboolean self_too)
{
  CwJid *jid = cw_c2s_session_get_jid (ps->session);
  GPtrArray *sessions = cw_presence_sessions_of (state, cw_jid_get_bare_string (jid));

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    if (self_too || sessions->pdata[i] != ps)
      cw_c2s_session_send (((CwPresenceSession *)sessions->pdata[i])->session, stanza);
}

/* The other available resources' presence to a session that just came
 * online (§4.2.3: the user's own resources are probed too). */
static void
send_others_to (CwPresenceState *state, CwPresenceSession *ps)
{
  CwJid *jid = cw_c2s_session_get_jid (ps->session);
  GPtrArray *sessions = cw_presence_sessions_of (state, cw_jid_get_bare_string (jid));

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      CwPresenceSession *other = sessions->pdata[i];

      if (other != ps && other->last != NULL)
        cw_c2s_session_send (ps->session, other->last);
    }
}

static void
route_copy (CwPresenceState *state, CwElement *stanza, const gchar *to)
{
  g_autoptr (CwElement) copy = NULL;

  if (cw_module_presence_blocked (state->host, cw_stanza_get_from (stanza), to))
    return; /* XEP-0191 §3.5, §3.6 */
  copy = cw_element_copy (stanza);
  cw_element_set_attr (copy, "to", to);
  cw_router_route (state->host->router, copy);
}

/* §4.2.2 and §4.4.2: @stanza to each contact subscribed to the user;
 * an unavailable one also to those that got directed presence (§4.6.3). */
static void
broadcast_to_contacts (CwPresenceState *state, CwPresenceSession *ps, CwElement *stanza,
                       gboolean contacts, gboolean unavailable)
{
  const gchar *user = cw_jid_get_bare_string (cw_c2s_session_get_jid (ps->session));
  g_autoptr (GPtrArray) items = cw_roster_items (state, user);
  g_autoptr (GHashTable) sent = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CwRosterItem *item = items->pdata[i];

      if (!contacts || !cw_subscription_has_from (item->subscription))
        continue;
      g_hash_table_add (sent, item->jid);
      route_copy (state, stanza, item->jid);
    }
  if (!unavailable)
    return;
  g_hash_table_iter_init (&iter, ps->directed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr (CwJid) jid = cw_jid_parse (key, NULL);

      if (jid != NULL && !g_hash_table_contains (sent, cw_jid_get_bare_string (jid)))
        route_copy (state, stanza, key);
    }
  g_hash_table_remove_all (ps->directed);
}

/* After initial presence: probe the contacts the user is subscribed to
 * (§4.3) and deliver the requests still waiting for an answer (§3.1.3). */
static void
initial_presence (CwPresenceState *state, CwPresenceSession *ps)
{
  CwJid *jid = cw_c2s_session_get_jid (ps->session);
  g_autoptr (GPtrArray) items = cw_roster_items (state, cw_jid_get_bare_string (jid));

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CwRosterItem *item = items->pdata[i];

      if (cw_subscription_has_to (item->subscription))
        {
          g_autoptr (CwElement) probe
            = cw_stanza_presence_new ("probe", cw_jid_to_string (jid), item->jid);

          cw_router_route (state->host->router, probe);
        }
      if (item->pending_in)
        {
          g_autoptr (CwElement) request
            = cw_stanza_presence_new ("subscribe", item->jid, cw_jid_get_bare_string (jid));

          cw_c2s_session_send (ps->session, request);
        }
    }
}

/* Broadcast presence: no 'to', available or unavailable (§4.2, §4.4, §4.5). */
static void
broadcast (CwPresenceState *state, CwPresenceSession *ps, CwElement *stanza)
{
  gboolean available = cw_stanza_get_type (stanza) == NULL;
  const gchar *prio = cw_element_get_child_text (stanza, "priority", NULL);
  gboolean initial = ps->last == NULL;
  gboolean was_available = !initial;

  cw_router_set_presence (cw_c2s_session_get_resource (ps->session), available,
                          prio ? (gint)g_ascii_strtoll (prio, NULL, 10) : 0);
  to_own_resources (state, ps, stanza, TRUE);
  if (available)
    {
      g_clear_pointer (&ps->last, cw_element_unref);
      ps->last = cw_element_ref (stanza);
      if (initial)
        send_others_to (state, ps);
    }
  else
    g_clear_pointer (&ps->last, cw_element_unref);
  if (available || was_available || g_hash_table_size (ps->directed) > 0)
    broadcast_to_contacts (state, ps, stanza, available || was_available, !available);
  if (available && initial)
    initial_presence (state, ps);
}

/* Directed presence (§4.6): delivered by the router; remembered so that
 * the recipient learns when the user goes offline. */
static void
directed (CwPresenceSession *ps, CwElement *stanza)
{
  g_autofree gchar *to = cw_jid_normalize (cw_stanza_get_to (stanza), NULL);

  if (to == NULL)
    return;
  if (cw_stanza_get_type (stanza) == NULL)
    g_hash_table_add (ps->directed, g_steal_pointer (&to));
  else
    g_hash_table_remove (ps->directed, to);
}

static CwModuleResult
presence_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  CwPresenceState *state = data;
  CwPresenceSession *ps = g_hash_table_lookup (state->sessions, session);
  const gchar *type = cw_stanza_get_type (stanza);
  CwSubscriptionEvent event;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE)
    return CW_MODULE_PASS;
  if (ps == NULL || cw_c2s_session_get_resource (session) == NULL)
    return CW_MODULE_HANDLED;
  if (cw_subscription_event_from_type (type, &event))
    {
      if (state->host->store == NULL)
        return CW_MODULE_PASS;
      if (cw_stanza_get_to (stanza) != NULL)
        cw_roster_outbound_subscription (state, stanza, event);
      return CW_MODULE_HANDLED;
    }
  if (g_strcmp0 (type, "probe") == 0)
    return CW_MODULE_HANDLED; /* the server probes, clients do not (§4.3) */
  if (type != NULL && g_strcmp0 (type, "unavailable") != 0)
    return CW_MODULE_PASS;
  if (cw_stanza_get_to (stanza) != NULL)
    {
      directed (ps, stanza);
      return CW_MODULE_PASS;
    }
  broadcast (state, ps, stanza);
  return CW_MODULE_HANDLED;
}

/* §4.3.2: a probe of a local account, answered with the last presence of
 * each of its available resources when the prober is subscribed. */
static void
answer_probe (CwPresenceState *state, CwElement *probe, const CwJid *to)
{
  const gchar *from = cw_stanza_get_from (probe);
  g_autoptr (CwJid) prober = from ? cw_jid_parse (from, NULL) : NULL;
  g_autoptr (CwRosterItem) item = NULL;

  if (prober == NULL)
    return;
  item = cw_roster_item (state, cw_jid_get_bare_string (to), cw_jid_get_bare_string (prober));
  if (item == NULL || !cw_subscription_has_from (item->subscription))
    return;
  cw_presence_send_current (state, cw_jid_get_bare_string (to), from, FALSE);
}

static CwModuleResult
presence_server_stanza (gpointer data, CwElement *stanza)
{
  CwPresenceState *state = data;
  const gchar *type = cw_stanza_get_type (stanza);
  const gchar *to_str = cw_stanza_get_to (stanza);
  g_autoptr (CwJid) to = NULL;
  CwSubscriptionEvent event;

  if (cw_roster_handle_iq (state, stanza))
    return CW_MODULE_HANDLED;
  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE || state->host->store == NULL
      || to_str == NULL || (to = cw_jid_parse (to_str, NULL)) == NULL
      || cw_jid_get_local (to) == NULL || cw_jid_get_resource (to) != NULL)
    return CW_MODULE_PASS;
  if (cw_subscription_event_from_type (type, &event))
    {
      cw_roster_inbound_subscription (state, stanza, event);
      return CW_MODULE_HANDLED;
    }
  if (g_strcmp0 (type, "probe") == 0)
    {
      answer_probe (state, stanza, to);
      return CW_MODULE_HANDLED;
    }
  return CW_MODULE_PASS;
}

static void
presence_session_bound (gpointer data, CwC2sSession *session)
{
  CwPresenceState *state = data;
  CwPresenceSession *ps = g_new0 (CwPresenceSession, 1);
  const gchar *bare = cw_jid_get_bare_string (cw_c2s_session_get_jid (session));
  GPtrArray *list = g_hash_table_lookup (state->by_bare, bare);

  ps->session = session;
  ps->directed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (state->sessions, session, ps);
  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (state->by_bare, g_strdup (bare), list);
    }
  g_ptr_array_add (list, ps);
}

/* Whether a newer session bound @ps's full JID (and took it over). */
static gboolean
replaced (CwPresenceState *state, CwPresenceSession *ps)
{
  CwJid *jid = cw_c2s_session_get_jid (ps->session);
  GPtrArray *sessions = cw_presence_sessions_of (state, cw_jid_get_bare_string (jid));

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    if (sessions->pdata[i] != ps
        && cw_jid_equal (
          cw_c2s_session_get_jid (((CwPresenceSession *)sessions->pdata[i])->session), jid))
      return TRUE;
  return FALSE;
}

/* §4.5.2 done by the server: a session that ends without saying goodbye
 * goes unavailable for everyone who saw it. */
static void
presence_session_closed (gpointer data, CwC2sSession *session)
{
  CwPresenceState *state = data;
  CwPresenceSession *ps = g_hash_table_lookup (state->sessions, session);
  const gchar *bare;
  GPtrArray *list;

  if (ps == NULL)
    return;
  if (replaced (state, ps))
    g_clear_pointer (&ps->last, cw_element_unref); /* the new session speaks for the JID */
  else if (ps->last != NULL || g_hash_table_size (ps->directed) > 0)
    {
      g_autoptr (CwElement) gone = cw_stanza_presence_new (
        "unavailable", cw_jid_to_string (cw_c2s_session_get_jid (session)), NULL);

      gboolean was_available = ps->last != NULL;

      if (was_available)
        to_own_resources (state, ps, gone, FALSE);
      g_clear_pointer (&ps->last, cw_element_unref);
      broadcast_to_contacts (state, ps, gone, was_available, TRUE);
    }
  bare = cw_jid_get_bare_string (cw_c2s_session_get_jid (session));
  list = g_hash_table_lookup (state->by_bare, bare);
  if (list != NULL)
    {
      g_ptr_array_remove (list, ps);
      if (list->len == 0)
        g_hash_table_remove (state->by_bare, bare);
    }
  g_hash_table_remove (state->sessions, session);
}

const CwModule cw_mod_presence = {
  .name = "presence",
  .create = presence_create,
  .free = presence_free,
  .client_stanza = presence_client_stanza,
  .server_stanza = presence_server_stanza,
  .session_bound = presence_session_bound,
  .session_closed = presence_session_closed,
};
