/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for XEP-0077: password change (mod-register.c) and registration before auth (c2s). */
#include "config.h"

#include "server/register.h"

#include <unistd.h>

#include "c2s-test-client.h"
#include "module-fixture.h"
#include "server/c2s-session.h"
#include "server/scram.h"
#include "xml/stanza.h"

/* ---- password change on an authenticated stream ---------------------------- */

typedef CwModuleFixture Fixture;

static gboolean
password_is (Fixture *f, const gchar *username, CwSaslHash hash, const gchar *password)
{
  g_autoptr (CwScramCredentials) creds
    = cw_gateway_store_account_get_credential (f->store, username, hash, NULL);

  g_assert_nonnull (creds);
  return cw_scram_credentials_check_password (creds, password);
}

static void
test_password_change (Fixture *f, gconstpointer data)
{
  CwElement *query;

  cw_module_fixture_send (f, 0,
                          "<iq xmlns='jabber:client' type='get' id='1'>"
                          "<query xmlns='jabber:iq:register'/></iq>");
  query = cw_element_get_child (cw_module_fixture_got (f, 0), "query", CW_NS_REGISTER);
  g_assert_nonnull (cw_element_get_child (query, "registered", CW_NS_REGISTER));
  g_assert_cmpstr (cw_element_get_child_text (query, "username", NULL), ==, "user1");
  /* Someone else's name, or no password: refused, nothing changes. */
  cw_module_fixture_send (f, 0,
                          "<iq xmlns='jabber:client' type='set' id='2'><query "
                          "xmlns='jabber:iq:register'><username>user3</username>"
                          "<password>x</password></query></iq>");
  g_assert_cmpstr (cw_module_fixture_condition (cw_module_fixture_got (f, 0)), ==, "bad-request");
  cw_module_fixture_send (f, 2,
                          "<iq xmlns='jabber:client' type='set' id='3' "
                          "to='user1@example.org'><query xmlns='jabber:iq:register'>"
                          "<username>user1</username><password>x</password></query></iq>");
  g_assert_cmpstr (cw_module_fixture_condition (cw_module_fixture_got (f, 2)), ==, "forbidden");
  g_assert_true (password_is (f, "user1", CW_SASL_HASH_SHA256, "secret"));
  /* Both SCRAM credentials follow the new password. */
  cw_module_fixture_send (f, 0,
                          "<iq xmlns='jabber:client' type='set' id='4'><query "
                          "xmlns='jabber:iq:register'><username>User1</username>"
                          "<password>n3w pass</password></query></iq>");
  g_assert_cmpstr (cw_stanza_get_type (cw_module_fixture_got (f, 0)), ==, "result");
  g_assert_true (password_is (f, "user1", CW_SASL_HASH_SHA256, "n3w pass"));
  g_assert_true (password_is (f, "user1", CW_SASL_HASH_SHA1, "n3w pass"));
  g_assert_false (password_is (f, "user1", CW_SASL_HASH_SHA256, "secret"));
  g_assert_true (password_is (f, "user3", CW_SASL_HASH_SHA256, "secret"));
  /* Deleting the account this way is not offered. */
  cw_module_fixture_send (f, 0,
                          "<iq xmlns='jabber:client' type='set' id='5'><query "
                          "xmlns='jabber:iq:register'><remove/></query></iq>");
  g_assert_cmpstr (cw_module_fixture_condition (cw_module_fixture_got (f, 0)), ==, "not-allowed");
}

/* ---- registration before authentication ------------------------------------- */

typedef struct
{
  CwTestClient c;
  CwRouter *router;
  CwServerLimits limits;
  CwC2sConfig config;
  gchar *registered; /* "username:password" the callback got */
  gboolean closed;
} C2sFixture;

static CwScramCredentials *
no_accounts (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  return NULL;
}

static gboolean
register_cb (CwC2sSession *session, const gchar *username, const gchar *password, GError **error,
             gpointer user_data)
{
  C2sFixture *f = user_data;

  if (g_strcmp0 (username, "taken") == 0)
    {
      g_set_error_literal (error, CW_STANZA_ERROR, CW_STANZA_ERROR_CONFLICT, "exists");
      return FALSE;
    }
  g_free (f->registered);
  f->registered = g_strdup_printf ("%s:%s", username, password);
  return TRUE;
}

static void
on_closed (CwC2sSession *session, gpointer user_data)
{
  ((C2sFixture *)user_data)->closed = TRUE;
}

static void
c2s_setup (C2sFixture *f, gconstpointer data)
{
  alarm (30);
  cw_test_client_init (&f->c);
  f->router = cw_router_new ("example.org");
  cw_server_limits_init_default (&f->limits);
  f->config = (CwC2sConfig){
    .domain = "example.org",
    .limits = &f->limits,
    .lookup = no_accounts,
    .router = f->router,
    .closed = on_closed,
    .user_data = f,
    .register_account = data != NULL ? register_cb : NULL,
  };
  cw_test_client_start_session (&f->c, &f->config);
}

static void
c2s_teardown (C2sFixture *f, gconstpointer data)
{
  while (!f->closed)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cw_test_client_clear (&f->c);
  cw_router_free (f->router);
  g_free (f->registered);
}

static void
test_inband (C2sFixture *f, gconstpointer data)
{
  g_autofree gchar *features = cw_test_client_open (&f->c, "example.org");
  g_autofree gchar *fields = NULL, *error = NULL;

  g_assert_nonnull (
    strstr (features, "<register xmlns='http://jabber.org/features/iq-register'/>"));
  cw_test_client_push (&f->c, "<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>");
  fields = cw_test_client_expect (&f->c, "<iq [^>]*id='g'[^>]*>(.*?)</iq>");
  g_assert_nonnull (strstr (fields, "<username/><password/>"));
  cw_test_client_push (&f->c, "<iq type='set' id='s1'><query xmlns='jabber:iq:register'>"
                              "<username>taken</username><password>p</password></query></iq>");
  error = cw_test_client_expect (
    &f->c, "<iq [^>]*id='s1'.*?<([a-z-]+) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'");
  g_assert_cmpstr (error, ==, "conflict");
  cw_test_client_push (&f->c, "<iq type='set' id='s2'><query xmlns='jabber:iq:register'>"
                              "<username>newbie</username><password>pw</password></query></iq>");
  g_free (cw_test_client_expect (
    &f->c, "<iq [^>]*type='result'[^>]*id='s2'|<iq [^>]*id='s2'[^>]*type='result'"));
  g_assert_cmpstr (f->registered, ==, "newbie:pw");
  /* Other stanzas before auth still end the stream. */
  cw_test_client_push (&f->c, "<message to='a@example.org'><body>x</body></message>");
  g_free (cw_test_client_expect (&f->c, "<stream:error><not-authorized"));
}

static void
test_inband_off (C2sFixture *f, gconstpointer data)
{
  g_autofree gchar *features = cw_test_client_open (&f->c, "example.org");

  g_assert_null (strstr (features, "iq-register"));
  cw_test_client_push (&f->c, "<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>");
  g_free (cw_test_client_expect (&f->c, "<stream:error><not-authorized"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/server/register/password-change", Fixture, &cw_mod_register,
              cw_module_fixture_setup, test_password_change, cw_module_fixture_teardown);
  g_test_add ("/server/register/in-band", C2sFixture, "on", c2s_setup, test_inband, c2s_teardown);
  g_test_add ("/server/register/in-band-off", C2sFixture, NULL, c2s_setup, test_inband_off,
              c2s_teardown);
  return g_test_run ();
}
