/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The names of the im.chinwag.Chinwag1 API shared by chinwagd and its clients. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_DBUS_OBJECT_PATH "/im/chinwag/Chinwag1"
#define CW_DBUS_BUS_NAME "im.chinwag.Chinwag1"

/* Errors callers see as im.chinwag.Chinwag1.Error.<Name>. Registered with
 * GDBus, so a client's GError from a failed call carries the same code. */
#define CW_DBUS_ERROR (cw_dbus_error_quark ())
GQuark cw_dbus_error_quark (void);
typedef enum
{
  CW_DBUS_ERROR_UNKNOWN_PEER,     /* .UnknownPeer */
  CW_DBUS_ERROR_INVALID_ARGUMENT, /* .InvalidArgument */
  CW_DBUS_ERROR_FAILED,           /* .Failed */
} CwDbusError;

G_END_DECLS
