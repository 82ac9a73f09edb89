/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiOps over avahi-core: our own mDNS responder, for hosts without avahi-daemon. */
/* For RTLD_DEEPBIND; config.h (included first, by the build) includes no system header. */
#define _GNU_SOURCE 1
#include "config.h"
#include "ll/avahi-ops.h"

#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-core/core.h>
#include <avahi-core/log.h>
#include <avahi-core/lookup.h>
#include <avahi-core/publish.h>
#include <dlfcn.h>
#include <string.h>

/* libavahi-core is loaded here, not linked. It and libavahi-client both
 * export avahi_entry_group_free (the core's is an internal function with other
 * arguments), and a process has one global symbol scope: linked together,
 * avahi_server_free () calls the client's function and aborts, and in the
 * other link order avahi_client_free () calls the core's (avahi/avahi#278).
 * RTLD_DEEPBIND binds the core's own calls to its own functions; RTLD_LOCAL
 * keeps its symbols away from everybody else. */
#define CORE_FUNCTIONS(F) \
  F (avahi_set_log_function) \
  F (avahi_server_config_init) \
  F (avahi_server_config_free) \
  F (avahi_server_new) \
  F (avahi_server_free) \
  F (avahi_server_get_state) \
  F (avahi_server_errno) \
  F (avahi_server_get_host_name) \
  F (avahi_server_get_host_name_fqdn) \
  F (avahi_server_set_host_name) \
  F (avahi_s_entry_group_new) \
  F (avahi_s_entry_group_free) \
  F (avahi_s_entry_group_commit) \
  F (avahi_s_entry_group_reset) \
  F (avahi_s_entry_group_is_empty) \
  F (avahi_server_add_service_strlst) \
  F (avahi_server_update_service_txt_strlst) \
  F (avahi_s_service_browser_new) \
  F (avahi_s_service_browser_free) \
  F (avahi_s_service_resolver_new) \
  F (avahi_s_service_resolver_free)

/* The sanitizer runtime refuses RTLD_DEEPBIND. */
#if defined(__SANITIZE_ADDRESS__)
#define CW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CW_ASAN 1
#endif
#endif

#define DECLARE(f) __typeof__ (f) *f;
static struct
{
  CORE_FUNCTIONS (DECLARE)
} core;

static gboolean
load_core (GError **error)
{
  static gsize done;
  static gchar *failure; /* owned, forever */

  if (g_once_init_enter (&done))
    {
      void *lib = NULL;

#ifdef CW_ASAN
      failure = g_strdup ("not available in AddressSanitizer builds");
#else
      lib = dlopen (CW_AVAHI_CORE_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (lib == NULL)
        failure = g_strdup (dlerror ());
#endif
#define LOAD(f) \
  if (lib != NULL && (core.f = (__typeof__ (f) *) dlsym (lib, #f)) == NULL) \
    { \
      failure = g_strdup_printf ("%s: no %s", CW_AVAHI_CORE_SONAME, #f); \
      lib = NULL; \
    }
      CORE_FUNCTIONS (LOAD)
#undef LOAD
      g_once_init_leave (&done, 1);
    }
  if (failure != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "cannot load the embedded mDNS responder: %s", failure);
  return failure == NULL;
}

#define SERVER(s) ((AvahiServer *) (s))
#define GROUP(g) ((AvahiSEntryGroup *) (g))

/* avahi-core logs to stderr on its own; route it through GLib so it lands
 * where our log goes and its chatter stays in the debug output. */
static void
on_avahi_log (AvahiLogLevel level, const char *text)
{
  switch (level)
    {
    case AVAHI_LOG_ERROR:
      g_warning ("avahi-core: %s", text);
      break;
    case AVAHI_LOG_WARN:
      g_message ("avahi-core: %s", text);
      break;
    case AVAHI_LOG_NOTICE:
    case AVAHI_LOG_INFO:
      g_info ("avahi-core: %s", text);
      break;
    default:
      g_debug ("avahi-core: %s", text);
      break;
    }
}

static void
on_server_state (AvahiServer *s, AvahiServerState state, void *data)
{
  CwLlAvahiDiscovery *self = data;
  CwLlAvahiStack *stack = (CwLlAvahiStack *) s;

  switch (state)
    {
    case AVAHI_SERVER_RUNNING:
      g_message ("embedded avahi-core responder running as %s",
                 core.avahi_server_get_host_name_fqdn (s));
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_RUNNING);
      break;
    case AVAHI_SERVER_COLLISION:
      {
        /* No daemon renames the host for us: "h2" -> "h2-2" -> … */
        char *alt = avahi_alternative_host_name (core.avahi_server_get_host_name (s));
        int ret;

        g_message ("the host name '%s' is taken on this link; trying '%s'",
                   core.avahi_server_get_host_name (s), alt);
        ret = core.avahi_server_set_host_name (s, alt);
        avahi_free (alt);
        if (ret < 0)
          {
            g_warning ("cannot rename the host: %s", avahi_strerror (ret));
            cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_FAILED);
            break;
          }
      }
      G_GNUC_FALLTHROUGH;
    case AVAHI_SERVER_REGISTERING:
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_REGISTERING);
      break;
    case AVAHI_SERVER_FAILURE:
      g_warning ("embedded avahi-core failure: %s",
                 avahi_strerror (core.avahi_server_errno (s)));
      cw_ll_avahi_discovery_stack_changed (self, stack, CW_LL_AVAHI_STACK_FAILED);
      break;
    case AVAHI_SERVER_INVALID:
      break;
    }
}

static CwLlAvahiStack *
server_new (const AvahiPoll *poll, CwLlAvahiDiscovery *self, GError **error)
{
  AvahiServerConfig config;
  AvahiServer *s;
  const gchar *host = g_get_host_name ();
  int err = 0;

  if (!load_core (error))
    return NULL;
  core.avahi_set_log_function (on_avahi_log);
  core.avahi_server_config_init (&config);
  /* The short name, like avahi-daemon: "h2.lab" publishes as "h2.local". */
  config.host_name = avahi_strndup (host, strcspn (host, "."));
  config.use_ipv6 = 1;
  config.publish_workstation = 0;
  config.publish_hinfo = 0;
  /* An fe80:: AAAA over IPv4 resolves to an address without its scope. */
  config.publish_aaaa_on_ipv4 = 0;
  s = core.avahi_server_new (poll, &config, on_server_state, self, &err);
  core.avahi_server_config_free (&config);
  if (s == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "cannot start the embedded mDNS responder: %s", avahi_strerror (err));
  return (CwLlAvahiStack *) s;
}

static gboolean
server_is_running (CwLlAvahiStack *stack)
{
  return core.avahi_server_get_state (SERVER (stack)) == AVAHI_SERVER_RUNNING;
}

static int
server_errno (CwLlAvahiStack *stack)
{
  return core.avahi_server_errno (SERVER (stack));
}

/* Withdraws everything with goodbye packets: peers drop us at once instead
 * of keeping a stale record for 75 minutes. */
static void
server_free (CwLlAvahiStack *stack)
{
  core.avahi_server_free (SERVER (stack));
}

static void
on_group_state (AvahiServer *s, AvahiSEntryGroup *g, AvahiEntryGroupState state, void *data)
{
  cw_ll_avahi_discovery_group_changed (data, state);
}

static CwLlAvahiGroup *
group_new (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self)
{
  return (CwLlAvahiGroup *) core.avahi_s_entry_group_new (SERVER (stack), on_group_state, self);
}

static int
group_add_service (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name, guint16 port,
                   AvahiStringList *txt)
{
  return core.avahi_server_add_service_strlst (SERVER (stack), GROUP (group), AVAHI_IF_UNSPEC,
                                               AVAHI_PROTO_UNSPEC, 0, name, CW_LL_SERVICE_TYPE,
                                               NULL, NULL, port, txt);
}

static int
group_update_txt (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name,
                  AvahiStringList *txt)
{
  return core.avahi_server_update_service_txt_strlst (SERVER (stack), GROUP (group),
                                                      AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                      name, CW_LL_SERVICE_TYPE, NULL, txt);
}

static int
group_commit (CwLlAvahiGroup *group)
{
  return core.avahi_s_entry_group_commit (GROUP (group));
}

static void
group_reset (CwLlAvahiGroup *group)
{
  core.avahi_s_entry_group_reset (GROUP (group));
}

static gboolean
group_is_empty (CwLlAvahiGroup *group)
{
  return core.avahi_s_entry_group_is_empty (GROUP (group));
}

static void
group_free (CwLlAvahiGroup *group)
{
  core.avahi_s_entry_group_free (GROUP (group));
}

static void
on_browse (AvahiSServiceBrowser *b, AvahiIfIndex ifindex, AvahiProtocol proto,
           AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
           AvahiLookupResultFlags flags, void *data)
{
  cw_ll_avahi_discovery_browsed (data, ifindex, proto, event, name);
}

static CwLlAvahiBrowser *
browser_new (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self)
{
  AvahiSServiceBrowser *b = core.avahi_s_service_browser_new (SERVER (stack), AVAHI_IF_UNSPEC,
                                                              AVAHI_PROTO_UNSPEC,
                                                              CW_LL_SERVICE_TYPE, NULL, 0,
                                                              on_browse, self);

  return (CwLlAvahiBrowser *) b;
}

static void
browser_free (CwLlAvahiBrowser *browser)
{
  core.avahi_s_service_browser_free ((AvahiSServiceBrowser *) browser);
}

static void
on_resolve (AvahiSServiceResolver *r, AvahiIfIndex ifindex, AvahiProtocol proto,
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
  AvahiSServiceResolver *r = core.avahi_s_service_resolver_new (SERVER (stack), ifindex, protocol,
                                                                name, CW_LL_SERVICE_TYPE, NULL,
                                                                AVAHI_PROTO_UNSPEC, 0, on_resolve,
                                                                inst);

  return (CwLlAvahiResolver *) r;
}

static void
resolver_free (CwLlAvahiResolver *resolver)
{
  core.avahi_s_service_resolver_free ((AvahiSServiceResolver *) resolver);
}

const CwLlAvahiOps cw_ll_avahi_core_ops = {
  .description = "embedded avahi-core",
  .stack_new = server_new,
  .stack_is_running = server_is_running,
  .stack_errno = server_errno,
  .stack_free = server_free,
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
