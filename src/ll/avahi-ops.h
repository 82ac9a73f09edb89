/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlAvahiOps: what CwLlAvahiDiscovery needs from one Avahi API (avahi-client or avahi-core). */
#pragma once

#include <avahi-common/address.h>
#include <avahi-common/defs.h>
#include <avahi-common/strlst.h>
#include <avahi-common/watch.h>

#include "ll/avahi-discovery.h"

G_BEGIN_DECLS

/* Private to ll/. The two APIs do the same things through different types
 * (AvahiClient vs AvahiServer, AvahiEntryGroup vs AvahiSEntryGroup, …); the
 * state machine lives once in avahi-discovery.c and reaches the API through
 * this table. The handles are opaque casts of the API's own objects. */
typedef struct _CwLlAvahiStack CwLlAvahiStack;       /* AvahiClient, AvahiServer */
typedef struct _CwLlAvahiGroup CwLlAvahiGroup;       /* AvahiEntryGroup, AvahiSEntryGroup */
typedef struct _CwLlAvahiBrowser CwLlAvahiBrowser;   /* Avahi(S)ServiceBrowser */
typedef struct _CwLlAvahiResolver CwLlAvahiResolver; /* Avahi(S)ServiceResolver */
typedef struct _CwLlAvahiInstance CwLlAvahiInstance; /* one browsed (ifindex, protocol, name) */

typedef enum
{
  CW_LL_AVAHI_STACK_RUNNING,      /* browse, and publish if asked */
  CW_LL_AVAHI_STACK_REGISTERING,  /* the host name is being (re)probed: records withdrawn */
  CW_LL_AVAHI_STACK_LOST,         /* no daemon (yet); the stack waits for it */
  CW_LL_AVAHI_STACK_DISCONNECTED, /* the daemon went away, the stack is dead: make a new one */
  CW_LL_AVAHI_STACK_FAILED,
} CwLlAvahiStackState;

typedef struct
{
  const gchar *description; /* what cw_ll_discovery_describe () says */

  /* The stack's state callback may run inside stack_new: it reports the
   * stack through cw_ll_avahi_discovery_stack_changed. */
  CwLlAvahiStack *(*stack_new) (const AvahiPoll *poll, CwLlAvahiDiscovery *self, GError **error);
  gboolean (*stack_is_running) (CwLlAvahiStack *stack);
  int (*stack_errno) (CwLlAvahiStack *stack);
  void (*stack_free) (CwLlAvahiStack *stack);

  CwLlAvahiGroup *(*group_new) (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self);
  /* These return 0 or a negative AVAHI_ERR_* code. */
  int (*group_add_service) (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name,
                            guint16 port, AvahiStringList *txt);
  int (*group_update_txt) (CwLlAvahiStack *stack, CwLlAvahiGroup *group, const gchar *name,
                           AvahiStringList *txt);
  int (*group_commit) (CwLlAvahiGroup *group);
  void (*group_reset) (CwLlAvahiGroup *group);
  gboolean (*group_is_empty) (CwLlAvahiGroup *group);
  void (*group_free) (CwLlAvahiGroup *group);

  /* Browses CW_LL_SERVICE_TYPE on every interface and protocol. */
  CwLlAvahiBrowser *(*browser_new) (CwLlAvahiStack *stack, CwLlAvahiDiscovery *self);
  void (*browser_free) (CwLlAvahiBrowser *browser);

  CwLlAvahiResolver *(*resolver_new) (CwLlAvahiStack *stack, AvahiIfIndex ifindex,
                                      AvahiProtocol protocol, const gchar *name,
                                      CwLlAvahiInstance *inst);
  void (*resolver_free) (CwLlAvahiResolver *resolver);
} CwLlAvahiOps;

extern const CwLlAvahiOps cw_ll_avahi_client_ops; /* avahi-client-ops.c */
extern const CwLlAvahiOps cw_ll_avahi_core_ops;   /* avahi-core-ops.c */

/* The ops' callbacks forward here, with the arguments both APIs share. */
void cw_ll_avahi_discovery_stack_changed (CwLlAvahiDiscovery *self, CwLlAvahiStack *stack,
                                          CwLlAvahiStackState state);
void cw_ll_avahi_discovery_group_changed (CwLlAvahiDiscovery *self, AvahiEntryGroupState state);
void cw_ll_avahi_discovery_browsed (CwLlAvahiDiscovery *self, AvahiIfIndex ifindex,
                                    AvahiProtocol protocol, AvahiBrowserEvent event,
                                    const gchar *name);
void cw_ll_avahi_discovery_resolved (CwLlAvahiInstance *inst, AvahiIfIndex ifindex,
                                     AvahiProtocol protocol, AvahiResolverEvent event,
                                     const gchar *name, const gchar *host, const AvahiAddress *a,
                                     guint16 port, AvahiStringList *txt,
                                     AvahiLookupResultFlags flags);

G_END_DECLS
