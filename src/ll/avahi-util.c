/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conversions shared by the Avahi backends (daemon client and embedded core). */
#include "config.h"
#include "ll/avahi-util.h"

GSocketFamily
cw_ll_avahi_family (AvahiProtocol proto)
{
  return proto == AVAHI_PROTO_INET6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

AvahiStringList *
cw_ll_avahi_strlst_new (GPtrArray *txt)
{
  AvahiStringList *l = NULL;

  /* avahi_string_list_add_arbitrary prepends: add last to first so the
   * record keeps our order (txtvers first, as XEP-0174 asks). */
  for (guint i = txt != NULL ? txt->len : 0; i > 0; i--)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (txt, i - 1), &len);

      l = avahi_string_list_add_arbitrary (l, data, len);
    }
  return l;
}

GPtrArray *
cw_ll_avahi_strlst_to_txt (AvahiStringList *l)
{
  GPtrArray *txt = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (; l != NULL; l = avahi_string_list_get_next (l))
    g_ptr_array_add (txt, g_bytes_new (avahi_string_list_get_text (l),
                                       avahi_string_list_get_size (l)));
  return txt;
}

GInetSocketAddress *
cw_ll_avahi_socket_address (const AvahiAddress *a, guint16 port, gint ifindex)
{
  char text[AVAHI_ADDRESS_STR_MAX];
  g_autoptr (GInetAddress) inet = NULL;
  guint32 scope = 0;

  avahi_address_snprint (text, sizeof text, a);
  inet = g_inet_address_new_from_string (text);
  if (inet == NULL)
    return NULL;
  /* fe80:: addresses are only meaningful with their interface. */
  if (g_inet_address_get_is_link_local (inet)
      && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    scope = ifindex;
  return g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", inet, "port", (guint) port,
                       "scope-id", scope, NULL);
}
