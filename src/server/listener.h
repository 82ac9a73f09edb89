/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwServerListener: a TCP listening socket for client connections (plain/STARTTLS or Direct TLS).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CwServerListener CwServerListener;

typedef void (*CwServerListenerFunc) (GSocketConnection *connection, gboolean direct_tls,
                                      gpointer user_data);

/**
 * cw_server_listener_new:
 * @address: (nullable): an IP literal ("127.0.0.1", "::", "0.0.0.0"); NULL
 *   for every address, IPv6 and IPv4 (IPv4 only on a host without IPv6)
 * @port: 0 for any free port (see cw_server_listener_get_port())
 * @direct_tls: what the accepted connections are told (XEP-0368)
 *
 * Returns: (transfer full) (nullable): a listener that accepts once the
 *   main loop runs, or NULL with a G_IO_ERROR.
 */
CwServerListener *cw_server_listener_new (const gchar *address, guint16 port, gboolean direct_tls,
                                          CwServerListenerFunc func, gpointer user_data,
                                          GError **error);
guint16 cw_server_listener_get_port (CwServerListener *self);
gboolean cw_server_listener_is_direct_tls (CwServerListener *self);
/* Stops accepting and closes the socket. */
void cw_server_listener_free (CwServerListener *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwServerListener, cw_server_listener_free)

G_END_DECLS
