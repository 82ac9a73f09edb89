/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiDiscovery: DNS-SD through Avahi — avahi-daemon or an embedded avahi-core responder. */
#pragma once

#include "ll/discovery.h"

G_BEGIN_DECLS

#define CW_TYPE_LL_AVAHI_DISCOVERY (cw_ll_avahi_discovery_get_type ())
G_DECLARE_FINAL_TYPE (CwLlAvahiDiscovery, cw_ll_avahi_discovery, CW, LL_AVAHI_DISCOVERY,
                      CwLlDiscovery)

/* Through avahi-daemon (avahi-client on the GLib main loop); waits for the
 * daemon when it is absent and follows its restarts. Describes itself as
 * "avahi-daemon". */
CwLlDiscovery *cw_ll_avahi_discovery_new (void);
/* Our own mDNS responder (avahi-core on the GLib main loop), for hosts with
 * no avahi-daemon: only one mDNS stack per host works reliably. It publishes
 * the short host name (renamed on a collision) and sends goodbyes when
 * finalized. Describes itself as "embedded avahi-core". */
CwLlDiscovery *cw_ll_avahi_discovery_new_embedded (GError **error);

/* TRUE when an avahi-daemon answers on the system bus right now. */
gboolean cw_ll_avahi_daemon_available (void);

/* The XEP-0174 style alternative for a name that collided:
 * "juliet@capulet" -> "juliet-1@capulet" -> "juliet-2@capulet". */
gchar *cw_ll_alternative_name (const gchar *name);

G_END_DECLS
