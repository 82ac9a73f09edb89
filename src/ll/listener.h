/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlListener: accepts peer streams on IPv4 and IPv6, same port. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_LL_DEFAULT_PORT 5298

#define CW_TYPE_LL_LISTENER (cw_ll_listener_get_type ())
G_DECLARE_FINAL_TYPE (CwLlListener, cw_ll_listener, CW, LL_LISTENER, GSocketService)

/* Listens on @port when it is free on both families (0: the XEP-0174
 * default 5298), else on an ephemeral port free on both. IPv6 is skipped
 * when the host has none. Emits "incoming" (GSocketService) per connection. */
CwLlListener *cw_ll_listener_new (guint16 port, GError **error);
/* The port actually bound: the one to publish. */
guint16 cw_ll_listener_get_port (CwLlListener *self);

G_END_DECLS
