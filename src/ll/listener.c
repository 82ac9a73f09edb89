/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlListener: accepts peer streams on IPv4 and IPv6, same port. */
#include "config.h"
#include "ll/listener.h"

#include <netinet/in.h>

/* Connections the kernel completes for us before we accept them. GSocket's
 * default (10) drops the SYNs of real peers as soon as a few connect
 * together, e.g. during a flood of connections that we close at once
 * (connection-manager.c); the kernel caps it at net.core.somaxconn. */
#define LISTEN_BACKLOG 128

struct _CwLlListener
{
  GSocketService parent;
  guint16 port;
};

G_DEFINE_TYPE (CwLlListener, cw_ll_listener, G_TYPE_SOCKET_SERVICE)

/* Opens a listening socket of @family on @port (0: any). */
static GSocket *
listen_on (GSocketFamily family, guint16 port, GError **error)
{
  g_autoptr (GSocket) sock = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr (GInetAddress) any = NULL;
  g_autoptr (GSocketAddress) addr = NULL;

  if (sock == NULL)
    return NULL;
  /* Separate sockets per family on one port, so each is bound for real
   * and an IPv4-mapped address never stands in for a peer's IPv4. */
  if (family == G_SOCKET_FAMILY_IPV6
      && !g_socket_set_option (sock, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return NULL;
  any = g_inet_address_new_any (family);
  addr = g_inet_socket_address_new (any, port);
  g_socket_set_listen_backlog (sock, LISTEN_BACKLOG);
  if (!g_socket_bind (sock, addr, TRUE, error) || !g_socket_listen (sock, error))
    return NULL;
  return g_steal_pointer (&sock);
}

static guint16
bound_port (GSocket *sock)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (sock, NULL);

  return local != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

static gboolean
host_has_ipv6 (void)
{
  g_autoptr (GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  return probe != NULL;
}

/* Binds both families on @port; FALSE (with @error) if either is taken. */
static gboolean
bind_pair (CwLlListener *self, guint16 port, GError **error)
{
  g_autoptr (GSocket) v4 = NULL;
  g_autoptr (GSocket) v6 = NULL;

  v4 = listen_on (G_SOCKET_FAMILY_IPV4, port, error);
  if (v4 == NULL)
    return FALSE;
  port = bound_port (v4);
  if (host_has_ipv6 ())
    {
      g_autoptr (GError) v6_error = NULL;

      v6 = listen_on (G_SOCKET_FAMILY_IPV6, port, &v6_error);
      if (v6 == NULL && g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&v6_error));
          return FALSE;
        }
      if (v6 == NULL)
        g_message ("not listening on IPv6: %s", v6_error->message);
    }
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self), v4, NULL, error))
    return FALSE;
  if (v6 != NULL && !g_socket_listener_add_socket (G_SOCKET_LISTENER (self), v6, NULL, error))
    return FALSE;
  self->port = port;
  return TRUE;
}

CwLlListener *
cw_ll_listener_new (guint16 port, GError **error)
{
  g_autoptr (CwLlListener) self = g_object_new (CW_TYPE_LL_LISTENER, NULL);
  g_autoptr (GError) local_error = NULL;

  if (port == 0)
    port = CW_LL_DEFAULT_PORT;
  if (bind_pair (self, port, &local_error))
    return g_steal_pointer (&self);
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_message ("port %u is taken; using an ephemeral port", port);
  /* An ephemeral IPv4 port may be taken on IPv6: try a few. */
  for (guint attempt = 0; attempt < 16; attempt++)
    {
      g_clear_error (&local_error);
      if (bind_pair (self, 0, &local_error))
        return g_steal_pointer (&self);
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        break;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

guint16
cw_ll_listener_get_port (CwLlListener *self)
{
  return self->port;
}

static void
cw_ll_listener_class_init (CwLlListenerClass *klass)
{
}

static void
cw_ll_listener_init (CwLlListener *self)
{
}
