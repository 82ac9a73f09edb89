/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A scripted XMPP client for CwC2sSession tests: expectations on what the server wrote, SCRAM. */
#pragma once

#include <glib.h>

#include "server/c2s-session.h"
#include "server/sasl.h"
#include "test-io-stream.h"

G_BEGIN_DECLS

/* The client's end of one connection: end 1 of @pair; the server has end 0. */
typedef struct
{
  CwTestStream *pair; /* owned */
  GString *out;       /* what the server wrote, not yet matched */
} CwTestClient;

void cw_test_client_init (CwTestClient *c);
void cw_test_client_clear (CwTestClient *c);
void cw_test_client_push (CwTestClient *c, const gchar *xml);
/* Runs the main loop until the server wrote something matching @regex;
 * returns the first non-empty group (or the whole match) and forgets the
 * output up to the match. Aborts after 5 s. */
gchar *cw_test_client_expect (CwTestClient *c, const gchar *regex);
/* Runs the main loop for @ms and returns (transfer none) everything the
 * server wrote and no expectation matched yet. */
const gchar *cw_test_client_settle (CwTestClient *c, guint ms);
/* A CwSaslLookupFunc for the tests: user1 with the SCRAM-SHA-256
 * credentials in @user_data (a CwScramCredentials), nobody else. */
CwScramCredentials *cw_test_client_lookup (const gchar *username, CwSaslHash hash,
                                           gpointer user_data);
/* Sends the stream header; returns the features' content. */
gchar *cw_test_client_open (CwTestClient *c, const gchar *domain);
/* SCRAM-SHA-256 as user1: "success" or the <failure/> condition. */
gchar *cw_test_client_scram (CwTestClient *c, const gchar *password);
/* Opens, logs in as user1/"secret", reopens; returns the features. */
gchar *cw_test_client_login (CwTestClient *c, const gchar *domain);
/* Binds @resource (NULL: the server picks); returns the full JID. */
gchar *cw_test_client_bind (CwTestClient *c, const gchar *resource);

/* Starts a server session with @config on the server's end of @c's pair.
 * Returns: (transfer none): the session, which holds itself until closed. */
CwC2sSession *cw_test_client_start_session (CwTestClient *c, const CwC2sConfig *config);

G_END_DECLS
