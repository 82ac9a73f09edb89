/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlRoster: the automatic roster — one entry per discovered instance name. */
#pragma once

#include <gio/gio.h>

#include "ll/discovery.h"
#include "ll/txt-record.h"

G_BEGIN_DECLS

typedef struct _CwLlPeer CwLlPeer;

/* A peer as the roster sees it. Read-only for users of the roster. */
struct _CwLlPeer
{
  gint ref_count;
  gchar *name;           /* owned: instance name, "juliet@capulet" */
  gchar *host;           /* owned: mDNS host name of the latest resolve */
  GPtrArray *addresses;  /* owned (GInetSocketAddress *): one per interface/family */
  CwLlTxt *txt;          /* owned: latest TXT record */
  gboolean reachable;    /* FALSE after failed resolves/connects, until seen again */
};

CwLlPeer *cw_ll_peer_ref (CwLlPeer *peer);
void cw_ll_peer_unref (CwLlPeer *peer);
/* TRUE when @address (port ignored) is one of the peer's addresses. */
gboolean cw_ll_peer_has_address (const CwLlPeer *peer, GInetAddress *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwLlPeer, cw_ll_peer_unref)

#define CW_TYPE_LL_ROSTER (cw_ll_roster_get_type ())
G_DECLARE_FINAL_TYPE (CwLlRoster, cw_ll_roster, CW, LL_ROSTER, GObject)

CwLlRoster *cw_ll_roster_new (CwLlDiscovery *discovery);
/* Our own published name: never listed. Changes after a rename. */
void cw_ll_roster_set_self_name (CwLlRoster *self, const gchar *name);
const gchar *cw_ll_roster_get_self_name (CwLlRoster *self);

/* Unowned; NULL when unknown (or our own). */
CwLlPeer *cw_ll_roster_lookup (CwLlRoster *self, const gchar *name);
/* New list of unowned peers, sorted by name. */
GList *cw_ll_roster_list (CwLlRoster *self);
/* Peers owning @address. With one match this identifies a stream that
 * came without a 'from'. New list of unowned peers. */
GList *cw_ll_roster_find_by_address (CwLlRoster *self, GInetAddress *address);

/* Connecting failed: the peer is shown unreachable and its records are
 * looked up again; a later successful resolve makes it reachable. */
void cw_ll_roster_mark_unreachable (CwLlRoster *self, const gchar *name);
void cw_ll_roster_mark_reachable (CwLlRoster *self, const gchar *name);

/* Signals:
 *  "peer-added"   (CwLlPeer *peer)
 *  "peer-changed" (CwLlPeer *peer)   — presence, addresses or reachability
 *  "peer-removed" (const gchar *name)
 */

G_END_DECLS
