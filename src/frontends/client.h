/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reaching chinwagd over D-Bus: the session bus, or a private bus started on demand. */
#pragma once

#include <gio/gio.h>

#include "dbus/chinwag-generated.h"

G_BEGIN_DECLS

/* gdbus-codegen gives the proxy and skeleton classes autoptr, not the interface. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwChinwag1, g_object_unref)

typedef enum
{
  CW_CLIENT_ERROR_NO_BUS,    /* no bus could be found or started */
  CW_CLIENT_ERROR_NO_DAEMON, /* chinwagd could not be found or started */
} CwClientError;

#define CW_CLIENT_ERROR (cw_client_error_quark ())
GQuark cw_client_error_quark (void);

/**
 * cw_client_connect_bus:
 * @is_private: (out) (optional): whether the bus is chinwag's private one
 *
 * The bus to find chinwagd on: $CHINWAG_BUS_ADDRESS when set, else the
 * session bus, else chinwag's private bus in $XDG_RUNTIME_DIR/chinwag,
 * started (dbus-daemon) when it is not running yet. The private bus can
 * D-Bus-activate chinwagd itself, and outlives this process, so that the
 * next command finds the same bus and daemon.
 *
 * Returns: (transfer full): a message bus connection, or NULL with
 *   CW_CLIENT_ERROR_NO_BUS.
 */
GDBusConnection *cw_client_connect_bus (gboolean *is_private, GError **error);

/**
 * cw_client_ensure_daemon:
 *
 * Makes sure im.chinwag.Chinwag1 has an owner on @bus: asks the bus to
 * activate it, and when the bus knows no such service (chinwagd is not
 * installed where the bus looks), starts chinwagd itself, detached, and
 * waits up to @timeout_s seconds for it to take the name.
 */
gboolean cw_client_ensure_daemon (GDBusConnection *bus, guint timeout_s, GError **error);

/* Returns: (transfer full): a proxy for the well-known name, which follows
 * the daemon across restarts; calls may activate it. */
CwChinwag1 *cw_client_get_proxy (GDBusConnection *bus, GError **error);

/* Returns: (transfer full): the chinwagd to start: $CHINWAGD, else the one
 * next to this program (a build tree), else the installed one. */
gchar *cw_client_find_daemon (void);

G_END_DECLS
