/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-register: XEP-0077 password change on an authenticated stream (registration is in c2s). */
#include "config.h"

#include "server/register.h"

#include "server/module.h"
#include "server/scram.h"
#include "store/store-error.h"
#include "xml/stanza.h"

gboolean
cw_register_set_password (CwGatewayStore *store, const gchar *username, const gchar *password,
                          gboolean create, GError **error)
{
  g_autofree gchar *local = cw_jid_prep_localpart (username, NULL);
  g_autoptr (CwScramCredentials) sha1 = NULL, sha256 = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  if (local == NULL || password == NULL || *password == '\0'
      || (sha1 = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, password, NULL, 0, NULL)) == NULL
      || (sha256 = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, password, NULL, 0, NULL))
           == NULL)
    {
      g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_NOT_ACCEPTABLE,
                           "unusable username or password");
      return FALSE;
    }
  if (create)
    ok = cw_gateway_store_account_create (store, local, sha1, sha256, &local_error);
  else
    ok = cw_gateway_store_account_set_credentials (store, local, sha1, sha256, &local_error);
  if (ok)
    return TRUE;
  if (g_error_matches (local_error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS))
    g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_CONFLICT, "the account exists");
  else if (g_error_matches (local_error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
    g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND, "no such account");
  else
    {
      g_warning ("register: %s", local_error->message);
      g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR,
                           "the account store failed");
    }
  return FALSE;
}

static gpointer
register_create (const CwModuleHost *host)
{
  return host->store != NULL ? (gpointer)host : NULL;
}

/* §3.3: <username/> must be the account's own; a new <password/>. */
static void
change_password (const CwModuleHost *host, CwElement *iq, CwElement *query, const gchar *account)
{
  const gchar *username = cw_element_get_child_text (query, "username", CW_NS_REGISTER);
  const gchar *password = cw_element_get_child_text (query, "password", CW_NS_REGISTER);
  g_autofree gchar *prepared = username ? cw_jid_prep_localpart (username, NULL) : NULL;
  g_autoptr (GError) error = NULL;

  if (cw_element_get_child (query, "remove", CW_NS_REGISTER) != NULL)
    cw_module_reply_error (host, iq, CW_STANZA_ERROR_NOT_ALLOWED);
  else if (password == NULL || (username != NULL && g_strcmp0 (prepared, account) != 0))
    cw_module_reply_error (host, iq, CW_STANZA_ERROR_BAD_REQUEST);
  else if (!cw_register_set_password (host->store, account, password, FALSE, &error))
    cw_module_reply_gerror (host, iq, error);
  else
    {
      g_debug ("register: %s changed the password", account);
      cw_module_reply_result (host, iq, NULL);
    }
}

static CwModuleResult
register_server_stanza (gpointer data, CwElement *stanza)
{
  const CwModuleHost *host = data;
  CwElement *query = cw_stanza_iq_get_payload (stanza);
  const gchar *type = cw_stanza_get_type (stanza);
  g_autofree gchar *account = NULL;
  CwElement *reply;
  gboolean own = FALSE;

  if (host == NULL || cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || query == NULL
      || !cw_element_is (query, "query", CW_NS_REGISTER)
      || (g_strcmp0 (type, "get") != 0 && g_strcmp0 (type, "set") != 0))
    return CW_MODULE_PASS;
  account = cw_module_iq_account (host, stanza, &own);
  if (account == NULL || !own)
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_FORBIDDEN);
  else if (g_str_equal (type, "set"))
    change_password (host, stanza, query, account);
  else
    {
      /* §3.2: already registered, under this name. */
      reply = cw_element_new ("query", CW_NS_REGISTER);
      cw_element_add (reply, "registered", CW_NS_REGISTER);
      cw_element_add_text_child (reply, "username", CW_NS_REGISTER, account);
      cw_module_reply_result (host, stanza, reply);
    }
  return CW_MODULE_HANDLED;
}

static const gchar *const register_features[] = { CW_NS_REGISTER, NULL };

const CwModule cw_mod_register = {
  .name = "register",
  .features = register_features,
  .create = register_create,
  .server_stanza = register_server_stanza,
};
