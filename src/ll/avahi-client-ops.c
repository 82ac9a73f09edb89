/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiOps over avahi-client: DNS-SD through avahi-daemon on the system bus. */
#include "config.h"
#include "ll/avahi-ops.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>

#define CLIENT(s) ((AvahiClient *) (s))
#define GROUP(g) ((AvahiEntryGroup *) (g))

static void
on_client_state (AvahiClient *c, AvahiClientState state, void *data)
{
  CwLlAvahiDiscovery *self = data;
  CwLlAvahiStack *stack = (CwLlAvahiStack *) c;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      g_message ("avahi-daemon is running");
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_RUNNING);
      break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_REGISTERING);
      break;
    case AVAHI_CLIENT_CONNECTING:
      g_message ("waiting for avahi-daemon");
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_LOST);
      break;
    case AVAHI_CLIENT_FAILURE:
      /* A daemon that exits or crashes leaves the client dead, NO_FAIL or
       * not; a new client (with NO_FAIL) waits for the next daemon. */
      if (avahi_client_errno (c) == AVAHI_ERR_DISCONNECTED)
        {
          g_message ("avahi-daemon went away");
          cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_DISCONNECTED);
          break;
        }
      g_warning ("avahi client failure: %s", avahi_strerror (avahi_client_errno (c)));
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_FAILED);
      break;
    }
}

static CwLlAvahiStack *
client_new (const AvahiPoll *poll, CwLlAvahiDiscovery *self, GError **error)
{
  AvahiClient *c;
  int err = 0;

  /* NO_FAIL: keep going when the daemon is absent or restarts; the state
   * callback tells us when it is (back) up. */
  c = avahi_client_new (poll, AVAHI_CLIENT_NO_FAIL, on_client_state, self, &err);
  if (c == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot use avahi: %s",
                 avahi_strerror (err));
  return (CwLlAvahiStack *) c;
}

static gboolean
client_is_running (CwLlAvahiStack *stack)
{
  return avahi_client_get_state (CLIENT (stack)) == AVAHI_CLIENT_S_RUNNING;
}

static int
client_errno (CwLlAvahiStack *stack)
{
  return avahi_client_errno (CLIENT (stack));
}

static void
client_free (CwLlAvahiStack *stack)
{
  avahi_client_free (CLIENT (stack));
}

static void
on_group_state (AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
  cw_ll_avahi_discovery_group_changed (data, state);
}

static CwLlAvahiGroup *
group_new (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self)
{
  return (CwLlAvahiGroup *) avahi_entry_group_new (CLIENT (stack), on_group_state, self);
}

static int
group_add_service (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name, guint16 port,
                   AvahiStringList *txt)
{
  return avahi_entry_group_add_service_strlst (GROUP (group), AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                               0, name, CW_LL_SERVICE_TYPE, NULL, NULL, port, txt);
}

static int
group_update_txt (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name,
                  AvahiStringList *txt)
{
  return avahi_entry_group_update_service_txt_strlst (GROUP (group), AVAHI_IF_UNSPEC,
                                                      AVAHI_PROTO_UNSPEC, 0, name,
                                                      CW_LL_SERVICE_TYPE, NULL, txt);
}

static int
group_commit (CwLlAvahiGroup *group)
{
  return avahi_entry_group_commit (GROUP (group));
}

static void
group_reset (CwLlAvahiGroup *group)
{
  avahi_entry_group_reset (GROUP (group));
}

static gboolean
group_is_empty (CwLlAvahiGroup *group)
{
  return avahi_entry_group_is_empty (GROUP (group));
}

static void
group_free (CwLlAvahiGroup *group)
{
  avahi_entry_group_free (GROUP (group));
}

static void
on_browse (AvahiServiceBrowser *b, AvahiIfIndex ifindex, AvahiProtocol proto,
           AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
           AvahiLookupResultFlags flags, void *data)
{
  cw_ll_avahi_discovery_browsed (data, ifindex, proto, event, name);
}

static CwLlAvahiBrowser *
browser_new (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self)
{
  return (CwLlAvahiBrowser *) avahi_service_browser_new (CLIENT (stack), AVAHI_IF_UNSPEC,
                                                         AVAHI_PROTO_UNSPEC, CW_LL_SERVICE_TYPE,
                                                         NULL, 0, on_browse, self);
}

static void
browser_free (CwLlAvahiBrowser *browser)
{
  avahi_service_browser_free ((AvahiServiceBrowser *) browser);
}

static void
on_resolve (AvahiServiceResolver *r, AvahiIfIndex ifindex, AvahiProtocol proto,
            AvahiResolverEvent event, const char *name, const char *type, const char *domain,
            const char *host, const AvahiAddress *a, uint16_t port, AvahiStringList *txt,
            AvahiLookupResultFlags flags, void *data)
{
  cw_ll_avahi_discovery_resolved (data, ifindex, proto, event, name, host, a, port, txt, flags);
}

static CwLlAvahiResolver *
resolver_new (CwLlAvahiStack *stack, AvahiIfIndex ifindex, AvahiProtocol protocol,
              const gchar *name, CwLlAvahiInstance *inst)
{
  return (CwLlAvahiResolver *) avahi_service_resolver_new (CLIENT (stack), ifindex, protocol, name,
                                                           CW_LL_SERVICE_TYPE, NULL,
                                                           AVAHI_PROTO_UNSPEC, 0, on_resolve, inst);
}

static void
resolver_free (CwLlAvahiResolver *resolver)
{
  avahi_service_resolver_free ((AvahiServiceResolver *) resolver);
}

const CwLlAvahiOps cw_ll_avahi_client_ops = {
  .description = "avahi-daemon",
  .stack_new = client_new,
  .stack_is_running = client_is_running,
  .stack_errno = client_errno,
  .stack_free = client_free,
  .group_new = group_new,
  .group_add_service = group_add_service,
  .group_update_txt = group_update_txt,
  .group_commit = group_commit,
  .group_reset = group_reset,
  .group_is_empty = group_is_empty,
  .group_free = group_free,
  .browser_new = browser_new,
  .browser_free = browser_free,
  .resolver_new = resolver_new,
  .resolver_free = resolver_free,
};

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
