/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiDiscovery: DNS-SD through avahi-daemon (avahi-client on the GLib main loop). */
#pragma once

#include "ll/discovery.h"

G_BEGIN_DECLS

#define CW_TYPE_LL_AVAHI_DISCOVERY (cw_ll_avahi_discovery_get_type ())
G_DECLARE_FINAL_TYPE (CwLlAvahiDiscovery, cw_ll_avahi_discovery, CW, LL_AVAHI_DISCOVERY,
                      CwLlDiscovery)

CwLlDiscovery *cw_ll_avahi_discovery_new (void);

/* TRUE when an avahi-daemon answers on the system bus right now. */
gboolean cw_ll_avahi_daemon_available (void);

/* The XEP-0174 style alternative for a name that collided:
 * "juliet@capulet" -> "juliet-1@capulet" -> "juliet-2@capulet". */
gchar *cw_ll_alternative_name (const gchar *name);

G_END_DECLS
