/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conversions shared by the Avahi backends (daemon client and embedded core). */
#pragma once

#include <avahi-common/address.h>
#include <avahi-common/strlst.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* TXT strings (GBytes) <-> AvahiStringList, keeping the record order. */
AvahiStringList *cw_ll_avahi_strlst_new (GPtrArray *txt);
GPtrArray *cw_ll_avahi_strlst_to_txt (AvahiStringList *l);
/* A resolved address; fe80:: addresses get @ifindex as scope id. */
GInetSocketAddress *cw_ll_avahi_socket_address (const AvahiAddress *a, guint16 port, gint ifindex);
GSocketFamily cw_ll_avahi_family (AvahiProtocol proto);

G_END_DECLS
