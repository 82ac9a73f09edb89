/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-version: XEP-0092 software version of the server. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"

static gpointer
version_create (const CwModuleHost *host)
{
  return (gpointer)host;
}

static CwModuleResult
version_server_stanza (gpointer state, CwElement *stanza)
{
  const CwModuleHost *host = state;
  CwElement *query;

  if (!cw_module_is_server_iq (host, stanza, "get", "query", CW_NS_VERSION))
    return CW_MODULE_PASS;
  query = cw_element_new ("query", CW_NS_VERSION);
  cw_element_add_text_child (query, "name", CW_NS_VERSION, PACKAGE_NAME);
  cw_element_add_text_child (query, "version", CW_NS_VERSION, PACKAGE_VERSION);
  cw_module_reply_result (host, stanza, query);
  return CW_MODULE_HANDLED;
}

static const gchar *const version_features[] = { CW_NS_VERSION, NULL };

const CwModule cw_mod_version = {
  .name = "version",
  .features = version_features,
  .create = version_create,
  .server_stanza = version_server_stanza,
};
