/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A gateway store, a router and bound resources for testing one server module. */
#pragma once

#include "server/module.h"

G_BEGIN_DECLS

/* Bound and available: user1@example.org/r, user1@example.org/other,
 * user3@example.org/r (accounts user1..user3, password "secret"). */
#define CW_MODULE_FIXTURE_N_RESOURCES 3

typedef struct
{
  gchar *dir;
  CwGatewayStore *store;
  CwRouter *router;
  CwModuleHost host;
  const CwModule *module;
  gpointer state;
  GPtrArray *inbox[CW_MODULE_FIXTURE_N_RESOURCES]; /* stanzas delivered to each */
} CwModuleFixture;

/* GTest fixture functions: the test's data is the CwModule under test,
 * g_test_add (path, CwModuleFixture, &cw_mod_x, cw_module_fixture_setup,
 * test, cw_module_fixture_teardown). */
void cw_module_fixture_setup (CwModuleFixture *f, gconstpointer module);
void cw_module_fixture_teardown (CwModuleFixture *f, gconstpointer unused);
/* @xml (jabber:client) from resource @from, as the gateway handles a
 * client's stanza: the module's client hook, then the router. */
void cw_module_fixture_send (CwModuleFixture *f, guint from, const gchar *xml);
/* Returns: (transfer none) (nullable): the one stanza resource @to got. */
CwElement *cw_module_fixture_got (CwModuleFixture *f, guint to);
/* The stanza error condition of @stanza. */
const gchar *cw_module_fixture_condition (CwElement *stanza);

G_END_DECLS
