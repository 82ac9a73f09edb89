/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rosters (RFC 6121 §2, XEP-0237 versions) and subscription state changes (§3) in the store. */
#include "config.h"

#include "common/namespaces.h"
#include "server/presence-private.h"
#include "xml/stanza.h"

/* A contact's request the user has not answered is kept as a roster item
 * in state "None + Pending In" that the user's roster does not show
 * (§3.1.3: it is not a roster item until approved). It is marked with
 * this group: U+0001 cannot appear in XML, so no client can set it. */
#define HIDDEN_GROUP "\001pending-in"
/* Longest name or group accepted in a roster set (§2.3.3 not-acceptable). */
#define MAX_TEXT 1023

static gboolean
item_is_hidden (const CwRosterItem *item)
{
  return item->groups != NULL && g_strv_contains ((const gchar *const *)item->groups, HIDDEN_GROUP);
}

/* The localpart of @bare, the store's username. */
static gchar *
username_of (const gchar *bare)
{
  g_autoptr (CwJid) jid = cw_jid_parse (bare, NULL);

  return jid != NULL ? g_strdup (cw_jid_get_local (jid)) : NULL;
}

GPtrArray *
cw_roster_items (CwPresenceState *state, const gchar *user)
{
  g_autofree gchar *username = username_of (user);
  g_autoptr (GError) error = NULL;
  GPtrArray *items;

  if (state->host->store == NULL || username == NULL)
    return NULL;
  items = cw_gateway_store_roster_get_all (state->host->store, username, NULL, &error);
  if (items == NULL)
    g_debug ("roster of %s: %s", user, error->message);
  return items;
}

CwRosterItem *
cw_roster_item (CwPresenceState *state, const gchar *user, const gchar *contact)
{
  g_autofree gchar *username = username_of (user);

  if (state->host->store == NULL || username == NULL)
    return NULL;
  return cw_gateway_store_roster_get_item (state->host->store, username, contact, NULL);
}

/* XEP-0237 ver: the account's creation time and the version, so that the
 * cached roster of a deleted account never passes for a new one's. */
static gchar *
make_ver (CwPresenceState *state, const gchar *username, guint64 version)
{
  g_autoptr (CwGatewayAccount) account
    = cw_gateway_store_account_get (state->host->store, username, NULL);

  return g_strdup_printf ("%" G_GINT64_MODIFIER "x-%" G_GUINT64_FORMAT,
                          account ? account->created_at : 0, version);
}

static CwElement *
item_element (const CwRosterItem *item, gboolean removed)
{
  CwElement *el = cw_element_new ("item", CW_NS_ROSTER);

  cw_element_set_attr (el, "jid", item->jid);
  if (removed)
    {
      cw_element_set_attr (el, "subscription", "remove");
      return el;
    }
  if (item->name != NULL)
    cw_element_set_attr (el, "name", item->name);
  cw_element_set_attr (el, "subscription", cw_roster_subscription_to_string (item->subscription));
  if (item->ask_out)
    cw_element_set_attr (el, "ask", "subscribe");
  for (guint i = 0; item->groups != NULL && item->groups[i] != NULL; i++)
    cw_element_add_text_child (el, "group", CW_NS_ROSTER, item->groups[i]);
  return el;
}

/* A roster push (§2.1.6) to every interested resource of @user. */
static void
push (CwPresenceState *state, const gchar *user, const CwRosterItem *item, gboolean removed,
      guint64 version)
{
  GPtrArray *sessions = cw_presence_sessions_of (state, user);
  g_autofree gchar *username = username_of (user);
  g_autofree gchar *ver = make_ver (state, username, version);

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      CwPresenceSession *ps = sessions->pdata[i];
      g_autofree gchar *id = NULL;
      g_autoptr (CwElement) iq = NULL;
      CwElement *query;

      if (!ps->interested)
        continue;
      id = cw_stanza_generate_id ();
      iq = cw_stanza_iq_new (CW_IQ_TYPE_SET, NULL,
                             cw_jid_to_string (cw_c2s_session_get_jid (ps->session)), id);
      query = cw_element_add (iq, "query", CW_NS_ROSTER);
      cw_element_set_attr (query, "ver", ver);
      cw_element_add_child (query, item_element (item, removed));
      cw_c2s_session_send (ps->session, iq);
    }
}

/* §2.1.3 and §2.6: the whole roster, or an empty result when the
 * client's ver is current. */
static void
roster_get (CwPresenceState *state, CwElement *stanza, CwPresenceSession *ps, const gchar *username)
{
  CwElement *request = cw_stanza_iq_get_payload (stanza);
  const gchar *client_ver = cw_element_get_attr (request, "ver");
  g_autoptr (GError) error = NULL;
  guint64 version = 0;
  g_autoptr (GPtrArray) items
    = cw_gateway_store_roster_get_all (state->host->store, username, &version, &error);
  g_autofree gchar *ver = NULL;
  CwElement *query;

  if (items == NULL)
    {
      g_warning ("roster of %s: %s", username, error->message);
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  if (ps != NULL)
    ps->interested = TRUE;
  ver = make_ver (state, username, version);
  if (g_strcmp0 (client_ver, ver) == 0)
    {
      cw_module_reply_result (state->host, stanza, NULL);
      return;
    }
  query = cw_element_new ("query", CW_NS_ROSTER);
  cw_element_set_attr (query, "ver", ver);
  for (guint i = 0; i < items->len; i++)
    if (!item_is_hidden (items->pdata[i]))
      cw_element_add_child (query, item_element (items->pdata[i], FALSE));
  cw_module_reply_result (state->host, stanza, query);
}

/* The one <item/> of a roster set, or an error condition (§2.3.3). */
static CwStanzaError
parse_set (CwElement *query, const gchar *user, CwElement **item_out, gchar **jid_out)
{
  CwElement *item = NULL;
  guint n = 0;
  const gchar *sub;
  g_autoptr (CwJid) jid = NULL;

  for (CwElement *c = cw_element_first (query); c != NULL; c = cw_element_next (c))
    if (!cw_element_is_text (c))
      {
        n++;
        item = c;
      }
  if (n != 1 || !cw_element_is (item, "item", CW_NS_ROSTER)
      || cw_element_get_attr (item, "jid") == NULL)
    return CW_STANZA_ERROR_BAD_REQUEST;
  jid = cw_jid_parse (cw_element_get_attr (item, "jid"), NULL);
  if (jid == NULL || cw_jid_get_resource (jid) != NULL)
    return CW_STANZA_ERROR_JID_MALFORMED;
  sub = cw_element_get_attr (item, "subscription");
  if (sub != NULL && g_strcmp0 (sub, "remove") != 0 && g_strcmp0 (sub, "none") != 0)
    return CW_STANZA_ERROR_NOT_ALLOWED;
  if (g_str_equal (cw_jid_get_bare_string (jid), user))
    return CW_STANZA_ERROR_NOT_ALLOWED;
  *item_out = item;
  *jid_out = g_strdup (cw_jid_get_bare_string (jid));
  return CW_STANZA_ERROR_UNDEFINED_CONDITION; /* none */
}

/* The name and groups of a roster set into @item; an error condition
 * for bad ones (§2.3.3). */
static CwStanzaError
read_name_groups (CwElement *el, CwRosterItem *item)
{
  const gchar *name = cw_element_get_attr (el, "name");
  g_autoptr (GStrvBuilder) groups = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (name != NULL && strlen (name) > MAX_TEXT)
    return CW_STANZA_ERROR_NOT_ACCEPTABLE;
  for (CwElement *c = cw_element_first (el); c != NULL; c = cw_element_next (c))
    {
      const gchar *text;

      if (cw_element_is_text (c) || !cw_element_is (c, "group", CW_NS_ROSTER))
        continue;
      text = cw_element_get_text (c);
      if (text == NULL || *text == '\0' || strlen (text) > MAX_TEXT)
        return CW_STANZA_ERROR_NOT_ACCEPTABLE;
      if (!g_hash_table_add (seen, (gpointer)text))
        return CW_STANZA_ERROR_BAD_REQUEST;
      g_strv_builder_add (groups, text);
    }
  g_free (item->name);
  item->name = *(name ? name : "") ? g_strdup (name) : NULL;
  g_strfreev (item->groups);
  item->groups = g_strv_builder_end (groups);
  return CW_STANZA_ERROR_UNDEFINED_CONDITION;
}

static CwElement *
subscription_presence (const gchar *type, const gchar *from, const gchar *to)
{
  return cw_stanza_presence_new (type, from, to);
}

/* §2.5.2: removing an item cancels the subscriptions both ways. */
static void
cancel_after_remove (CwPresenceState *state, const gchar *user, const CwRosterItem *item)
{
  gboolean from = cw_subscription_has_from (item->subscription);

  if (cw_subscription_has_to (item->subscription) || item->ask_out)
    {
      g_autoptr (CwElement) p = subscription_presence ("unsubscribe", user, item->jid);
      cw_router_route (state->host->router, p);
    }
  if (from || item->pending_in)
    {
      g_autoptr (CwElement) p = subscription_presence ("unsubscribed", user, item->jid);
      cw_router_route (state->host->router, p);
    }
  if (from)
    cw_presence_send_current (state, user, item->jid, TRUE);
}

static void
roster_remove (CwPresenceState *state, CwElement *stanza, const gchar *user, const gchar *username,
               const gchar *contact)
{
  CwGatewayStore *store = state->host->store;
  g_autoptr (CwRosterItem) item = cw_gateway_store_roster_get_item (store, username, contact, NULL);
  g_autoptr (GError) error = NULL;
  guint64 version;

  if (item == NULL || item_is_hidden (item))
    {
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_ITEM_NOT_FOUND);
      return;
    }
  if (!cw_gateway_store_roster_remove_item (store, username, contact, &version, &error))
    {
      g_warning ("roster of %s: %s", username, error->message);
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  cw_module_reply_result (state->host, stanza, NULL);
  push (state, user, item, TRUE, version);
  cancel_after_remove (state, user, item);
}

/* §2.3 and §2.4: add or update the name and groups; the subscription
 * state stays as it is. */
static void
roster_set (CwPresenceState *state, CwElement *stanza, const gchar *user, const gchar *username)
{
  CwGatewayStore *store = state->host->store;
  CwElement *el = NULL;
  g_autofree gchar *contact = NULL;
  CwStanzaError bad = parse_set (cw_stanza_iq_get_payload (stanza), user, &el, &contact);
  g_autoptr (CwRosterItem) item = NULL;
  g_autoptr (GError) error = NULL;

  if (bad != CW_STANZA_ERROR_UNDEFINED_CONDITION)
    {
      cw_module_reply_error (state->host, stanza, bad);
      return;
    }
  if (g_strcmp0 (cw_element_get_attr (el, "subscription"), "remove") == 0)
    {
      roster_remove (state, stanza, user, username, contact);
      return;
    }
  item = cw_gateway_store_roster_get_item (store, username, contact, NULL);
  if (item == NULL)
    item = cw_roster_item_new (contact);
  bad = read_name_groups (el, item);
  if (bad != CW_STANZA_ERROR_UNDEFINED_CONDITION)
    {
      cw_module_reply_error (state->host, stanza, bad);
      return;
    }
  if (!cw_gateway_store_roster_set_item (store, username, item, &error))
    {
      g_warning ("roster of %s: %s", username, error->message);
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  cw_module_reply_result (state->host, stanza, NULL);
  push (state, user, item, FALSE, item->version);
}

/* The session that sent @stanza, when it is a bound one. */
static CwPresenceSession *
sender_session (CwPresenceState *state, const CwJid *from)
{
  GPtrArray *sessions = cw_presence_sessions_of (state, cw_jid_get_bare_string (from));

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      CwPresenceSession *ps = sessions->pdata[i];

      if (cw_jid_equal (cw_c2s_session_get_jid (ps->session), from))
        return ps;
    }
  return NULL;
}

gboolean
cw_roster_handle_iq (CwPresenceState *state, CwElement *stanza)
{
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  const gchar *to = cw_stanza_get_to (stanza);
  g_autoptr (CwJid) from = NULL;
  g_autofree gchar *username = NULL;
  CwIqType type;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || payload == NULL
      || !cw_element_is (payload, "query", CW_NS_ROSTER) || !cw_stanza_iq_get_type (stanza, &type)
      || (type != CW_IQ_TYPE_GET && type != CW_IQ_TYPE_SET) || state->host->store == NULL)
    return FALSE;
  from = cw_stanza_get_from (stanza) ? cw_jid_parse (cw_stanza_get_from (stanza), NULL) : NULL;
  if (from == NULL || g_strcmp0 (cw_jid_get_domain (from), state->host->domain) != 0
      || cw_jid_get_local (from) == NULL)
    {
      cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_FORBIDDEN);
      return TRUE;
    }
  if (to != NULL)
    {
      g_autofree gchar *norm = cw_jid_normalize (to, NULL);

      /* Only the account itself manages its roster (§2.1.5). */
      if (g_strcmp0 (norm, state->host->domain) != 0
          && g_strcmp0 (norm, cw_jid_get_bare_string (from)) != 0)
        {
          cw_module_reply_error (state->host, stanza, CW_STANZA_ERROR_FORBIDDEN);
          return TRUE;
        }
    }
  username = g_strdup (cw_jid_get_local (from));
  if (type == CW_IQ_TYPE_GET)
    roster_get (state, stanza, sender_session (state, from), username);
  else
    roster_set (state, stanza, cw_jid_get_bare_string (from), username);
  return TRUE;
}

/* Saves @item (or deletes it when nothing is left of a hidden one) after
 * a subscription change, and pushes what the user's roster shows. */
static void
store_change (CwPresenceState *state, const gchar *user, const gchar *username, CwRosterItem *item,
              const CwSubscriptionState *old, gboolean existed)
{
  CwGatewayStore *store = state->host->store;
  gboolean was_visible = existed && !item_is_hidden (item);
  gboolean empty
    = item->subscription == CW_ROSTER_SUBSCRIPTION_NONE && !item->ask_out && !item->pending_in;
  g_autoptr (GError) error = NULL;
  guint64 version = 0;

  if (empty && !was_visible)
    {
      if (existed
          && !cw_gateway_store_roster_remove_item (store, username, item->jid, NULL, &error))
        g_warning ("roster of %s: %s", username, error->message);
      return;
    }
  if (!existed && item->subscription == CW_ROSTER_SUBSCRIPTION_NONE && !item->ask_out)
    {
      /* Only a request from the contact: not in the roster yet. */
      g_strfreev (item->groups);
      item->groups = g_new0 (gchar *, 2);
      item->groups[0] = g_strdup (HIDDEN_GROUP);
    }
  else if (item_is_hidden (item)
           && (item->subscription != CW_ROSTER_SUBSCRIPTION_NONE || item->ask_out))
    g_clear_pointer (&item->groups, g_strfreev);
  if (!cw_gateway_store_roster_set_item (store, username, item, &error))
    {
      g_warning ("roster of %s: %s", username, error->message);
      return;
    }
  version = item->version;
  if (item_is_hidden (item))
    {
      if (was_visible)
        push (state, user, item, TRUE, version);
    }
  else if (!was_visible || old->subscription != item->subscription
           || !old->ask_out != !item->ask_out)
    push (state, user, item, FALSE, version);
}

/* Runs the state machine for @user's item for @contact; stores and
 * pushes the change. */
static CwSubscriptionActions
change (CwPresenceState *state, const gchar *user, const gchar *contact, CwSubscriptionEvent event,
        CwSubscriptionDirection direction)
{
  g_autofree gchar *username = username_of (user);
  g_autoptr (CwRosterItem) item = NULL;
  CwSubscriptionState old = { CW_ROSTER_SUBSCRIPTION_NONE, FALSE, FALSE }, now;
  CwSubscriptionActions actions;
  gboolean existed;

  if (state->host->store == NULL || username == NULL)
    return CW_SUBSCRIPTION_ACTION_NONE;
  item = cw_gateway_store_roster_get_item (state->host->store, username, contact, NULL);
  existed = item != NULL;
  if (item != NULL)
    {
      old.subscription = item->subscription;
      old.ask_out = item->ask_out;
      old.pending_in = item->pending_in;
    }
  else
    item = cw_roster_item_new (contact);
  actions = cw_subscription_apply (&old, event, direction, &now);
  if (!cw_subscription_state_equal (&old, &now))
    {
      item->subscription = now.subscription;
      item->ask_out = now.ask_out;
      item->pending_in = now.pending_in;
      store_change (state, user, username, item, &old, existed);
    }
  return actions;
}

/* Both ends of @stanza as normalised bare JIDs; FALSE when either is bad. */
static gboolean
bare_ends (CwElement *stanza, gchar **from, gchar **to)
{
  g_autoptr (CwJid) f
    = cw_stanza_get_from (stanza) ? cw_jid_parse (cw_stanza_get_from (stanza), NULL) : NULL;
  g_autoptr (CwJid) t
    = cw_stanza_get_to (stanza) ? cw_jid_parse (cw_stanza_get_to (stanza), NULL) : NULL;

  if (f == NULL || t == NULL || cw_jid_get_local (f) == NULL)
    return FALSE;
  *from = g_strdup (cw_jid_get_bare_string (f));
  *to = g_strdup (cw_jid_get_bare_string (t));
  return TRUE;
}

void
cw_roster_outbound_subscription (CwPresenceState *state, CwElement *stanza,
                                 CwSubscriptionEvent event)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;
  CwSubscriptionActions actions;

  if (!bare_ends (stanza, &user, &contact) || g_str_equal (user, contact))
    return;
  /* §3.1.2 and the like: the user's bare JID goes out, to the contact's. */
  cw_element_set_attr (stanza, "from", user);
  cw_element_set_attr (stanza, "to", contact);
  actions = change (state, user, contact, event, CW_SUBSCRIPTION_OUTBOUND);
  if (actions & CW_SUBSCRIPTION_ACTION_FORWARD)
    cw_router_route (state->host->router, stanza);
  if (actions & CW_SUBSCRIPTION_ACTION_SEND_PRESENCE)
    cw_presence_send_current (state, user, contact, FALSE);
  if (actions & CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE)
    cw_presence_send_current (state, user, contact, TRUE);
}

void
cw_roster_inbound_subscription (CwPresenceState *state, CwElement *stanza,
                                CwSubscriptionEvent event)
{
  g_autofree gchar *contact = NULL;
  g_autofree gchar *user = NULL;
  CwSubscriptionActions actions;

  if (!bare_ends (stanza, &contact, &user) || g_str_equal (user, contact))
    return;
  actions = change (state, user, contact, event, CW_SUBSCRIPTION_INBOUND);
  if (actions & CW_SUBSCRIPTION_ACTION_FORWARD)
    {
      g_autoptr (CwElement) copy = cw_element_copy (stanza);

      /* A subscribe nobody sees now waits as Pending In for the next login. */
      cw_element_set_attr (copy, "from", contact);
      cw_presence_deliver_available (state, user, copy);
    }
  if (actions & CW_SUBSCRIPTION_ACTION_AUTO_REPLY)
    {
      g_autoptr (CwElement) reply = subscription_presence ("subscribed", user, contact);

      cw_router_route (state->host->router, reply);
    }
  if (actions & CW_SUBSCRIPTION_ACTION_SEND_UNAVAILABLE)
    cw_presence_send_current (state, user, contact, TRUE);
}
