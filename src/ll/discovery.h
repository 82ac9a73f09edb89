/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlDiscovery: the DNS-SD seam — publish ourselves, browse _presence._tcp peers. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_LL_SERVICE_TYPE "_presence._tcp"

typedef enum
{
  CW_LL_DISCOVERY_STATE_STARTING,    /* not yet talking to an mDNS stack */
  CW_LL_DISCOVERY_STATE_RUNNING,     /* browsing; publishing once asked */
  CW_LL_DISCOVERY_STATE_RECONNECTING,/* the mDNS daemon went away; waiting */
  CW_LL_DISCOVERY_STATE_FAILED,
} CwLlDiscoveryState;

/* One resolved instance of a service on one interface/protocol. */
typedef struct
{
  const gchar *name;         /* instance name, e.g. "juliet@capulet" */
  gint ifindex;
  GSocketFamily family;
  const gchar *host;         /* target host name, e.g. "capulet.local" */
  GInetSocketAddress *address; /* with port, and scope id for fe80:: */
  GPtrArray *txt;            /* (GBytes *) strings, in record order */
  gboolean own;              /* published by us (also seen on lo) */
} CwLlServiceInfo;

#define CW_TYPE_LL_DISCOVERY (cw_ll_discovery_get_type ())
G_DECLARE_DERIVABLE_TYPE (CwLlDiscovery, cw_ll_discovery, CW, LL_DISCOVERY, GObject)

struct _CwLlDiscoveryClass
{
  GObjectClass parent_class;

  gboolean (*start) (CwLlDiscovery *self, GError **error);
  /* Publishes (or re-publishes) our instance; on a name collision the
   * implementation renames and emits "published" with the new name. */
  void (*publish) (CwLlDiscovery *self, const gchar *name, guint16 port, GPtrArray *txt);
  void (*update_txt) (CwLlDiscovery *self, GPtrArray *txt);
  void (*unpublish) (CwLlDiscovery *self);
  /* Asks the stack to look at a service again (a peer looked dead). */
  void (*reconfirm) (CwLlDiscovery *self, const gchar *name);
  const gchar *(*describe) (CwLlDiscovery *self);
};

gboolean cw_ll_discovery_start (CwLlDiscovery *self, GError **error);
void cw_ll_discovery_publish (CwLlDiscovery *self, const gchar *name, guint16 port, GPtrArray *txt);
void cw_ll_discovery_update_txt (CwLlDiscovery *self, GPtrArray *txt);
void cw_ll_discovery_unpublish (CwLlDiscovery *self);
void cw_ll_discovery_reconfirm (CwLlDiscovery *self, const gchar *name);
/* "avahi-daemon", "embedded avahi-core", … for logs and status. */
const gchar *cw_ll_discovery_describe (CwLlDiscovery *self);
CwLlDiscoveryState cw_ll_discovery_get_state (CwLlDiscovery *self);

/* For implementations: emit the class signals. */
void cw_ll_discovery_set_state (CwLlDiscovery *self, CwLlDiscoveryState state);
void cw_ll_discovery_emit_resolved (CwLlDiscovery *self, const CwLlServiceInfo *info);
void cw_ll_discovery_emit_removed (CwLlDiscovery *self, const gchar *name, gint ifindex,
                                   GSocketFamily family);
void cw_ll_discovery_emit_failed (CwLlDiscovery *self, const gchar *name, gint ifindex,
                                  GSocketFamily family, const GError *error);
void cw_ll_discovery_emit_published (CwLlDiscovery *self, const gchar *name);

/* Signals:
 *  "service-resolved" (const CwLlServiceInfo *info)
 *  "service-removed"  (const gchar *name, gint ifindex, GSocketFamily family)
 *  "service-failed"   (const gchar *name, gint ifindex, GSocketFamily family, GError *error)
 *  "published"        (const gchar *name)   — our instance is established under @name
 *  notify::state
 */

G_END_DECLS
