/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A gateway store, a router and bound resources for testing one server module. */
#include "config.h"

#include "module-fixture.h"

#include <glib/gstdio.h>

#include "common/namespaces.h"
#include "server/scram.h"
#include "xml/stanza.h"

static const gchar *const resources[]
  = { "user1@example.org/r", "user1@example.org/other", "user3@example.org/r" };

static void
capture (CwElement *stanza, gpointer user_data)
{
  g_ptr_array_add (user_data, cw_element_ref (stanza));
}

static const CwRouterResourceFuncs capture_funcs = { capture, NULL };

static gboolean
server_cb (CwElement *stanza, gpointer user_data)
{
  CwModuleFixture *f = user_data;

  return f->module->server_stanza != NULL
         && f->module->server_stanza (f->state, stanza) == CW_MODULE_HANDLED;
}

static void
open_store (CwModuleFixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (CwScramCredentials) sha1
    = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, "secret", NULL, 4096, NULL);
  g_autoptr (CwScramCredentials) sha256
    = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, "secret", NULL, 4096, NULL);

  f->dir = g_dir_make_tmp ("cw-module-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "gateway.db", NULL);
  f->store = cw_gateway_store_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("user%u", i);

      g_assert_true (cw_gateway_store_account_create (f->store, name, sha1, sha256, &error));
    }
}

void
cw_module_fixture_setup (CwModuleFixture *f, gconstpointer module)
{
  open_store (f);
  f->router = cw_router_new ("example.org");
  cw_router_set_server_func (f->router, server_cb, f);
  f->host.domain = "example.org";
  f->host.router = f->router;
  f->host.store = f->store;
  f->module = module;
  f->state = f->module->create ? f->module->create (&f->host) : NULL;
  for (guint i = 0; i < CW_MODULE_FIXTURE_N_RESOURCES; i++)
    {
      g_autoptr (CwJid) jid = cw_jid_parse (resources[i], NULL);

      f->inbox[i] = g_ptr_array_new_with_free_func ((GDestroyNotify)cw_element_unref);
      cw_router_set_presence (cw_router_bind (f->router, jid, &capture_funcs, f->inbox[i]), TRUE, 0);
    }
}

void
cw_module_fixture_teardown (CwModuleFixture *f, gconstpointer unused)
{
  g_autofree gchar *path = g_build_filename (f->dir, "gateway.db", NULL);
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

  if (f->state != NULL && f->module->free != NULL)
    f->module->free (f->state);
  cw_router_free (f->router);
  g_object_unref (f->store);
  for (guint i = 0; i < CW_MODULE_FIXTURE_N_RESOURCES; i++)
    g_ptr_array_unref (f->inbox[i]);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

void
cw_module_fixture_send (CwModuleFixture *f, guint from, const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  cw_element_set_attr (el, "from", resources[from]);
  for (guint i = 0; i < CW_MODULE_FIXTURE_N_RESOURCES; i++)
    g_ptr_array_set_size (f->inbox[i], 0);
  if (f->module->client_stanza == NULL
      || f->module->client_stanza (f->state, NULL, el) == CW_MODULE_PASS)
    cw_router_route (f->router, el);
}

CwElement *
cw_module_fixture_got (CwModuleFixture *f, guint to)
{
  g_assert_cmpuint (f->inbox[to]->len, <=, 1);
  return f->inbox[to]->len ? f->inbox[to]->pdata[0] : NULL;
}

const gchar *
cw_module_fixture_condition (CwElement *stanza)
{
  CwElement *error;

  g_assert_nonnull (stanza);
  error = cw_element_get_child (stanza, "error", NULL);
  g_assert_nonnull (error);
  return cw_element_get_name (cw_element_get_child_in_ns (error, CW_NS_STANZAS));
}
