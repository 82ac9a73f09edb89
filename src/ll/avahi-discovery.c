/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiDiscovery: DNS-SD through avahi-daemon (avahi-client on the GLib main loop). */
#include "config.h"
#include "ll/avahi-discovery.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>
#include <string.h>

/* How long to wait before resolving again after a failed resolve, while the
 * browser still lists the service: a peer may come back without a new PTR. */
#define RERESOLVE_MIN_SECONDS 5
#define RERESOLVE_MAX_SECONDS 60

typedef struct
{
  CwLlAvahiDiscovery *self;         /* unowned */
  gchar *name;                      /* owned */
  AvahiIfIndex ifindex;
  AvahiProtocol protocol;
  AvahiServiceResolver *resolver;   /* owned, nullable */
  guint retry_id;                   /* resolve-again timeout */
  guint backoff;
} Instance;

struct _CwLlAvahiDiscovery
{
  CwLlDiscovery parent;
  AvahiGLibPoll *poll;              /* owned */
  AvahiClient *client;              /* owned */
  AvahiEntryGroup *group;           /* owned */
  AvahiServiceBrowser *browser;     /* owned */
  GHashTable *instances;            /* "ifindex/proto/name" -> owned Instance */
  gchar *name;                      /* owned: the name we publish (after renames) */
  guint16 port;
  GPtrArray *txt;                   /* owned (GBytes *), nullable */
  gboolean want_published;
};

G_DEFINE_TYPE (CwLlAvahiDiscovery, cw_ll_avahi_discovery, CW_TYPE_LL_DISCOVERY)

static void start_resolver (Instance *inst);

static GSocketFamily
family_of (AvahiProtocol proto)
{
  return proto == AVAHI_PROTO_INET6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

gchar *
cw_ll_alternative_name (const gchar *name)
{
  const gchar *at = strrchr (name, '@');
  g_autofree gchar *user = at != NULL ? g_strndup (name, at - name) : g_strdup (name);
  const gchar *host = at != NULL ? at : "";
  const gchar *dash = strrchr (user, '-');
  guint64 n = 0;

  /* "juliet-3" -> base "juliet", next 4; "juliet" -> "juliet-1". */
  if (dash != NULL && dash[1] != '\0' && strspn (dash + 1, "0123456789") == strlen (dash + 1)
      && strlen (dash + 1) < 6)
    {
      n = g_ascii_strtoull (dash + 1, NULL, 10);
      user[dash - user] = '\0';
    }
  return g_strdup_printf ("%s-%" G_GUINT64_FORMAT "%s", user, n + 1, host);
}

static AvahiStringList *
to_string_list (GPtrArray *txt)
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

static GPtrArray *
from_string_list (AvahiStringList *l)
{
  GPtrArray *txt = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (; l != NULL; l = avahi_string_list_get_next (l))
    g_ptr_array_add (txt, g_bytes_new (avahi_string_list_get_text (l),
                                       avahi_string_list_get_size (l)));
  return txt;
}

static void register_service (CwLlAvahiDiscovery *self);

static void
on_group_state (AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
  CwLlAvahiDiscovery *self = data;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      g_message ("published as '%s' on port %u", self->name, self->port);
      cw_ll_discovery_emit_published (CW_LL_DISCOVERY (self), self->name);
      break;
    case AVAHI_ENTRY_GROUP_COLLISION:
      {
        gchar *alt = cw_ll_alternative_name (self->name);

        g_message ("the name '%s' is taken on this link; trying '%s'", self->name, alt);
        g_free (self->name);
        self->name = alt;
        avahi_entry_group_reset (g);
        register_service (self);
        break;
      }
    case AVAHI_ENTRY_GROUP_FAILURE:
      g_warning ("publishing failed: %s",
                 avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (g))));
      break;
    default:
      break;
    }
}

static void
register_service (CwLlAvahiDiscovery *self)
{
  AvahiStringList *l;
  int ret;

  if (self->client == NULL || avahi_client_get_state (self->client) != AVAHI_CLIENT_S_RUNNING)
    return;
  if (self->group == NULL)
    self->group = avahi_entry_group_new (self->client, on_group_state, self);
  if (self->group == NULL)
    return;
  l = to_string_list (self->txt);
  ret = avahi_entry_group_add_service_strlst (self->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                              self->name, CW_LL_SERVICE_TYPE, NULL, NULL,
                                              self->port, l);
  avahi_string_list_free (l);
  if (ret == AVAHI_ERR_COLLISION)
    {
      on_group_state (self->group, AVAHI_ENTRY_GROUP_COLLISION, self);
      return;
    }
  if (ret < 0 || (ret = avahi_entry_group_commit (self->group)) < 0)
    g_warning ("cannot publish '%s': %s", self->name, avahi_strerror (ret));
}

static gchar *
instance_key (const gchar *name, AvahiIfIndex ifindex, AvahiProtocol proto)
{
  return g_strdup_printf ("%d/%d/%s", ifindex, proto, name);
}

static void
instance_free (gpointer data)
{
  Instance *inst = data;

  g_clear_handle_id (&inst->retry_id, g_source_remove);
  g_clear_pointer (&inst->resolver, avahi_service_resolver_free);
  g_free (inst->name);
  g_free (inst);
}

static GInetSocketAddress *
socket_address (const AvahiAddress *a, uint16_t port, AvahiIfIndex ifindex)
{
  char text[AVAHI_ADDRESS_STR_MAX];
  g_autoptr (GInetAddress) inet = NULL;
  guint32 scope = 0;

  avahi_address_snprint (text, sizeof text, a);
  inet = g_inet_address_new_from_string (text);
  if (inet == NULL)
    return NULL;
  /* fe80:: addresses are only meaningful with their interface. */
  if (g_inet_address_get_is_link_local (inet) && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    scope = ifindex;
  return g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", inet, "port", (guint) port,
                       "scope-id", scope, NULL);
}

static gboolean
retry_resolve (gpointer data)
{
  Instance *inst = data;

  inst->retry_id = 0;
  start_resolver (inst);
  return G_SOURCE_REMOVE;
}

static void
on_resolved (AvahiServiceResolver *r, AvahiIfIndex ifindex, AvahiProtocol proto,
             AvahiResolverEvent event, const char *name, const char *type, const char *domain,
             const char *host, const AvahiAddress *a, uint16_t port, AvahiStringList *txt,
             AvahiLookupResultFlags flags, void *data)
{
  Instance *inst = data;
  CwLlDiscovery *disc = CW_LL_DISCOVERY (inst->self);

  if (event == AVAHI_RESOLVER_FOUND)
    {
      g_autoptr (GInetSocketAddress) addr = socket_address (a, port, ifindex);
      g_autoptr (GPtrArray) strings = from_string_list (txt);
      CwLlServiceInfo info = { name, ifindex, family_of (proto), host, addr, strings };

      inst->backoff = 0;
      if (addr != NULL)
        cw_ll_discovery_emit_resolved (disc, &info);
      return;
    }
  {
    g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                                            "cannot resolve '%s': %s", name,
                                            avahi_strerror (avahi_client_errno (inst->self->client)));

    /* Free the resolver and try again later; the instance stays as long as
     * the browser lists it. */
    g_clear_pointer (&inst->resolver, avahi_service_resolver_free);
    inst->backoff = CLAMP (inst->backoff * 2, RERESOLVE_MIN_SECONDS, RERESOLVE_MAX_SECONDS);
    inst->retry_id = g_timeout_add_seconds (inst->backoff, retry_resolve, inst);
    cw_ll_discovery_emit_failed (disc, inst->name, ifindex, family_of (proto), error);
  }
}

static void
start_resolver (Instance *inst)
{
  g_clear_pointer (&inst->resolver, avahi_service_resolver_free);
  inst->resolver = avahi_service_resolver_new (inst->self->client, inst->ifindex, inst->protocol,
                                               inst->name, CW_LL_SERVICE_TYPE, NULL,
                                               AVAHI_PROTO_UNSPEC, 0, on_resolved, inst);
  if (inst->resolver == NULL)
    g_warning ("cannot resolve '%s': %s", inst->name,
               avahi_strerror (avahi_client_errno (inst->self->client)));
}

static void
on_browse (AvahiServiceBrowser *b, AvahiIfIndex ifindex, AvahiProtocol proto,
           AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
           AvahiLookupResultFlags flags, void *data)
{
  CwLlAvahiDiscovery *self = data;
  g_autofree gchar *key = NULL;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      {
        Instance *inst = g_new0 (Instance, 1);

        inst->self = self;
        inst->name = g_strdup (name);
        inst->ifindex = ifindex;
        inst->protocol = proto;
        g_hash_table_replace (self->instances, instance_key (name, ifindex, proto), inst);
        start_resolver (inst);
        break;
      }
    case AVAHI_BROWSER_REMOVE:
      key = instance_key (name, ifindex, proto);
      g_hash_table_remove (self->instances, key);
      cw_ll_discovery_emit_removed (CW_LL_DISCOVERY (self), name, ifindex, family_of (proto));
      break;
    case AVAHI_BROWSER_FAILURE:
      g_warning ("browsing %s failed: %s", CW_LL_SERVICE_TYPE,
                 avahi_strerror (avahi_client_errno (self->client)));
      break;
    default:
      break;
    }
}

/* The daemon (re)appeared: browse and publish from scratch. */
static void
on_running (CwLlAvahiDiscovery *self)
{
  if (self->browser == NULL)
    self->browser = avahi_service_browser_new (self->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                               CW_LL_SERVICE_TYPE, NULL, 0, on_browse, self);
  if (self->browser == NULL)
    g_warning ("cannot browse %s: %s", CW_LL_SERVICE_TYPE,
               avahi_strerror (avahi_client_errno (self->client)));
  if (self->want_published && (self->group == NULL || avahi_entry_group_is_empty (self->group)))
    register_service (self);
  cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_RUNNING);
}

/* The daemon went away: everything it gave us is gone. Peers are reported
 * removed so nobody is shown online on stale data. */
static void
on_lost (CwLlAvahiDiscovery *self)
{
  GHashTableIter iter;
  Instance *inst;

  g_clear_pointer (&self->browser, avahi_service_browser_free);
  g_clear_pointer (&self->group, avahi_entry_group_free);
  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inst))
    {
      cw_ll_discovery_emit_removed (CW_LL_DISCOVERY (self), inst->name, inst->ifindex,
                                    family_of (inst->protocol));
      g_hash_table_iter_remove (&iter);
    }
}

static void
on_client_state (AvahiClient *c, AvahiClientState state, void *data)
{
  CwLlAvahiDiscovery *self = data;

  /* The callback can run inside avahi_client_new, before it returns. */
  self->client = c;
  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      g_message ("avahi-daemon is running");
      on_running (self);
      break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* Host name trouble: our records are withdrawn and re-added later. */
      if (self->group != NULL)
        avahi_entry_group_reset (self->group);
      break;
    case AVAHI_CLIENT_CONNECTING:
      g_message ("waiting for avahi-daemon");
      on_lost (self);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_RECONNECTING);
      break;
    case AVAHI_CLIENT_FAILURE:
      g_warning ("avahi client failure: %s", avahi_strerror (avahi_client_errno (c)));
      on_lost (self);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_FAILED);
      break;
    }
}

static gboolean
avahi_start (CwLlDiscovery *disc, GError **error)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);
  int err = 0;

  g_return_val_if_fail (self->client == NULL, FALSE);
  /* NO_FAIL: keep going when the daemon is absent or restarts; the state
   * callback tells us when it is (back) up. */
  self->client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                                   on_client_state, self, &err);
  if (self->client == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot use avahi: %s",
                   avahi_strerror (err));
      return FALSE;
    }
  return TRUE;
}

static void
set_txt (CwLlAvahiDiscovery *self, GPtrArray *txt)
{
  g_clear_pointer (&self->txt, g_ptr_array_unref);
  self->txt = txt != NULL ? g_ptr_array_ref (txt) : NULL;
}

static void
avahi_publish (CwLlDiscovery *disc, const gchar *name, guint16 port, GPtrArray *txt)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);

  g_free (self->name);
  self->name = g_strdup (name);
  self->port = port;
  set_txt (self, txt);
  self->want_published = TRUE;
  if (self->group != NULL)
    avahi_entry_group_reset (self->group);
  register_service (self);
}

static void
avahi_update_txt (CwLlDiscovery *disc, GPtrArray *txt)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);
  AvahiStringList *l;
  int ret;

  set_txt (self, txt);
  if (self->group == NULL || avahi_entry_group_is_empty (self->group))
    return;
  /* In place: peers see a TXT change, not a goodbye and a new service. */
  l = to_string_list (txt);
  ret = avahi_entry_group_update_service_txt_strlst (self->group, AVAHI_IF_UNSPEC,
                                                     AVAHI_PROTO_UNSPEC, 0, self->name,
                                                     CW_LL_SERVICE_TYPE, NULL, l);
  avahi_string_list_free (l);
  if (ret < 0)
    g_warning ("cannot update the TXT record: %s", avahi_strerror (ret));
}

static void
avahi_unpublish (CwLlDiscovery *disc)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);

  self->want_published = FALSE;
  if (self->group != NULL)
    avahi_entry_group_reset (self->group);
}

static void
avahi_reconfirm (CwLlDiscovery *disc, const gchar *name)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);
  GHashTableIter iter;
  Instance *inst;

  /* A fresh resolve goes to the network for records that have expired;
   * failing it marks the peer unreachable. */
  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inst))
    if (strcmp (inst->name, name) == 0 && inst->retry_id == 0)
      start_resolver (inst);
}

static const gchar *
avahi_describe (CwLlDiscovery *disc)
{
  return "avahi-daemon";
}

static void
cw_ll_avahi_discovery_finalize (GObject *object)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (object);

  g_hash_table_destroy (self->instances);
  g_clear_pointer (&self->browser, avahi_service_browser_free);
  g_clear_pointer (&self->group, avahi_entry_group_free);
  g_clear_pointer (&self->client, avahi_client_free);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
  g_clear_pointer (&self->txt, g_ptr_array_unref);
  g_free (self->name);
  G_OBJECT_CLASS (cw_ll_avahi_discovery_parent_class)->finalize (object);
}

static void
cw_ll_avahi_discovery_class_init (CwLlAvahiDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  CwLlDiscoveryClass *disc_class = CW_LL_DISCOVERY_CLASS (klass);

  object_class->finalize = cw_ll_avahi_discovery_finalize;
  disc_class->start = avahi_start;
  disc_class->publish = avahi_publish;
  disc_class->update_txt = avahi_update_txt;
  disc_class->unpublish = avahi_unpublish;
  disc_class->reconfirm = avahi_reconfirm;
  disc_class->describe = avahi_describe;
}

static void
cw_ll_avahi_discovery_init (CwLlAvahiDiscovery *self)
{
  self->poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  self->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, instance_free);
}

CwLlDiscovery *
cw_ll_avahi_discovery_new (void)
{
  return g_object_new (CW_TYPE_LL_AVAHI_DISCOVERY, NULL);
}

static void
ignore_state (AvahiClient *c, AvahiClientState state, void *data)
{
}

gboolean
cw_ll_avahi_daemon_available (void)
{
  AvahiGLibPoll *poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  AvahiClient *c;
  int err = 0;

  /* Without NO_FAIL, creation fails at once when no daemon answers. */
  c = avahi_client_new (avahi_glib_poll_get (poll), 0, ignore_state, NULL, &err);
  if (c != NULL)
    avahi_client_free (c);
  avahi_glib_poll_free (poll);
  return c != NULL;
}
