/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-blocking: XEP-0191 — the account's blocklist, its pushes, and the stanzas it stops. */
#include "config.h"

#include "server/module.h"

#include "server/subscription.h"
#include "xml/stanza.h"

#define NS_BLOCKING "urn:xmpp:blocking"
#define NS_BLOCKING_ERRORS "urn:xmpp:blocking:errors"

typedef struct
{
  const CwModuleHost *host;
  GHashTable *interested; /* owned: full JID string -> TRUE: asked for the list */
} BlockingState;

static gpointer
blocking_create (const CwModuleHost *host)
{
  BlockingState *state;

  if (host->store == NULL)
    return NULL;
  state = g_new0 (BlockingState, 1);
  state->host = host;
  state->interested = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return state;
}

static void
blocking_free (gpointer data)
{
  BlockingState *state = data;

  g_hash_table_destroy (state->interested);
  g_free (state);
}

static void
reply_error (BlockingState *state, CwElement *stanza, CwElement *error_el)
{
  g_autoptr (CwElement) reply = cw_stanza_error_reply_take (stanza, error_el);

  if (reply == NULL)
    return;
  if (cw_stanza_get_from (reply) == NULL)
    cw_element_set_attr (reply, "from", state->host->domain);
  cw_router_route (state->host->router, reply);
}

/* ---- the list and its pushes -------------------------------------------------- */

/* Normalised JIDs of @op's <item/>s; NULL (and an error sent) if one is bad. */
static GPtrArray *
parse_items (BlockingState *state, CwElement *iq, CwElement *op)
{
  g_autoptr (GPtrArray) jids = g_ptr_array_new_with_free_func (g_free);

  for (CwElement *item = cw_element_first (op); item != NULL; item = cw_element_next (item))
    {
      g_autoptr (CwJid) jid = NULL;

      if (!cw_element_is (item, "item", NS_BLOCKING))
        continue;
      jid = cw_jid_parse (
        cw_element_get_attr (item, "jid") ? cw_element_get_attr (item, "jid") : "", NULL);
      if (jid == NULL)
        {
          cw_module_reply_error (state->host, iq, CW_STANZA_ERROR_JID_MALFORMED);
          return NULL;
        }
      g_ptr_array_add (jids, g_strdup (cw_jid_to_string (jid)));
    }
  return g_steal_pointer (&jids);
}

static CwElement *
list_element (const gchar *name, GPtrArray *jids)
{
  CwElement *el = cw_element_new (name, NS_BLOCKING);

  for (guint i = 0; jids != NULL && i < jids->len; i++)
    cw_element_set_attr (cw_element_add (el, "item", NS_BLOCKING), "jid", jids->pdata[i]);
  return el;
}

/* XEP-0191 §3.3: every resource that asked for the list learns the change. */
static void
push (BlockingState *state, CwJid *user, const gchar *name, GPtrArray *jids)
{
  g_autoptr (CwJid) bare = cw_jid_get_bare (user);
  g_autoptr (GPtrArray) resources = cw_router_get_resources (state->host->router, bare);

  for (guint i = 0; i < resources->len; i++)
    {
      const gchar *full = cw_jid_to_string (cw_router_resource_get_jid (resources->pdata[i]));
      g_autoptr (CwElement) iq = NULL;

      if (!g_hash_table_contains (state->interested, full))
        continue;
      iq = cw_stanza_iq_new (CW_IQ_TYPE_SET, cw_jid_get_bare_string (user), full, NULL);
      cw_element_add_child (iq, list_element (name, jids));
      cw_router_resource_deliver (resources->pdata[i], iq);
    }
}

static void
handle_get (BlockingState *state, CwElement *iq, const CwJid *user)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) jids
    = cw_gateway_store_block_list (state->host->store, cw_jid_get_local (user), &error);

  if (jids == NULL)
    {
      reply_error (state, iq, cw_stanza_error_element_new (error));
      return;
    }
  g_hash_table_add (state->interested, g_strdup (cw_jid_to_string (user)));
  cw_module_reply_result (state->host, iq, list_element ("blocklist", jids));
}

static gboolean
apply (BlockingState *state, const gchar *username, gboolean block, GPtrArray *jids, GError **error)
{
  if (!block && jids->len == 0)
    return cw_gateway_store_block_clear (state->host->store, username, error);
  for (guint i = 0; i < jids->len; i++)
    if (!(block ? cw_gateway_store_block_add : cw_gateway_store_block_remove) (
          state->host->store, username, jids->pdata[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
blocks (BlockingState *state, const gchar *username, const gchar *jid)
{
  gboolean blocked = FALSE;
  g_autoptr (GError) error = NULL;

  if (!cw_gateway_store_block_is_blocked (state->host->store, username, jid, &blocked, &error))
    g_warning ("blocking: %s", error->message);
  return blocked;
}

/* ---- presence when the list changes --------------------------------------- */

/* Of @jids, those subscribed to @username's presence (and, when
 * @blocking, not blocked already): who the change is news to. */
static GPtrArray *
presence_audience (BlockingState *state, const gchar *username, GPtrArray *jids, gboolean blocking)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < jids->len; i++)
    {
      g_autoptr (CwRosterItem) item
        = cw_gateway_store_roster_get_item (state->host->store, username, jids->pdata[i], NULL);

      if (item == NULL || !cw_subscription_has_from (item->subscription))
        continue;
      if (blocking && blocks (state, username, jids->pdata[i]))
        continue;
      g_ptr_array_add (out, g_strdup (jids->pdata[i]));
    }
  return out;
}

/* §3.3: on a block, unavailable presence from each available resource
 * of @user to the newly blocked contacts; on an unblock, their current
 * presence, through a probe on each contact's behalf (as Prosody does). */
static void
presence_after_change (BlockingState *state, CwJid *user, gboolean blocking, GPtrArray *audience)
{
  g_autoptr (CwJid) bare = cw_jid_get_bare (user);
  g_autoptr (GPtrArray) resources = cw_router_get_resources (state->host->router, bare);

  for (guint i = 0; i < audience->len; i++)
    {
      if (!blocking)
        {
          g_autoptr (CwElement) probe
            = cw_stanza_presence_new ("probe", audience->pdata[i], cw_jid_to_string (bare));

          cw_router_route (state->host->router, probe);
          continue;
        }
      for (guint j = 0; j < resources->len; j++)
        {
          g_autoptr (CwElement) gone = NULL;

          if (!cw_router_resource_is_available (resources->pdata[j]))
            continue;
          gone = cw_stanza_presence_new (
            "unavailable", cw_jid_to_string (cw_router_resource_get_jid (resources->pdata[j])),
            audience->pdata[i]);
          cw_router_route (state->host->router, gone);
        }
    }
}

static void
handle_set (BlockingState *state, CwElement *iq, CwElement *op, CwJid *user)
{
  gboolean block = cw_element_is (op, "block", NS_BLOCKING);
  g_autoptr (GPtrArray) jids = parse_items (state, iq, op);
  g_autoptr (GPtrArray) all = NULL, audience = NULL;
  g_autoptr (GError) error = NULL;

  if (jids == NULL)
    return;
  /* §3.3: a <block/> without items is a bad request; an empty <unblock/>
   * unblocks everything (§3.5). */
  if (block && jids->len == 0)
    {
      cw_module_reply_error (state->host, iq, CW_STANZA_ERROR_BAD_REQUEST);
      return;
    }
  all = !block && jids->len == 0
          ? cw_gateway_store_block_list (state->host->store, cw_jid_get_local (user), NULL)
          : NULL;
  audience = presence_audience (state, cw_jid_get_local (user), all ? all : jids, block);
  if (!apply (state, cw_jid_get_local (user), block, jids, &error))
    {
      reply_error (state, iq, cw_stanza_error_element_new (error));
      return;
    }
  cw_module_reply_result (state->host, iq, NULL);
  push (state, user, block ? "block" : "unblock", jids);
  presence_after_change (state, user, block, audience);
}

static CwModuleResult
blocking_server_stanza (gpointer data, CwElement *stanza)
{
  BlockingState *state = data;
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  g_autoptr (CwJid) user = NULL;
  const gchar *type = cw_stanza_get_type (stanza);

  if (state == NULL || cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || payload == NULL
      || g_strcmp0 (cw_element_get_ns (payload), NS_BLOCKING) != 0)
    return CW_MODULE_PASS;
  user = cw_jid_parse (cw_stanza_get_from (stanza) ? cw_stanza_get_from (stanza) : "", NULL);
  if (user == NULL || cw_jid_get_local (user) == NULL
      || g_strcmp0 (cw_jid_get_domain (user), state->host->domain) != 0)
    cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  else if (g_strcmp0 (type, "get") == 0 && cw_element_is (payload, "blocklist", NS_BLOCKING))
    handle_get (state, stanza, user);
  else if (g_strcmp0 (type, "set") == 0
           && (cw_element_is (payload, "block", NS_BLOCKING)
               || cw_element_is (payload, "unblock", NS_BLOCKING)))
    handle_set (state, stanza, payload, user);
  else if (g_strcmp0 (type, "get") == 0 || g_strcmp0 (type, "set") == 0)
    cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_BAD_REQUEST);
  else
    return CW_MODULE_PASS;
  return CW_MODULE_HANDLED;
}

/* ---- stopping stanzas ------------------------------------------------------- */

/* XEP-0191 §3.6: the blocker's own stanzas to a blocked JID. */
static void
refuse_outbound (BlockingState *state, CwElement *stanza)
{
  if (cw_stanza_get_kind (stanza) == CW_STANZA_KIND_PRESENCE)
    return;
  reply_error (state, stanza,
               cw_stanza_error_element_new_full (CW_STANZA_ERROR_NOT_ACCEPTABLE,
                                                 CW_STANZA_ERROR_TYPE_CANCEL, NULL,
                                                 cw_element_new ("blocked", NS_BLOCKING_ERRORS)));
}

/* §3.5: from a blocked JID, presence goes nowhere and messages and IQs
 * bounce with <service-unavailable/> — except a message to an online full
 * JID, which is dropped so that it does not reveal presence (Prosody). */
static void
refuse_inbound (BlockingState *state, CwElement *stanza, const CwJid *to)
{
  CwStanzaKind kind = cw_stanza_get_kind (stanza);

  if (kind == CW_STANZA_KIND_PRESENCE)
    return;
  if (kind == CW_STANZA_KIND_MESSAGE && !cw_jid_is_bare (to)
      && cw_router_is_bound (state->host->router, to))
    return;
  cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
}

static CwModuleResult
blocking_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  BlockingState *state = data;
  const gchar *to_text = cw_stanza_get_to (stanza);
  const gchar *from_text = cw_stanza_get_from (stanza); /* stamped by the session */
  g_autoptr (CwJid) to = NULL, from = NULL;

  if (state == NULL || to_text == NULL || from_text == NULL
      || g_strcmp0 (cw_stanza_get_type (stanza), "error") == 0)
    return CW_MODULE_PASS;
  to = cw_jid_parse (to_text, NULL);
  from = cw_jid_parse (from_text, NULL);
  if (to == NULL || from == NULL || cw_jid_get_local (from) == NULL || cw_jid_equal_bare (to, from)
      || (cw_jid_get_local (to) == NULL && cw_jid_get_resource (to) == NULL
          && g_strcmp0 (cw_jid_get_domain (to), state->host->domain) == 0))
    return CW_MODULE_PASS;
  if (blocks (state, cw_jid_get_local (from), cw_jid_to_string (to)))
    {
      refuse_outbound (state, stanza);
      return CW_MODULE_HANDLED;
    }
  if (cw_router_classify (state->host->router, to) == CW_ROUTE_LOCAL
      && blocks (state, cw_jid_get_local (to), cw_jid_to_string (from)))
    {
      refuse_inbound (state, stanza, to);
      return CW_MODULE_HANDLED;
    }
  return CW_MODULE_PASS;
}

static void
blocking_session_closed (gpointer data, CwC2sSession *session)
{
  BlockingState *state = data;

  if (state != NULL && cw_c2s_session_get_jid (session) != NULL)
    g_hash_table_remove (state->interested, cw_jid_to_string (cw_c2s_session_get_jid (session)));
}

static const gchar *const blocking_features[] = { NS_BLOCKING, NULL };

const CwModule cw_mod_blocking = {
  .name = "blocking",
  .features = blocking_features,
  .create = blocking_create,
  .free = blocking_free,
  .client_stanza = blocking_client_stanza,
  .server_stanza = blocking_server_stanza,
  .session_closed = blocking_session_closed,
};
