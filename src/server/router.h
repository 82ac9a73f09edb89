/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwRouter: where a stanza goes — bound resources of local accounts, the server itself, or
 * elsewhere. */
#pragma once

#include <glib.h>

#include "common/jid.h"
#include "xml/element.h"

G_BEGIN_DECLS

/* Who a destination address belongs to. Only SERVER and LOCAL are served
 * today; the others are named so that s2s, the mesh bridge and components
 * slot in without changing the callers. */
typedef enum
{
  CW_ROUTE_SERVER,        /* our domain itself (or no 'to'): the modules */
  CW_ROUTE_LOCAL,         /* an account on our domain */
  CW_ROUTE_MESH_PEER,     /* a link-local peer behind the gateway (XEP-0106 localpart) */
  CW_ROUTE_COMPONENT,     /* a subdomain served by a component (MUC, pubsub) */
  CW_ROUTE_REMOTE_DOMAIN, /* anything else: s2s */
} CwRouteKind;

typedef struct _CwRouter CwRouter;
typedef struct _CwRouterResource CwRouterResource;

/* What a session gives the router for its bound resource. */
typedef struct
{
  /* Hands a stanza to the client: (transfer none), take a reference to keep it. */
  void (*deliver) (CwElement *stanza, gpointer user_data);
  /* A newer session bound the same full JID and took it over: end this one
   * with a <conflict/> stream error. The resource is already unbound. */
  void (*replaced) (gpointer user_data);
} CwRouterResourceFuncs;

/* Stanzas for CW_ROUTE_SERVER, and IQs to a local bare JID, which the
 * server answers on the account's behalf (RFC 6121 §8.5.2.1.3). Returns
 * TRUE when handled; unhandled IQ gets and sets get service-unavailable. */
typedef gboolean (*CwRouterServerFunc) (CwElement *stanza, gpointer user_data);
typedef gboolean (*CwRouterAccountFunc) (const gchar *localpart, gpointer user_data);
/* A message (not an error) about to reach the local account @to (bare):
 * @targets (CwRouterResource *) are the resources the delivery rules chose,
 * possibly none. The func may add to @stanza (a stanza-id) or copy it
 * (carbons); TRUE means it took the message (offline storage): then it is
 * neither delivered nor bounced. */
typedef gboolean (*CwRouterMessageFunc) (CwElement *stanza, const CwJid *to, GPtrArray *targets,
                                         gpointer user_data);

CwRouter *cw_router_new (const gchar *domain);
void cw_router_free (CwRouter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRouter, cw_router_free)

const gchar *cw_router_get_domain (CwRouter *self);

/* Which localparts are accounts; without one, every localpart is. */
void cw_router_set_account_func (CwRouter *self, CwRouterAccountFunc func, gpointer user_data);
void cw_router_set_server_func (CwRouter *self, CwRouterServerFunc func, gpointer user_data);
void cw_router_set_message_func (CwRouter *self, CwRouterMessageFunc func, gpointer user_data);

CwRouteKind cw_router_classify (CwRouter *self, const CwJid *to);

/**
 * cw_router_bind:
 * @full_jid: a full JID on our domain
 *
 * Registers a resource, initially unavailable with priority 0. When the
 * full JID is already bound, the old resource is unbound first and its
 * replaced() called: the newer session wins (as in Prosody).
 *
 * Returns: (transfer none): the resource, valid until cw_router_unbind().
 */
CwRouterResource *cw_router_bind (CwRouter *self, CwJid *full_jid,
                                  const CwRouterResourceFuncs *funcs, gpointer user_data);
void cw_router_unbind (CwRouter *self, CwRouterResource *resource);
gboolean cw_router_is_bound (CwRouter *self, const CwJid *full_jid);

/* After the client's initial presence (and every change): available
 * resources with a non-negative priority receive bare-JID messages. */
void cw_router_set_presence (CwRouterResource *resource, gboolean available, gint priority);
CwJid *cw_router_resource_get_jid (CwRouterResource *resource);
/* Whether the resource sent available presence (and not unavailable since). */
gboolean cw_router_resource_is_available (CwRouterResource *resource);

/* Returns: (transfer container): the bound resources of @bare_jid
 * (CwRouterResource *), possibly empty. */
GPtrArray *cw_router_get_resources (CwRouter *self, const CwJid *bare_jid);

/* Delivers to one resource directly, e.g. server-originated stanzas. */
void cw_router_resource_deliver (CwRouterResource *resource, CwElement *stanza);

/**
 * cw_router_route:
 * @stanza: a stanza whose 'from' is already the sender's verified address
 *
 * Delivers per RFC 6121 §8.5: a full JID to that resource (or, for chat
 * and normal messages to a resource that is gone, as to the bare JID); a
 * bare JID's messages to the available resources with the highest
 * non-negative priority (all of them: chat goes to every such resource);
 * presence to every available resource. Errors go back to the sender:
 * service-unavailable for unknown accounts and undeliverable messages and
 * IQs, remote-server-not-found for other domains until s2s exists.
 */
void cw_router_route (CwRouter *self, CwElement *stanza);

G_END_DECLS
