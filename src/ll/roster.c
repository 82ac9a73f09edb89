/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlRoster: the automatic roster — one entry per discovered instance name. */
#include "config.h"
#include "ll/roster.h"

#include <string.h>

typedef struct
{
  CwLlPeer *peer;        /* owned */
  GHashTable *instances; /* "ifindex/family" -> owned GInetSocketAddress */
} Entry;

struct _CwLlRoster
{
  GObject parent;
  CwLlDiscovery *discovery; /* owned */
  GHashTable *entries;      /* name -> owned Entry, our own name included */
  gchar *self_name;         /* owned, nullable */
  gulong handlers[3];
};

G_DEFINE_TYPE (CwLlRoster, cw_ll_roster, G_TYPE_OBJECT)

enum
{
  SIG_ADDED,
  SIG_CHANGED,
  SIG_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

CwLlPeer *
cw_ll_peer_ref (CwLlPeer *peer)
{
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

void
cw_ll_peer_unref (CwLlPeer *peer)
{
  if (!g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  g_free (peer->name);
  g_free (peer->host);
  g_ptr_array_unref (peer->addresses);
  g_clear_pointer (&peer->txt, cw_ll_txt_free);
  g_free (peer);
}

gboolean
cw_ll_peer_has_address (const CwLlPeer *peer, GInetAddress *address)
{
  for (guint i = 0; i < peer->addresses->len; i++)
    {
      GInetSocketAddress *sa = g_ptr_array_index (peer->addresses, i);

      if (g_inet_address_equal (g_inet_socket_address_get_address (sa), address))
        return TRUE;
    }
  return FALSE;
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  cw_ll_peer_unref (e->peer);
  g_hash_table_destroy (e->instances);
  g_free (e);
}

static gboolean
is_self (CwLlRoster *self, const gchar *name)
{
  return self->self_name != NULL && strcmp (self->self_name, name) == 0;
}

/* Rebuilds the peer's address list from its per-interface resolves, IPv4
 * first (cheapest to reach), in a stable order. */
static gint
compare_addresses (gconstpointer a, gconstpointer b)
{
  GSocketAddress *sa = *(GSocketAddress * const *) a, *sb = *(GSocketAddress * const *) b;
  gint fa = g_socket_address_get_family (sa), fb = g_socket_address_get_family (sb);
  g_autofree gchar *ta = NULL, *tb = NULL;

  if (fa != fb)
    return fa == G_SOCKET_FAMILY_IPV4 ? -1 : 1;
  ta = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)));
  tb = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sb)));
  return strcmp (ta, tb);
}

static void
rebuild_addresses (Entry *e)
{
  GHashTableIter iter;
  gpointer value;

  g_ptr_array_set_size (e->peer->addresses, 0);
  g_hash_table_iter_init (&iter, e->instances);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (e->peer->addresses, g_object_ref (value));
  g_ptr_array_sort (e->peer->addresses, compare_addresses);
}

static gchar *
addresses_signature (const CwLlPeer *peer)
{
  GString *sig = g_string_new (NULL);

  for (guint i = 0; i < peer->addresses->len; i++)
    {
      g_autofree gchar *s = g_socket_connectable_to_string (g_ptr_array_index (peer->addresses, i));

      g_string_append_printf (sig, "%s ", s);
    }
  return g_string_free (sig, FALSE);
}

static void
emit (CwLlRoster *self, guint sig, Entry *e)
{
  if (is_self (self, e->peer->name))
    return;
  if (sig == SIG_REMOVED)
    g_signal_emit (self, signals[sig], 0, e->peer->name);
  else
    g_signal_emit (self, signals[sig], 0, e->peer);
}

static Entry *
entry_new (const gchar *name)
{
  Entry *e = g_new0 (Entry, 1);

  e->peer = g_new0 (CwLlPeer, 1);
  e->peer->ref_count = 1;
  e->peer->name = g_strdup (name);
  e->peer->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  e->peer->reachable = TRUE;
  e->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  return e;
}

static void
on_resolved (CwLlDiscovery *disc, const CwLlServiceInfo *info, CwLlRoster *self)
{
  Entry *e = g_hash_table_lookup (self->entries, info->name);
  gboolean is_new = e == NULL, changed;
  g_autoptr (GError) error = NULL;
  CwLlTxt *txt;
  g_autofree gchar *before = NULL, *after = NULL;

  /* Our own records never make a peer, under any name we held. */
  if (info->own)
    return;
  txt = cw_ll_txt_decode (info->txt, &error);
  if (txt == NULL)
    {
      g_message ("ignoring '%s': unusable TXT record: %s", info->name, error->message);
      return;
    }
  if (is_new)
    {
      e = entry_new (info->name);
      g_hash_table_insert (self->entries, g_strdup (info->name), e);
    }
  before = addresses_signature (e->peer);
  g_hash_table_replace (e->instances, g_strdup_printf ("%d/%d", info->ifindex, info->family),
                        g_object_ref (info->address));
  rebuild_addresses (e);
  after = addresses_signature (e->peer);
  changed = strcmp (before, after) != 0;
  if (g_strcmp0 (e->peer->host, info->host) != 0)
    {
      g_free (e->peer->host);
      e->peer->host = g_strdup (info->host);
    }
  if (e->peer->txt == NULL || !cw_ll_txt_equal (e->peer->txt, txt))
    {
      g_clear_pointer (&e->peer->txt, cw_ll_txt_free);
      e->peer->txt = g_steal_pointer (&txt);
      changed = TRUE;
    }
  g_clear_pointer (&txt, cw_ll_txt_free);
  /* A resolve may be answered from cache for a peer that died without a
   * goodbye: only new records (or a working connection, see
   * cw_ll_roster_mark_reachable) make an unreachable peer reachable. */
  if (!e->peer->reachable && changed)
    e->peer->reachable = TRUE;
  if (is_new)
    emit (self, SIG_ADDED, e);
  else if (changed)
    emit (self, SIG_CHANGED, e);
}

static void
on_removed (CwLlDiscovery *disc, const gchar *name, gint ifindex, gint family, CwLlRoster *self)
{
  Entry *e = g_hash_table_lookup (self->entries, name);
  g_autofree gchar *key = g_strdup_printf ("%d/%d", ifindex, family);

  if (e == NULL || !g_hash_table_remove (e->instances, key))
    return;
  if (g_hash_table_size (e->instances) > 0)
    {
      rebuild_addresses (e);
      emit (self, SIG_CHANGED, e);
      return;
    }
  emit (self, SIG_REMOVED, e);
  g_hash_table_remove (self->entries, name);
}

static void
on_failed (CwLlDiscovery *disc, const gchar *name, gint ifindex, gint family, GError *error,
           CwLlRoster *self)
{
  Entry *e = g_hash_table_lookup (self->entries, name);

  if (e == NULL || !e->peer->reachable)
    return;
  g_message ("peer '%s' looks unreachable: %s", name, error->message);
  e->peer->reachable = FALSE;
  emit (self, SIG_CHANGED, e);
}

void
cw_ll_roster_mark_unreachable (CwLlRoster *self, const gchar *name)
{
  Entry *e = g_hash_table_lookup (self->entries, name);

  if (e == NULL)
    return;
  if (e->peer->reachable)
    {
      e->peer->reachable = FALSE;
      emit (self, SIG_CHANGED, e);
    }
  cw_ll_discovery_reconfirm (self->discovery, name);
}

void
cw_ll_roster_mark_reachable (CwLlRoster *self, const gchar *name)
{
  Entry *e = g_hash_table_lookup (self->entries, name);

  if (e == NULL || e->peer->reachable)
    return;
  e->peer->reachable = TRUE;
  emit (self, SIG_CHANGED, e);
}

void
cw_ll_roster_set_self_name (CwLlRoster *self, const gchar *name)
{
  Entry *old, *now;

  if (g_strcmp0 (self->self_name, name) == 0)
    return;
  old = self->self_name != NULL ? g_hash_table_lookup (self->entries, self->self_name) : NULL;
  now = name != NULL ? g_hash_table_lookup (self->entries, name) : NULL;
  /* A rename after a collision: the other holder of our old name is a
   * peer we should now show, and our new name stops being one. */
  if (now != NULL)
    emit (self, SIG_REMOVED, now);
  g_free (self->self_name);
  self->self_name = g_strdup (name);
  if (old != NULL)
    emit (self, SIG_ADDED, old);
}

const gchar *
cw_ll_roster_get_self_name (CwLlRoster *self)
{
  return self->self_name;
}

CwLlPeer *
cw_ll_roster_lookup (CwLlRoster *self, const gchar *name)
{
  Entry *e;

  if (name == NULL || is_self (self, name))
    return NULL;
  e = g_hash_table_lookup (self->entries, name);
  return e != NULL ? e->peer : NULL;
}

static gint
compare_peers (gconstpointer a, gconstpointer b)
{
  return strcmp (((const CwLlPeer *) a)->name, ((const CwLlPeer *) b)->name);
}

GList *
cw_ll_roster_list (CwLlRoster *self)
{
  GList *list = NULL;
  GHashTableIter iter;
  Entry *e;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    if (!is_self (self, e->peer->name))
      list = g_list_prepend (list, e->peer);
  return g_list_sort (list, compare_peers);
}

GList *
cw_ll_roster_find_by_address (CwLlRoster *self, GInetAddress *address)
{
  GList *list = NULL;
  GHashTableIter iter;
  Entry *e;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    if (!is_self (self, e->peer->name) && cw_ll_peer_has_address (e->peer, address))
      list = g_list_prepend (list, e->peer);
  return g_list_sort (list, compare_peers);
}

static void
cw_ll_roster_finalize (GObject *object)
{
  CwLlRoster *self = CW_LL_ROSTER (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->discovery);
  g_object_unref (self->discovery);
  g_hash_table_destroy (self->entries);
  g_free (self->self_name);
  G_OBJECT_CLASS (cw_ll_roster_parent_class)->finalize (object);
}

static void
cw_ll_roster_class_init (CwLlRosterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_ll_roster_finalize;
  signals[SIG_ADDED] = g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIG_CHANGED] = g_signal_new ("peer-changed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                       G_TYPE_POINTER);
  signals[SIG_REMOVED] = g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                       G_TYPE_STRING);
}

static void
cw_ll_roster_init (CwLlRoster *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
}

CwLlRoster *
cw_ll_roster_new (CwLlDiscovery *discovery)
{
  CwLlRoster *self = g_object_new (CW_TYPE_LL_ROSTER, NULL);

  self->discovery = g_object_ref (discovery);
  self->handlers[0] = g_signal_connect (discovery, "service-resolved", G_CALLBACK (on_resolved), self);
  self->handlers[1] = g_signal_connect (discovery, "service-removed", G_CALLBACK (on_removed), self);
  self->handlers[2] = g_signal_connect (discovery, "service-failed", G_CALLBACK (on_failed), self);
  return self;
}
