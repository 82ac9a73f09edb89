/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwServerListener: a GSocketService on one address and port. */
#include "config.h"

#include "server/listener.h"

#include <glib/gi18n.h>

struct _CwServerListener
{
  GSocketService *service; /* owned */
  guint16 port;
  gboolean direct_tls;
  gulong handler;
  CwServerListenerFunc func;
  gpointer user_data;
};

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  CwServerListener *self = user_data;

  self->func (connection, self->direct_tls, self->user_data);
  return TRUE;
}

/* Every address: IPv6 and IPv4 on one port, or IPv4 only where the host
 * has no IPv6 (GSocketListener's own fallback). */
static gboolean
add_any_address (GSocketListener *listener, guint16 *port, GError **error)
{
  if (*port != 0)
    return g_socket_listener_add_inet_port (listener, *port, NULL, error);
  *port = g_socket_listener_add_any_inet_port (listener, NULL, error);
  return *port != 0;
}

static gboolean
add_address (GSocketListener *listener, const gchar *address, guint16 *port, GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocketAddress) effective = NULL;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _ ("“%s” is not an IP address"),
                   address);
      return FALSE;
    }
  sa = g_inet_socket_address_new (inet, *port);
  if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, error))
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

CwServerListener *
cw_server_listener_new (const gchar *address, guint16 port, gboolean direct_tls,
                        CwServerListenerFunc func, gpointer user_data, GError **error)
{
  CwServerListener *self = g_new0 (CwServerListener, 1);
  GSocketListener *listener;

  self->service = g_socket_service_new ();
  listener = G_SOCKET_LISTENER (self->service);
  if (!(address != NULL ? add_address (listener, address, &port, error)
                        : add_any_address (listener, &port, error)))
    {
      g_object_unref (self->service);
      g_free (self);
      return NULL;
    }
  self->port = port;
  self->direct_tls = direct_tls;
  self->func = func;
  self->user_data = user_data;
  self->handler = g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return self;
}

guint16
cw_server_listener_get_port (CwServerListener *self)
{
  return self->port;
}

gboolean
cw_server_listener_is_direct_tls (CwServerListener *self)
{
  return self->direct_tls;
}

void
cw_server_listener_free (CwServerListener *self)
{
  if (self == NULL)
    return;
  g_signal_handler_disconnect (self->service, self->handler);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_object_unref (self->service);
  g_free (self);
}
