/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The im.chinwag.Chinwag1 error names, registered with GDBus for both ends. */
#include "config.h"

#include "dbus/dbus-api.h"

static const GDBusErrorEntry error_entries[] = {
  { CW_DBUS_ERROR_UNKNOWN_PEER, "im.chinwag.Chinwag1.Error.UnknownPeer" },
  { CW_DBUS_ERROR_INVALID_ARGUMENT, "im.chinwag.Chinwag1.Error.InvalidArgument" },
  { CW_DBUS_ERROR_FAILED, "im.chinwag.Chinwag1.Error.Failed" },
};

GQuark
cw_dbus_error_quark (void)
{
  static gsize quark;

  g_dbus_error_register_error_domain ("cw-dbus-error-quark", &quark, error_entries,
                                      G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}
