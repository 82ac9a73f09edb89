/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiDiscovery: DNS-SD through Avahi — avahi-daemon or an embedded avahi-core responder. */
#include "config.h"
#include "ll/avahi-discovery.h"

#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>
#include <string.h>

#include "ll/avahi-ops.h"
#include "ll/avahi-util.h"

/* How long to wait before resolving again after a failed resolve, while the
 * browser still lists the service: a peer may come back without a new PTR. */
#define RERESOLVE_MIN_SECONDS 5
#define RERESOLVE_MAX_SECONDS 60

struct _CwLlAvahiInstance
{
  CwLlAvahiDiscovery *self;         /* unowned */
  gchar *name;                      /* owned */
  AvahiIfIndex ifindex;
  AvahiProtocol protocol;
  CwLlAvahiResolver *resolver;      /* owned, nullable */
  guint retry_id;                   /* resolve-again timeout */
  guint backoff;
  gboolean own;                     /* resolved as one of our own records */
  gchar *host;                      /* owned, nullable: target host once resolved */
  gboolean failed;                  /* the last resolve failed */
};
typedef struct _CwLlAvahiInstance Instance;

struct _CwLlAvahiDiscovery
{
  CwLlDiscovery parent;
  const CwLlAvahiOps *ops;          /* static: the Avahi API we go through */
  AvahiGLibPoll *poll;              /* owned */
  CwLlAvahiStack *stack;            /* owned, nullable: the client or the server */
  gboolean started;
  guint reconnect_id;               /* idle: replace a dead stack */
  CwLlAvahiGroup *group;            /* owned, nullable */
  CwLlAvahiBrowser *browser;        /* owned, nullable */
  GHashTable *instances;            /* "ifindex/proto/name" -> owned Instance */
  gchar *name;                      /* owned: the name we publish (after renames) */
  guint16 port;
  GPtrArray *txt;                   /* owned (GBytes *), nullable */
  gboolean want_published;
  gboolean browse_settled;          /* the browser has reported what it knew */
  gboolean settle_expired;          /* waited long enough: publish regardless */
  guint settle_id;                  /* ends the wait */
};

/* Longest wait for the browser's first snapshot before publishing anyway. */
#define SETTLE_MAX_MS 1500

G_DEFINE_TYPE (CwLlAvahiDiscovery, cw_ll_avahi_discovery, CW_TYPE_LL_DISCOVERY)

static void start_resolver (Instance *inst);
static void register_service (CwLlAvahiDiscovery *self);
static void try_publish (CwLlAvahiDiscovery *self);

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

static const gchar *
stack_error (CwLlAvahiDiscovery *self)
{
  return avahi_strerror (self->stack != NULL ? self->ops->stack_errno (self->stack)
                                             : AVAHI_ERR_DISCONNECTED);
}

/* ---- publishing --------------------------------------------------------- */

/* TRUE when another host holds @name: an instance of it resolves to a
 * host that is not ours (our previous run's record, still cached for a
 * moment after a restart, points at our own host). *pending is set while
 * an instance with that name has not resolved yet. */
static gboolean
name_taken (CwLlAvahiDiscovery *self, const gchar *name, gboolean *pending)
{
  g_autofree gchar *ours = NULL;
  GHashTableIter iter;
  Instance *inst;

  ours = g_strdup_printf ("%.*s.local", (int) strcspn (g_get_host_name (), "."), g_get_host_name ());
  *pending = FALSE;
  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inst))
    {
      if (inst->own || strcmp (inst->name, name) != 0)
        continue;
      if (inst->host == NULL)
        *pending |= !inst->failed;
      else if (g_ascii_strcasecmp (inst->host, ours) != 0)
        return TRUE;
    }
  return FALSE;
}

static void
rename_and_retry (CwLlAvahiDiscovery *self)
{
  gchar *alt = cw_ll_alternative_name (self->name);

  g_message ("the name '%s' is taken on this link; trying '%s'", self->name, alt);
  g_free (self->name);
  self->name = alt;
  if (self->group != NULL)
    self->ops->group_reset (self->group);
  register_service (self);
}

void
cw_ll_avahi_discovery_group_changed (CwLlAvahiDiscovery *self, AvahiEntryGroupState state)
{
  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      g_message ("published as '%s' on port %u", self->name, self->port);
      cw_ll_discovery_emit_published (CW_LL_DISCOVERY (self), self->name);
      break;
    case AVAHI_ENTRY_GROUP_COLLISION:
      rename_and_retry (self);
      break;
    case AVAHI_ENTRY_GROUP_FAILURE:
      g_warning ("publishing failed: %s", stack_error (self));
      break;
    default:
      break;
    }
}

static void
register_service (CwLlAvahiDiscovery *self)
{
  const CwLlAvahiOps *ops = self->ops;
  AvahiStringList *l;
  int ret;

  if (!self->started || self->stack == NULL || !ops->stack_is_running (self->stack))
    return;
  /* Publish only once the browser has told what the link already holds:
   * a name someone uses is then renamed before probing. Probing alone is
   * not enough here: resolving that other instance makes its host answer
   * with its records just before our probes, and mDNS rate limiting
   * (RFC 6762 §6) can then leave the probes unanswered, so the established
   * holder would lose its name to the newcomer. */
  if (!self->browse_settled)
    return;
  if (self->group != NULL && !ops->group_is_empty (self->group))
    return;  /* already published (a late resolve got us here again) */
  for (;;)
    {
      gboolean pending;

      if (!name_taken (self, self->name, &pending))
        {
          if (pending && !self->settle_expired)
            return;  /* again when it resolves, or when the wait ends */
          break;
        }
      gchar *alt = cw_ll_alternative_name (self->name);

      g_message ("the name '%s' is taken on this link; using '%s'", self->name, alt);
      g_free (self->name);
      self->name = alt;
    }

  if (self->group == NULL)
    self->group = ops->group_new (self->stack, self);
  if (self->group == NULL)
    {
      g_warning ("cannot publish '%s': %s", self->name, stack_error (self));
      return;
    }
  l = cw_ll_avahi_strlst_new (self->txt);
  ret = ops->group_add_service (self->stack, self->group, self->name, self->port, l);
  avahi_string_list_free (l);
  /* Taken by another client of the same stack: no probing needed to know. */
  if (ret == AVAHI_ERR_COLLISION)
    {
      rename_and_retry (self);
      return;
    }
  if (ret < 0 || (ret = ops->group_commit (self->group)) < 0)
    g_warning ("cannot publish '%s': %s", self->name, avahi_strerror (ret));
}

/* ---- browsing and resolving ---------------------------------------------- */

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
  if (inst->resolver != NULL)
    inst->self->ops->resolver_free (g_steal_pointer (&inst->resolver));
  g_free (inst->name);
  g_free (inst->host);
  g_free (inst);
}

static gboolean
retry_resolve (gpointer data)
{
  Instance *inst = data;

  inst->retry_id = 0;
  start_resolver (inst);
  return G_SOURCE_REMOVE;
}

void
cw_ll_avahi_discovery_resolved (CwLlAvahiInstance *inst, AvahiIfIndex ifindex,
                                AvahiProtocol proto, AvahiResolverEvent event, const gchar *name,
                                const gchar *host, const AvahiAddress *a, guint16 port,
                                AvahiStringList *txt, AvahiLookupResultFlags flags)
{
  CwLlAvahiDiscovery *self = inst->self;
  g_autoptr (GError) error = NULL;

  /* The resolver stays: it reports again when the peer's records change. */
  if (event == AVAHI_RESOLVER_FOUND)
    {
      g_autoptr (GInetSocketAddress) addr =
        a != NULL ? cw_ll_avahi_socket_address (a, port, ifindex) : NULL;
      g_autoptr (GPtrArray) strings = cw_ll_avahi_strlst_to_txt (txt);
      CwLlServiceInfo info = { name, ifindex, cw_ll_avahi_family (proto), host, addr, strings,
                               (flags & AVAHI_LOOKUP_RESULT_OUR_OWN) != 0 };

      inst->backoff = 0;
      inst->own = info.own;
      inst->failed = FALSE;
      g_free (inst->host);
      inst->host = g_strdup (host);
      if (addr != NULL)
        cw_ll_discovery_emit_resolved (CW_LL_DISCOVERY (self), &info);
      if (self->name != NULL && strcmp (name, self->name) == 0)
        try_publish (self);
      return;
    }
  error = g_error_new (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE, "cannot resolve '%s': %s",
                       inst->name, stack_error (self));
  /* Free the resolver and try again later; the instance stays as long as
   * the browser lists it. Both APIs allow freeing it in its own callback. */
  if (inst->resolver != NULL)
    self->ops->resolver_free (g_steal_pointer (&inst->resolver));
  inst->backoff = CLAMP (inst->backoff * 2, RERESOLVE_MIN_SECONDS, RERESOLVE_MAX_SECONDS);
  g_clear_handle_id (&inst->retry_id, g_source_remove);
  inst->retry_id = g_timeout_add_seconds (inst->backoff, retry_resolve, inst);
  inst->failed = TRUE;
  cw_ll_discovery_emit_failed (CW_LL_DISCOVERY (self), inst->name, ifindex,
                               cw_ll_avahi_family (proto), error);
  if (self->name != NULL && strcmp (inst->name, self->name) == 0)
    try_publish (self);
}

static void
start_resolver (Instance *inst)
{
  CwLlAvahiDiscovery *self = inst->self;

  if (inst->resolver != NULL)
    self->ops->resolver_free (g_steal_pointer (&inst->resolver));
  inst->resolver = self->ops->resolver_new (self->stack, inst->ifindex, inst->protocol, inst->name,
                                            inst);
  if (inst->resolver == NULL)
    g_warning ("cannot resolve '%s': %s", inst->name, stack_error (self));
}

static void
try_publish (CwLlAvahiDiscovery *self)
{
  if (self->want_published && (self->group == NULL || self->ops->group_is_empty (self->group)))
    register_service (self);
}

static void
settle (CwLlAvahiDiscovery *self)
{
  if (self->browse_settled)
    return;
  self->browse_settled = TRUE;
  try_publish (self);
}

static gboolean
on_settle_timeout (gpointer data)
{
  CwLlAvahiDiscovery *self = data;

  self->settle_id = 0;
  self->settle_expired = TRUE;
  self->browse_settled = TRUE;
  try_publish (self);
  return G_SOURCE_REMOVE;
}

void
cw_ll_avahi_discovery_browsed (CwLlAvahiDiscovery *self, AvahiIfIndex ifindex,
                               AvahiProtocol proto, AvahiBrowserEvent event, const gchar *name)
{
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
      cw_ll_discovery_emit_removed (CW_LL_DISCOVERY (self), name, ifindex,
                                    cw_ll_avahi_family (proto));
      break;
    case AVAHI_BROWSER_FAILURE:
      g_warning ("browsing %s failed: %s", CW_LL_SERVICE_TYPE, stack_error (self));
      settle (self);
      break;
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    case AVAHI_BROWSER_ALL_FOR_NOW:
      settle (self);
      break;
    default:
      break;
    }
}

/* ---- the stack's life ------------------------------------------------------ */

/* The stack is (back) up: browse and publish from scratch. */
static void
on_running (CwLlAvahiDiscovery *self)
{
  const CwLlAvahiOps *ops = self->ops;

  if (self->browser == NULL)
    {
      self->browse_settled = self->settle_expired = FALSE;
      self->browser = ops->browser_new (self->stack, self);
      g_clear_handle_id (&self->settle_id, g_source_remove);
      self->settle_id = g_timeout_add (SETTLE_MAX_MS, on_settle_timeout, self);
    }
  if (self->browser == NULL)
    {
      g_warning ("cannot browse %s: %s", CW_LL_SERVICE_TYPE, stack_error (self));
      settle (self);
    }
  if (self->want_published && (self->group == NULL || ops->group_is_empty (self->group)))
    register_service (self);
  cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_RUNNING);
}

/* The stack went away: everything it gave us is gone. Peers are reported
 * removed so nobody is shown online on stale data. */
static void
on_lost (CwLlAvahiDiscovery *self)
{
  GHashTableIter iter;
  Instance *inst;

  if (self->browser != NULL)
    self->ops->browser_free (g_steal_pointer (&self->browser));
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->browse_settled = self->settle_expired = FALSE;
  if (self->group != NULL)
    self->ops->group_free (g_steal_pointer (&self->group));
  g_hash_table_iter_init (&iter, self->instances);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inst))
    {
      cw_ll_discovery_emit_removed (CW_LL_DISCOVERY (self), inst->name, inst->ifindex,
                                    cw_ll_avahi_family (inst->protocol));
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
create_stack (CwLlAvahiDiscovery *self, GError **error)
{
  CwLlAvahiStack *stack = self->ops->stack_new (avahi_glib_poll_get (self->poll), self, error);

  self->stack = stack;
  return stack != NULL;
}

/* Outside the dead stack's callback, which must not free it. */
static gboolean
reconnect (gpointer data)
{
  CwLlAvahiDiscovery *self = data;
  g_autoptr (GError) error = NULL;

  self->reconnect_id = 0;
  if (self->stack != NULL)
    self->ops->stack_free (g_steal_pointer (&self->stack));
  if (!create_stack (self, &error))
    {
      g_warning ("%s", error->message);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_FAILED);
    }
  return G_SOURCE_REMOVE;
}

void
cw_ll_avahi_discovery_stack_changed (CwLlAvahiDiscovery *self, CwLlAvahiStack *stack,
                                     CwLlAvahiStackState state)
{
  /* The callback can run inside stack_new, before it returns. */
  self->stack = stack;
  switch (state)
    {
    case CW_LL_AVAHI_STACK_RUNNING:
      /* An embedded server may come up before start (): that catches up. */
      if (self->started)
        on_running (self);
      break;
    case CW_LL_AVAHI_STACK_REGISTERING:
      /* Host name trouble: our records are withdrawn and re-added when the
       * stack runs again. */
      if (self->group != NULL)
        self->ops->group_reset (self->group);
      break;
    case CW_LL_AVAHI_STACK_LOST:
      on_lost (self);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_RECONNECTING);
      break;
    case CW_LL_AVAHI_STACK_DISCONNECTED:
      on_lost (self);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_RECONNECTING);
      if (self->reconnect_id == 0)
        self->reconnect_id = g_idle_add (reconnect, self);
      break;
    case CW_LL_AVAHI_STACK_FAILED:
      on_lost (self);
      cw_ll_discovery_set_state (CW_LL_DISCOVERY (self), CW_LL_DISCOVERY_STATE_FAILED);
      break;
    }
}

/* ---- CwLlDiscovery ----------------------------------------------------------- */

static gboolean
avahi_start (CwLlDiscovery *disc, GError **error)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);

  g_return_val_if_fail (!self->started, FALSE);
  self->started = TRUE;
  /* The embedded server exists since construction and may be up already. */
  if (self->stack != NULL)
    {
      if (self->ops->stack_is_running (self->stack))
        on_running (self);
      return TRUE;
    }
  if (!create_stack (self, error))
    {
      self->started = FALSE;
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
    self->ops->group_reset (self->group);
  register_service (self);
}

static void
avahi_update_txt (CwLlDiscovery *disc, GPtrArray *txt)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (disc);
  AvahiStringList *l;
  int ret;

  set_txt (self, txt);
  if (self->group == NULL || self->ops->group_is_empty (self->group))
    return;
  /* In place: peers see a TXT change, not a goodbye and a new service. */
  l = cw_ll_avahi_strlst_new (txt);
  ret = self->ops->group_update_txt (self->stack, self->group, self->name, l);
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
    self->ops->group_reset (self->group);
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
  return CW_LL_AVAHI_DISCOVERY (disc)->ops->description;
}

static void
cw_ll_avahi_discovery_finalize (GObject *object)
{
  CwLlAvahiDiscovery *self = CW_LL_AVAHI_DISCOVERY (object);
  const CwLlAvahiOps *ops = self->ops;

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  /* Ours first: freeing the stack frees whatever is still attached to it. */
  g_hash_table_destroy (self->instances);
  if (self->browser != NULL)
    ops->browser_free (self->browser);
  if (self->group != NULL)
    ops->group_free (self->group);
  if (self->stack != NULL)
    ops->stack_free (self->stack);
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
  self->ops = &cw_ll_avahi_client_ops;
  self->poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  self->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, instance_free);
}

CwLlDiscovery *
cw_ll_avahi_discovery_new (void)
{
  return g_object_new (CW_TYPE_LL_AVAHI_DISCOVERY, NULL);
}

CwLlDiscovery *
cw_ll_avahi_discovery_new_embedded (GError **error)
{
  g_autoptr (CwLlAvahiDiscovery) self = g_object_new (CW_TYPE_LL_AVAHI_DISCOVERY, NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  self->ops = &cw_ll_avahi_core_ops;
  /* Now, so that a responder that cannot start (no usable socket, a bad
   * host name) is an error here rather than a silent discovery failure. */
  if (!create_stack (self, error))
    return NULL;
  return CW_LL_DISCOVERY (g_steal_pointer (&self));
}
