/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwRouter: full and bare JID tables and the RFC 6121 §8.5 delivery rules. */
#include "config.h"

#include "server/router.h"

#include "common/xmpp-error.h"
#include "xml/stanza.h"

struct _CwRouterResource
{
  CwJid *jid; /* owned: full JID */
  CwRouterResourceFuncs funcs;
  gpointer user_data;
  gboolean available;
  gint priority;
};

struct _CwRouter
{
  gchar *domain;    /* owned, normalised */
  GHashTable *full; /* owned: CwJid (full) -> CwRouterResource (owned) */
  GHashTable *bare; /* owned: gchar* bare -> GPtrArray of CwRouterResource (unowned) */
  CwRouterAccountFunc account_func;
  gpointer account_data;
  CwRouterServerFunc server_func;
  gpointer server_data;
  CwRouterMessageFunc message_func;
  gpointer message_data;
};

static void
resource_free (CwRouterResource *res)
{
  cw_jid_unref (res->jid);
  g_free (res);
}

CwRouter *
cw_router_new (const gchar *domain)
{
  CwRouter *self = g_new0 (CwRouter, 1);

  self->domain = cw_jid_normalize (domain, NULL);
  if (self->domain == NULL)
    self->domain = g_ascii_strdown (domain, -1);
  self->full
    = g_hash_table_new_full (cw_jid_hash, cw_jid_equal_func, NULL, (GDestroyNotify)resource_free);
  self->bare
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  return self;
}

void
cw_router_free (CwRouter *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->bare);
  g_hash_table_destroy (self->full);
  g_free (self->domain);
  g_free (self);
}

const gchar *
cw_router_get_domain (CwRouter *self)
{
  return self->domain;
}

void
cw_router_set_account_func (CwRouter *self, CwRouterAccountFunc func, gpointer user_data)
{
  self->account_func = func;
  self->account_data = user_data;
}

void
cw_router_set_server_func (CwRouter *self, CwRouterServerFunc func, gpointer user_data)
{
  self->server_func = func;
  self->server_data = user_data;
}

void
cw_router_set_message_func (CwRouter *self, CwRouterMessageFunc func, gpointer user_data)
{
  self->message_func = func;
  self->message_data = user_data;
}

CwRouteKind
cw_router_classify (CwRouter *self, const CwJid *to)
{
  if (to == NULL)
    return CW_ROUTE_SERVER;
  if (g_strcmp0 (cw_jid_get_domain (to), self->domain) != 0)
    {
      if (g_str_has_suffix (cw_jid_get_domain (to), self->domain)
          && cw_jid_get_domain (to)[strlen (cw_jid_get_domain (to)) - strlen (self->domain) - 1]
               == '.')
        return CW_ROUTE_COMPONENT;
      return CW_ROUTE_REMOTE_DOMAIN;
    }
  if (cw_jid_get_local (to) == NULL)
    return CW_ROUTE_SERVER;
  if (strstr (cw_jid_get_local (to), "\\40") != NULL)
    return CW_ROUTE_MESH_PEER;
  return CW_ROUTE_LOCAL;
}

static void
bare_remove (CwRouter *self, CwRouterResource *res)
{
  const gchar *bare = cw_jid_get_bare_string (res->jid);
  GPtrArray *list = g_hash_table_lookup (self->bare, bare);

  if (list == NULL)
    return;
  g_ptr_array_remove (list, res);
  if (list->len == 0)
    g_hash_table_remove (self->bare, bare);
}

CwRouterResource *
cw_router_bind (CwRouter *self, CwJid *full_jid, const CwRouterResourceFuncs *funcs,
                gpointer user_data)
{
  CwRouterResource *old = g_hash_table_lookup (self->full, full_jid);
  CwRouterResource *res;
  GPtrArray *list;

  g_return_val_if_fail (cw_jid_get_resource (full_jid) != NULL, NULL);
  if (old != NULL)
    {
      CwRouterResourceFuncs old_funcs = old->funcs;
      gpointer old_data = old->user_data;

      cw_router_unbind (self, old);
      if (old_funcs.replaced != NULL)
        old_funcs.replaced (old_data);
    }
  res = g_new0 (CwRouterResource, 1);
  res->jid = cw_jid_ref (full_jid);
  res->funcs = *funcs;
  res->user_data = user_data;
  g_hash_table_insert (self->full, res->jid, res);
  list = g_hash_table_lookup (self->bare, cw_jid_get_bare_string (full_jid));
  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (self->bare, g_strdup (cw_jid_get_bare_string (full_jid)), list);
    }
  g_ptr_array_add (list, res);
  return res;
}

void
cw_router_unbind (CwRouter *self, CwRouterResource *resource)
{
  g_return_if_fail (g_hash_table_lookup (self->full, resource->jid) == resource);
  bare_remove (self, resource);
  g_hash_table_remove (self->full, resource->jid);
}

gboolean
cw_router_is_bound (CwRouter *self, const CwJid *full_jid)
{
  return g_hash_table_contains (self->full, full_jid);
}

void
cw_router_set_presence (CwRouterResource *resource, gboolean available, gint priority)
{
  resource->available = available;
  resource->priority = CLAMP (priority, -128, 127);
}

gboolean
cw_router_resource_is_available (CwRouterResource *resource)
{
  return resource->available;
}

CwJid *
cw_router_resource_get_jid (CwRouterResource *resource)
{
  return resource->jid;
}

GPtrArray *
cw_router_get_resources (CwRouter *self, const CwJid *bare_jid)
{
  GPtrArray *list = g_hash_table_lookup (self->bare, cw_jid_get_bare_string (bare_jid));
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; list != NULL && i < list->len; i++)
    g_ptr_array_add (out, list->pdata[i]);
  return out;
}

void
cw_router_resource_deliver (CwRouterResource *resource, CwElement *stanza)
{
  resource->funcs.deliver (stanza, resource->user_data);
}

/* Sends @stanza's error reply back through the router (never for errors). */
static void
bounce (CwRouter *self, CwElement *stanza, CwStanzaError condition)
{
  g_autoptr (GError) error
    = g_error_new_literal (CW_STANZA_ERROR, condition, cw_stanza_error_to_name (condition));
  g_autoptr (CwElement) reply = cw_stanza_error_reply (stanza, error);

  if (reply == NULL || cw_stanza_get_to (reply) == NULL)
    return;
  cw_router_route (self, reply);
}

/* The resources that receive a message to the bare JID: all available
 * ones with the highest non-negative priority (RFC 6121 §8.5.2.1.1). */
static GPtrArray *
top_priority (CwRouter *self, const CwJid *bare)
{
  GPtrArray *list = g_hash_table_lookup (self->bare, cw_jid_get_bare_string (bare));
  GPtrArray *out = g_ptr_array_new ();
  gint best = -1;

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      CwRouterResource *r = list->pdata[i];

      if (r->available && r->priority >= 0 && r->priority > best)
        best = r->priority;
    }
  for (guint i = 0; list != NULL && best >= 0 && i < list->len; i++)
    {
      CwRouterResource *r = list->pdata[i];

      if (r->available && r->priority == best)
        g_ptr_array_add (out, r);
    }
  return out;
}

static void
route_bare_message (CwRouter *self, CwElement *stanza, const CwJid *to)
{
  const gchar *type = cw_stanza_get_type (stanza);
  g_autoptr (GPtrArray) targets = NULL;

  if (g_strcmp0 (type, "error") == 0)
    return;
  if (g_strcmp0 (type, "groupchat") == 0)
    {
      bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
      return;
    }
  targets = top_priority (self, to);
  /* Offline storage (XEP-0160) takes what it can; otherwise the sender
   * learns the message was not delivered. Headlines are dropped. */
  if (self->message_func != NULL && self->message_func (stanza, to, targets, self->message_data))
    return;
  if (targets->len == 0 && g_strcmp0 (type, "headline") != 0)
    bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  for (guint i = 0; i < targets->len; i++)
    cw_router_resource_deliver (targets->pdata[i], stanza);
}

static void
route_bare_presence (CwRouter *self, CwElement *stanza, const CwJid *to)
{
  GPtrArray *list = g_hash_table_lookup (self->bare, cw_jid_get_bare_string (to));

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      CwRouterResource *r = list->pdata[i];

      if (r->available)
        cw_router_resource_deliver (r, stanza);
    }
}

static gboolean
to_server (CwRouter *self, CwElement *stanza)
{
  CwIqType type;

  if (self->server_func != NULL && self->server_func (stanza, self->server_data))
    return TRUE;
  if (cw_stanza_iq_get_type (stanza, &type) && (type == CW_IQ_TYPE_GET || type == CW_IQ_TYPE_SET))
    bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  else if (cw_stanza_get_kind (stanza) == CW_STANZA_KIND_IQ
           && !cw_stanza_iq_get_type (stanza, NULL))
    bounce (self, stanza, CW_STANZA_ERROR_BAD_REQUEST);
  return FALSE;
}

static void
route_bare (CwRouter *self, CwElement *stanza, const CwJid *to)
{
  switch (cw_stanza_get_kind (stanza))
    {
      case CW_STANZA_KIND_MESSAGE:
        route_bare_message (self, stanza, to);
        break;
      case CW_STANZA_KIND_PRESENCE:
        if (self->server_func == NULL || !self->server_func (stanza, self->server_data))
          route_bare_presence (self, stanza, to);
        break;
      case CW_STANZA_KIND_IQ:
        to_server (self, stanza);
        break;
      default:
        break;
    }
}

/* A full JID that is not bound (RFC 6121 §8.5.3.2). */
static void
route_gone_resource (CwRouter *self, CwElement *stanza, CwJid *to)
{
  const gchar *type = cw_stanza_get_type (stanza);
  g_autoptr (CwJid) bare = cw_jid_get_bare (to);

  switch (cw_stanza_get_kind (stanza))
    {
      case CW_STANZA_KIND_MESSAGE:
        if (type == NULL || g_strcmp0 (type, "normal") == 0 || g_strcmp0 (type, "chat") == 0)
          route_bare_message (self, stanza, bare);
        else if (g_strcmp0 (type, "groupchat") == 0)
          bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
        break;
      case CW_STANZA_KIND_IQ:
        bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
        break;
      default:
        /* Presence to a gone resource is dropped; subscription presences
         * will be taken by the roster module before this point. */
        break;
    }
}

/* To a bound full JID: messages past the message func first. */
static void
deliver_full (CwRouter *self, CwElement *stanza, CwJid *to, CwRouterResource *res)
{
  if (self->message_func != NULL && cw_stanza_get_kind (stanza) == CW_STANZA_KIND_MESSAGE
      && g_strcmp0 (cw_stanza_get_type (stanza), "error") != 0)
    {
      g_autoptr (CwJid) bare = cw_jid_get_bare (to);
      g_autoptr (GPtrArray) targets = g_ptr_array_new ();

      g_ptr_array_add (targets, res);
      if (self->message_func (stanza, bare, targets, self->message_data))
        return;
    }
  cw_router_resource_deliver (res, stanza);
}

static void
route_local (CwRouter *self, CwElement *stanza, CwJid *to)
{
  CwRouterResource *res;

  if (self->account_func != NULL && !self->account_func (cw_jid_get_local (to), self->account_data))
    {
      /* RFC 6121 §8.5.1: presence to no account is dropped silently. */
      if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE)
        bounce (self, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
      return;
    }
  if (cw_jid_is_bare (to))
    {
      route_bare (self, stanza, to);
      return;
    }
  res = g_hash_table_lookup (self->full, to);
  if (res != NULL)
    deliver_full (self, stanza, to, res);
  else
    route_gone_resource (self, stanza, to);
}

void
cw_router_route (CwRouter *self, CwElement *stanza)
{
  const gchar *to_str = cw_stanza_get_to (stanza);
  g_autoptr (CwJid) to = NULL;

  if (to_str != NULL && (to = cw_jid_parse (to_str, NULL)) == NULL)
    {
      bounce (self, stanza, CW_STANZA_ERROR_JID_MALFORMED);
      return;
    }
  switch (cw_router_classify (self, to))
    {
      case CW_ROUTE_SERVER:
        to_server (self, stanza);
        break;
      case CW_ROUTE_LOCAL:
        route_local (self, stanza, to);
        break;
      case CW_ROUTE_COMPONENT:
      case CW_ROUTE_MESH_PEER:
      case CW_ROUTE_REMOTE_DOMAIN:
      default:
        bounce (self, stanza, CW_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND);
        break;
    }
}
