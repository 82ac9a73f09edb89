/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwServerListener: one address, every address (dual stack), a port in use. */
#include "config.h"

#include "server/listener.h"

typedef struct
{
  guint accepted;
  gboolean direct_tls;
} Accepts;

static void
accept_cb (GSocketConnection *connection, gboolean direct_tls, gpointer user_data)
{
  Accepts *a = user_data;

  a->accepted++;
  a->direct_tls = direct_tls;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* Connects to @address:@port and runs the main loop until the listener has
 * accepted one more connection. FALSE when the connection is refused. */
static gboolean
connect_to (const gchar *address, guint16 port, Accepts *a)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) c = NULL;
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new_from_string (address, port);
  guint before = a->accepted;
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  /* Loopback only: no proxy lookup. */
  g_socket_client_set_enable_proxy (client, FALSE);
  c = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (sa), NULL, NULL);
  if (c == NULL)
    return FALSE;
  while (a->accepted == before && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  return a->accepted == before + 1;
}

static gboolean
have_ipv6_loopback (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (lo, 0);

  return s != NULL && g_socket_bind (s, sa, TRUE, NULL);
}

static void
test_one_address (void)
{
  Accepts a = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (CwServerListener) l = cw_server_listener_new ("127.0.0.1", 0, TRUE, accept_cb, &a,
                                                           &error);

  g_assert_no_error (error);
  g_assert_cmpuint (cw_server_listener_get_port (l), >, 0);
  g_assert_true (cw_server_listener_is_direct_tls (l));
  g_assert_true (connect_to ("127.0.0.1", cw_server_listener_get_port (l), &a));
  g_assert_true (a.direct_tls);
}

/* NULL is every address: IPv4 and, where the host has it, IPv6 loopback
 * reach the same port. */
static void
test_any_address (void)
{
  Accepts a = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (CwServerListener) l = cw_server_listener_new (NULL, 0, FALSE, accept_cb, &a, &error);
  guint16 port;

  g_assert_no_error (error);
  port = cw_server_listener_get_port (l);
  g_assert_cmpuint (port, >, 0);
  g_assert_true (connect_to ("127.0.0.1", port, &a));
  g_assert_false (a.direct_tls);
  if (have_ipv6_loopback ())
    g_assert_true (connect_to ("::1", port, &a));
  else
    g_test_message ("no IPv6 loopback: only IPv4 checked");
}

/* A port in use: ADDRESS_IN_USE, whether one address or every address. */
static void
test_port_in_use (void)
{
  Accepts a = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (CwServerListener) first = cw_server_listener_new (NULL, 0, FALSE, accept_cb, &a,
                                                               &error);
  guint16 port = cw_server_listener_get_port (first);
  CwServerListener *second;

  g_assert_no_error (error);
  second = cw_server_listener_new ("127.0.0.1", port, FALSE, accept_cb, &a, &error);
  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  second = cw_server_listener_new (NULL, port, FALSE, accept_cb, &a, &error);
  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  second = cw_server_listener_new ("not-an-ip", 0, FALSE, accept_cb, &a, &error);
  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/listener/one-address", test_one_address);
  g_test_add_func ("/server/listener/any-address", test_any_address);
  g_test_add_func ("/server/listener/port-in-use", test_port_in_use);
  return g_test_run ();
}
