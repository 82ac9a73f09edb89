/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwDbusAdapter: the engine (CwLlSession) as the im.chinwag.Chinwag1 D-Bus object. */
#pragma once

#include <gio/gio.h>

#include "dbus/dbus-api.h"
#include "im/ll-session.h"

G_BEGIN_DECLS

#define CW_TYPE_DBUS_ADAPTER (cw_dbus_adapter_get_type ())
G_DECLARE_FINAL_TYPE (CwDbusAdapter, cw_dbus_adapter, CW, DBUS_ADAPTER, GObject)

/* Follows @session's signals from now on; nothing is on a bus yet. */
CwDbusAdapter *cw_dbus_adapter_new (CwLlSession *session);
/* Exports the object at CW_DBUS_OBJECT_PATH on @connection. */
gboolean cw_dbus_adapter_export (CwDbusAdapter *self, GDBusConnection *connection,
                                 GError **error);
void cw_dbus_adapter_unexport (CwDbusAdapter *self);

G_END_DECLS
