/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A scripted XMPP client for CwC2sSession tests: expectations on what the server wrote, SCRAM. */
#include "config.h"

#include "c2s-test-client.h"

#include <stdlib.h>

#include "server/scram.h"

void
cw_test_client_init (CwTestClient *c)
{
  c->pair = cw_test_stream_new ();
  c->out = g_string_new (NULL);
}

void
cw_test_client_clear (CwTestClient *c)
{
  g_clear_object (&c->pair);
  if (c->out != NULL)
    g_string_free (g_steal_pointer (&c->out), TRUE);
}

void
cw_test_client_push (CwTestClient *c, const gchar *xml)
{
  cw_test_stream_push_incoming (c->pair, 0, xml, -1);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("timed out waiting for %s", (const gchar *)user_data);
  return G_SOURCE_REMOVE;
}

static gchar *
first_group (GMatchInfo *info)
{
  for (gint i = 1; i < g_match_info_get_match_count (info); i++)
    {
      g_autofree gchar *group = g_match_info_fetch (info, i);

      if (group != NULL && *group != '\0')
        return g_steal_pointer (&group);
    }
  return g_match_info_fetch (info, 0);
}

gchar *
cw_test_client_expect (CwTestClient *c, const gchar *regex)
{
  g_autoptr (GRegex) re = g_regex_new (regex, G_REGEX_DOTALL, 0, NULL);
  guint watchdog = g_timeout_add_seconds (5, watchdog_cb, (gpointer)regex);
  g_autoptr (GMatchInfo) info = NULL;
  gint end;
  gchar *got;

  for (;;)
    {
      g_autofree gchar *more = cw_test_stream_take_incoming (c->pair, 1);

      if (more != NULL)
        g_string_append (c->out, more);
      g_clear_pointer (&info, g_match_info_free);
      if (g_regex_match (re, c->out->str, 0, &info))
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (watchdog);
  got = first_group (info);
  g_match_info_fetch_pos (info, 0, NULL, &end);
  g_string_erase (c->out, 0, end);
  return got;
}

static gboolean
settled_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

const gchar *
cw_test_client_settle (CwTestClient *c, guint ms)
{
  gboolean done = FALSE;
  g_autofree gchar *more = NULL;

  g_timeout_add (ms, settled_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  more = cw_test_stream_take_incoming (c->pair, 1);
  if (more != NULL)
    g_string_append (c->out, more);
  return c->out->str;
}

CwScramCredentials *
cw_test_client_lookup (const gchar *username, CwSaslHash hash, gpointer user_data)
{
  const CwScramCredentials *creds = user_data;
  CwScramCredentials *c;

  if (!g_str_equal (username, "user1") || hash != CW_SASL_HASH_SHA256)
    return NULL;
  c = g_new0 (CwScramCredentials, 1);
  *c = *creds;
  g_bytes_ref (c->salt), g_bytes_ref (c->stored_key), g_bytes_ref (c->server_key);
  return c;
}

gchar *
cw_test_client_open (CwTestClient *c, const gchar *domain)
{
  g_autofree gchar *header
    = g_strdup_printf ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                       "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>",
                       domain);

  cw_test_client_push (c, header);
  return cw_test_client_expect (c, "<stream:features>(.*?)</stream:features>|<stream:features/>");
}

/* RFC 5802 §3: the client-final-message for @server_first. */
static gchar *
scram_final (const gchar *bare, const gchar *server_first, const gchar *password)
{
  g_auto (GStrv) parts = g_strsplit (server_first, ",", -1);
  g_autofree gchar *without_proof = g_strdup_printf ("c=biws,%s", parts[0]);
  g_autofree gchar *auth_msg = g_strjoin (",", bare, server_first, without_proof, NULL);
  g_autofree guchar *salt = NULL;
  guint8 salted[32], ckey[32], stored[32], sig[32];
  gsize salt_len, len = 32;
  g_autoptr (GHmac) h1 = NULL, h2 = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar *proof = NULL;

  salt = g_base64_decode (parts[1] + 2, &salt_len);
  cw_scram_salted_password (CW_SASL_HASH_SHA256, password, salt, salt_len, atoi (parts[2] + 2),
                            salted);
  h1 = g_hmac_new (G_CHECKSUM_SHA256, salted, 32);
  g_hmac_update (h1, (const guchar *)"Client Key", 10);
  g_hmac_get_digest (h1, ckey, &len);
  g_checksum_update (sum, ckey, 32);
  g_checksum_get_digest (sum, stored, &len);
  h2 = g_hmac_new (G_CHECKSUM_SHA256, stored, 32);
  g_hmac_update (h2, (const guchar *)auth_msg, -1);
  g_hmac_get_digest (h2, sig, &len);
  for (guint i = 0; i < 32; i++)
    ckey[i] ^= sig[i];
  proof = g_base64_encode (ckey, 32);
  return g_strdup_printf ("%s,p=%s", without_proof, proof);
}

gchar *
cw_test_client_scram (CwTestClient *c, const gchar *password)
{
  const gchar *bare = "n=user1,r=abcdefghijklmnop";
  g_autofree gchar *first = g_strconcat ("n,,", bare, NULL);
  g_autofree gchar *first64 = g_base64_encode ((const guchar *)first, strlen (first));
  g_autofree gchar *auth = g_strdup_printf (
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>%s</auth>", first64);
  g_autofree gchar *challenge = NULL, *final = NULL, *final64 = NULL, *response = NULL;
  g_autofree guchar *server_first = NULL;
  gsize n;

  cw_test_client_push (c, auth);
  challenge = cw_test_client_expect (
    c, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>([^<]+)</challenge>");
  server_first = g_base64_decode (challenge, &n);
  server_first = g_realloc (server_first, n + 1);
  server_first[n] = '\0';
  final = scram_final (bare, (const gchar *)server_first, password);
  final64 = g_base64_encode ((const guchar *) final, strlen (final));
  response
    = g_strdup_printf ("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>", final64);
  cw_test_client_push (c, response);
  return cw_test_client_expect (
    c, "<(success) xmlns|<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><([a-z-]+)");
}

gchar *
cw_test_client_login (CwTestClient *c, const gchar *domain)
{
  g_autofree gchar *verdict = NULL;

  g_free (cw_test_client_open (c, domain));
  verdict = cw_test_client_scram (c, "secret");
  g_assert_cmpstr (verdict, ==, "success");
  return cw_test_client_open (c, domain);
}

gchar *
cw_test_client_bind (CwTestClient *c, const gchar *resource)
{
  g_autofree gchar *bind = g_strdup_printf (
    "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>%s%s%s</bind></iq>",
    resource ? "<resource>" : "", resource ? resource : "", resource ? "</resource>" : "");

  cw_test_client_push (c, bind);
  return cw_test_client_expect (
    c, "<iq [^>]*id='b1'[^>]*><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>([^<]+)</jid>");
}

CwC2sSession *
cw_test_client_start_session (CwTestClient *c, const CwC2sConfig *config)
{
  CwC2sSession *session
    = cw_c2s_session_new (config, cw_test_stream_get_end (c->pair, 0), FALSE, "test");

  cw_c2s_session_start (session);
  g_object_unref (session); /* it holds itself until closed */
  return session;
}
