/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlDiscovery: the DNS-SD seam shared by the Avahi backends and test doubles. */
#include "config.h"
#include "ll/discovery.h"

typedef struct
{
  CwLlDiscoveryState state;
} CwLlDiscoveryPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (CwLlDiscovery, cw_ll_discovery, G_TYPE_OBJECT)

enum
{
  SIG_RESOLVED,
  SIG_REMOVED,
  SIG_FAILED,
  SIG_PUBLISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void
cw_ll_discovery_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  CwLlDiscoveryPrivate *priv = cw_ll_discovery_get_instance_private (CW_LL_DISCOVERY (object));

  switch (id)
    {
    case PROP_STATE:
      g_value_set_int (value, priv->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
cw_ll_discovery_class_init (CwLlDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cw_ll_discovery_get_property;
  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, CW_LL_DISCOVERY_STATE_FAILED,
                                        CW_LL_DISCOVERY_STATE_STARTING,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIG_RESOLVED] = g_signal_new ("service-resolved", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        G_TYPE_POINTER);
  signals[SIG_REMOVED] = g_signal_new ("service-removed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                       G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT);
  signals[SIG_FAILED] = g_signal_new ("service-failed", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                      G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT, G_TYPE_ERROR);
  signals[SIG_PUBLISHED] = g_signal_new ("published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
cw_ll_discovery_init (CwLlDiscovery *self)
{
}

gboolean
cw_ll_discovery_start (CwLlDiscovery *self, GError **error)
{
  g_return_val_if_fail (CW_IS_LL_DISCOVERY (self), FALSE);
  return CW_LL_DISCOVERY_GET_CLASS (self)->start (self, error);
}

void
cw_ll_discovery_publish (CwLlDiscovery *self, const gchar *name, guint16 port, GPtrArray *txt)
{
  g_return_if_fail (CW_IS_LL_DISCOVERY (self));
  CW_LL_DISCOVERY_GET_CLASS (self)->publish (self, name, port, txt);
}

void
cw_ll_discovery_update_txt (CwLlDiscovery *self, GPtrArray *txt)
{
  g_return_if_fail (CW_IS_LL_DISCOVERY (self));
  CW_LL_DISCOVERY_GET_CLASS (self)->update_txt (self, txt);
}

void
cw_ll_discovery_unpublish (CwLlDiscovery *self)
{
  g_return_if_fail (CW_IS_LL_DISCOVERY (self));
  CW_LL_DISCOVERY_GET_CLASS (self)->unpublish (self);
}

void
cw_ll_discovery_reconfirm (CwLlDiscovery *self, const gchar *name)
{
  CwLlDiscoveryClass *klass;

  g_return_if_fail (CW_IS_LL_DISCOVERY (self));
  klass = CW_LL_DISCOVERY_GET_CLASS (self);
  if (klass->reconfirm != NULL)
    klass->reconfirm (self, name);
}

const gchar *
cw_ll_discovery_describe (CwLlDiscovery *self)
{
  g_return_val_if_fail (CW_IS_LL_DISCOVERY (self), NULL);
  return CW_LL_DISCOVERY_GET_CLASS (self)->describe (self);
}

CwLlDiscoveryState
cw_ll_discovery_get_state (CwLlDiscovery *self)
{
  CwLlDiscoveryPrivate *priv = cw_ll_discovery_get_instance_private (self);

  return priv->state;
}

void
cw_ll_discovery_set_state (CwLlDiscovery *self, CwLlDiscoveryState state)
{
  CwLlDiscoveryPrivate *priv = cw_ll_discovery_get_instance_private (self);

  if (priv->state == state)
    return;
  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

void
cw_ll_discovery_emit_resolved (CwLlDiscovery *self, const CwLlServiceInfo *info)
{
  g_signal_emit (self, signals[SIG_RESOLVED], 0, info);
}

void
cw_ll_discovery_emit_removed (CwLlDiscovery *self, const gchar *name, gint ifindex,
                              GSocketFamily family)
{
  g_signal_emit (self, signals[SIG_REMOVED], 0, name, ifindex, (gint) family);
}

void
cw_ll_discovery_emit_failed (CwLlDiscovery *self, const gchar *name, gint ifindex,
                             GSocketFamily family, const GError *error)
{
  g_signal_emit (self, signals[SIG_FAILED], 0, name, ifindex, (gint) family, error);
}

void
cw_ll_discovery_emit_published (CwLlDiscovery *self, const gchar *name)
{
  g_signal_emit (self, signals[SIG_PUBLISHED], 0, name);
}
