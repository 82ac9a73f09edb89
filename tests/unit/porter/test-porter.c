/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwPorter: dispatch, IQ tracking, close handshake, errors. */
#include "config.h"

#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "porter/porter.h"
#include "test-io-stream.h"
#include "xml/stanza.h"

/* Alice's porter sits on end 0. Bob is either a second porter on end 1
 * (f->pb) or, for tests that script the peer stanza by stanza, just the
 * open connection f->b. */
typedef struct
{
  GMainContext *context; /* owned: private, thread-default during the test */
  GSource *watchdog;     /* owned */
  CwTestStream *pipe;    /* owned */
  CwXmppConnection *a;   /* owned */
  CwXmppConnection *b;   /* owned */
  CwPorter *pa;          /* owned */
  CwPorter *pb;          /* owned, nullable */
  GPtrArray *log;        /* owned (gchar *): what handlers and signals saw */
  GError *remote_error;  /* owned, nullable: from pa's "remote-error" */
  gboolean pa_closed;    /* pa emitted "closed" */
} Fixture;

static gboolean
on_watchdog (gpointer user_data)
{
  g_error ("test timed out: an async operation never completed");
  return G_SOURCE_REMOVE;
}

static void
wait_flag (Fixture *f, gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (f->context, TRUE);
}

static void
drain (Fixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

static void
log_add (Fixture *f, const gchar *entry)
{
  g_ptr_array_add (f->log, g_strdup (entry));
}

/* The log as one string, entries separated by spaces. */
static gchar *
log_text (Fixture *f)
{
  g_ptr_array_add (f->log, NULL);
  g_autofree gchar *text = g_strjoinv (" ", (gchar **)f->log->pdata);
  g_ptr_array_remove_index (f->log, f->log->len - 1);
  return g_steal_pointer (&text);
}

static void
on_remote_error (CwPorter *porter, const GError *error, Fixture *f)
{
  g_assert_null (f->remote_error);
  f->remote_error = g_error_copy (error);
}

static void
on_closed (CwPorter *porter, Fixture *f)
{
  g_assert_false (f->pa_closed);
  f->pa_closed = TRUE;
}

static void
open_side (Fixture *f, CwXmppConnection *c, const gchar *from, const gchar *to)
{
  g_autoptr (GAsyncResult) sent = NULL;
  g_autoptr (GError) error = NULL;

  cw_xmpp_connection_send_open_async (c, to, from, "1.0", NULL, NULL, NULL, cw_test_store_result, &sent);
  cw_test_wait_result (f->context, &sent);
  g_assert_true (cw_xmpp_connection_send_open_finish (c, sent, &error));
}

static void
recv_side (Fixture *f, CwXmppConnection *c)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwStreamHeader) h = NULL;

  cw_xmpp_connection_recv_open_async (c, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  h = cw_xmpp_connection_recv_open_finish (c, res, &error);
  g_assert_no_error (error);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->watchdog = g_timeout_source_new_seconds (10);
  g_source_set_callback (f->watchdog, on_watchdog, NULL, NULL);
  g_source_attach (f->watchdog, f->context);
  f->log = g_ptr_array_new_with_free_func (g_free);
  f->pipe = cw_test_stream_new ();
  f->a = cw_xmpp_connection_new (cw_test_stream_get_end (f->pipe, 0), CW_NS_CLIENT);
  f->b = cw_xmpp_connection_new (cw_test_stream_get_end (f->pipe, 1), CW_NS_CLIENT);
  open_side (f, f->a, "alice@h1", "bob@h2");
  recv_side (f, f->b);
  open_side (f, f->b, "bob@h2", "alice@h1");
  recv_side (f, f->a);
  f->pa = cw_porter_new (f->a, "alice@h1", "bob@h2");
  g_signal_connect (f->pa, "remote-error", G_CALLBACK (on_remote_error), f);
  g_signal_connect (f->pa, "closed", G_CALLBACK (on_closed), f);
}

/* Porters keep themselves alive while their stream runs: end it. */
static void
stop_porter (Fixture *f, CwPorter *porter)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_porter_force_close_async (porter, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_porter_force_close_finish (porter, res, NULL));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  stop_porter (f, f->pa);
  if (f->pb != NULL)
    stop_porter (f, f->pb);
  g_signal_handlers_disconnect_by_data (f->pa, f);
  g_clear_object (&f->pa);
  g_clear_object (&f->pb);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_object (&f->pipe);
  drain (f);
  g_clear_error (&f->remote_error);
  g_ptr_array_unref (f->log);
  g_source_destroy (f->watchdog);
  g_source_unref (f->watchdog);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

/* Makes Bob a porter too. */
static void
add_bob (Fixture *f)
{
  f->pb = cw_porter_new (f->b, "bob@h2", "alice@h1");
}

static CwElement *
parse (const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  CwElement *el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  return el;
}

/* Bob, as a bare connection, sends @xml. */
static void
peer_send (Fixture *f, const gchar *xml)
{
  g_autoptr (CwElement) el = parse (xml);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  cw_xmpp_connection_send_stanza_async (f->b, el, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_stanza_finish (f->b, res, &error));
  g_assert_no_error (error);
}

/* Bob, as a bare connection, receives the next stanza. */
static CwElement *
peer_recv (Fixture *f, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_xmpp_connection_recv_stanza_async (f->b, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  return cw_xmpp_connection_recv_stanza_finish (f->b, res, error);
}

static void
peer_send_close (Fixture *f)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_xmpp_connection_send_close_async (f->b, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_close_finish (f->b, res, NULL));
}

/* Handler names as user data (string literals are const). */
#define TAG(name) ((gpointer)(name))

/* A handler that logs its name (the user data) and declines. */
static gboolean
log_and_pass (CwPorter *porter, CwElement *stanza, gpointer user_data)
{
  Fixture *f = g_object_get_data (G_OBJECT (porter), "fixture");
  g_autofree gchar *entry
    = g_strdup_printf ("%s:%s", (const gchar *)user_data, cw_stanza_get_id (stanza));

  log_add (f, entry);
  return FALSE;
}

/* Logs its name and takes the stanza. */
static gboolean
log_and_take (CwPorter *porter, CwElement *stanza, gpointer user_data)
{
  log_and_pass (porter, stanza, user_data);
  return TRUE;
}

static void
assert_log (Fixture *f, const gchar *expected)
{
  g_autofree gchar *text = log_text (f);

  g_assert_cmpstr (text, ==, expected);
  g_ptr_array_set_size (f->log, 0);
}

/* Sends a stanza from Bob and waits until Alice has dispatched it: a
 * final marker message is taken by a low-priority catch-all. */
static gboolean
take_marker (CwPorter *porter, CwElement *stanza, gpointer user_data)
{
  gboolean *seen = user_data;

  if (g_strcmp0 (cw_stanza_get_id (stanza), "marker") != 0)
    return FALSE;
  *seen = TRUE;
  return TRUE;
}

static void
peer_send_and_sync (Fixture *f, const gchar *xml)
{
  gboolean seen = FALSE;
  guint id = cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, G_MAXINT,
                                         take_marker, &seen);

  peer_send (f, xml);
  peer_send (f, "<message xmlns='jabber:client' id='marker'/>");
  wait_flag (f, &seen);
  cw_porter_unregister_handler (f->pa, id);
}

/* ---- handlers ------------------------------------------------------------------------- */

static void
test_handler_priority (Fixture *f, gconstpointer data)
{
  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, 0, log_and_pass,
                              TAG ("normal"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, 10, log_and_pass,
                              TAG ("high"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, -5, log_and_take,
                              TAG ("low"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, 0, log_and_pass,
                              TAG ("normal2"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, -10, log_and_take,
                              TAG ("never"));
  cw_porter_start (f->pa);
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='m1'/>");
  /* Highest first, equal priorities in registration order, and the first
   * taker ends the dispatch. */
  assert_log (f, "high:m1 normal:m1 normal2:m1 low:m1");
}

static void
test_handler_kind (Fixture *f, gconstpointer data)
{
  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_PRESENCE, NULL, NULL, 0, log_and_take,
                              TAG ("presence"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_IQ, NULL, NULL, 0, log_and_take, TAG ("iq"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_OTHER, NULL, NULL, 0, log_and_take,
                              TAG ("other"));
  cw_porter_start (f->pa);
  peer_send_and_sync (f, "<presence xmlns='jabber:client' id='p1'/>");
  peer_send_and_sync (
    f, "<iq xmlns='jabber:client' type='get' id='i1'><ping xmlns='urn:xmpp:ping'/></iq>");
  peer_send_and_sync (f, "<r xmlns='urn:xmpp:sm:3' id='o1'/>");
  assert_log (f, "presence:p1 iq:i1 other:o1");
}

static void
test_handler_type_filter (Fixture *f, gconstpointer data)
{
  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, "chat", NULL, 0, log_and_take,
                              TAG ("chat"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, "normal", NULL, 0, log_and_take,
                              TAG ("normal"));
  cw_porter_start (f->pa);
  peer_send_and_sync (f, "<message xmlns='jabber:client' type='chat' id='c'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' type='headline' id='h'/>");
  /* RFC 6121 §5.2.2: no type means normal. */
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='n'/>");
  assert_log (f, "chat:c normal:n");
}

static void
test_handler_from_filter (Fixture *f, gconstpointer data)
{
  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, "Bob@H2", 0, log_and_pass,
                              TAG ("bare"));
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, "bob@h2/laptop", 0, log_and_pass,
                              TAG ("full"));
  cw_porter_start (f->pa);
  peer_send_and_sync (f, "<message xmlns='jabber:client' from='bob@h2/laptop' id='1'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' from='bob@h2/phone' id='2'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' from='bob@h2' id='3'/>");
  /* No 'from' on a link-local stream: the peer. */
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='4'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' from='mallory@h3' id='5'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' from='@@bad' id='6'/>");
  assert_log (f, "bare:1 full:1 bare:2 bare:3 bare:4");
}

static void
test_handler_payload_filter (Fixture *f, gconstpointer data)
{
  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler_full (f->pa, CW_STANZA_KIND_IQ, "get", NULL, CW_NS_PING, 0,
                                   log_and_take, TAG ("ping"), NULL);
  cw_porter_register_handler_full (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, CW_NS_RECEIPTS, 0,
                                   log_and_take, TAG ("receipt"), NULL);
  cw_porter_start (f->pa);
  peer_send_and_sync (
    f, "<iq xmlns='jabber:client' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
  peer_send_and_sync (
    f, "<message xmlns='jabber:client' id='r'><received xmlns='urn:xmpp:receipts'/></message>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='plain'><body>x</body></message>");
  assert_log (f, "ping:p receipt:r");
}

typedef struct
{
  Fixture *f;
  guint id;
  gboolean freed;
} SelfRemoving;

static gboolean
remove_self (CwPorter *porter, CwElement *stanza, gpointer user_data)
{
  SelfRemoving *sr = user_data;

  log_add (sr->f, cw_stanza_get_id (stanza));
  cw_porter_unregister_handler (porter, sr->id);
  /* Still valid: freed only when the dispatch lets go. */
  g_assert_false (sr->freed);
  return TRUE;
}

static void
mark_freed (gpointer user_data)
{
  ((SelfRemoving *)user_data)->freed = TRUE;
}

static void
test_handler_unregister (Fixture *f, gconstpointer data)
{
  SelfRemoving sr = { f, 0, FALSE };

  sr.id = cw_porter_register_handler_full (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, NULL, 5,
                                           remove_self, &sr, mark_freed);
  g_assert_cmpuint (sr.id, !=, 0);
  cw_porter_start (f->pa);
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='once'/>");
  peer_send_and_sync (f, "<message xmlns='jabber:client' id='twice'/>");
  assert_log (f, "once");
  g_assert_true (sr.freed);
}

static void
on_unhandled (CwPorter *porter, CwElement *stanza, Fixture *f)
{
  log_add (f, cw_stanza_get_id (stanza));
}

static void
test_handler_unhandled_signal (Fixture *f, gconstpointer data)
{
  gboolean seen = FALSE;

  g_signal_connect (f->pa, "unhandled-stanza", G_CALLBACK (on_unhandled), f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, 0, take_marker, &seen);
  cw_porter_start (f->pa);
  peer_send (f, "<message xmlns='jabber:client' id='nobody'/>");
  peer_send (f, "<presence xmlns='jabber:client' id='nobody2'/>");
  peer_send (f, "<message xmlns='jabber:client' id='marker'/>");
  wait_flag (f, &seen);
  assert_log (f, "nobody nobody2");
}

/* ---- IQs ---------------------------------------------------------------------------- */

static gboolean
answer_ping (CwPorter *porter, CwElement *iq, gpointer user_data)
{
  cw_porter_send_iq_result (porter, iq, NULL);
  return TRUE;
}

static gboolean
refuse_with_item_not_found (CwPorter *porter, CwElement *iq, gpointer user_data)
{
  g_autoptr (GError) error
    = g_error_new_literal (CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND, "no such node");

  cw_porter_send_iq_error (porter, iq, error);
  return TRUE;
}

static CwElement *
send_iq (Fixture *f, CwElement *iq, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  return cw_porter_send_iq_finish (f->pa, res, error);
}

static CwElement *
ping_new (const gchar *to, const gchar *id)
{
  CwElement *iq = cw_stanza_iq_new (CW_IQ_TYPE_GET, NULL, to, NULL);

  cw_element_set_attr (iq, "id", id);
  cw_element_add (iq, "ping", CW_NS_PING);
  return iq;
}

static void
test_iq_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new ("bob@h2", NULL);
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  add_bob (f);
  cw_porter_register_handler_full (f->pb, CW_STANZA_KIND_IQ, "get", NULL, CW_NS_PING, 0,
                                   answer_ping, NULL, NULL);
  cw_porter_start (f->pa);
  cw_porter_start (f->pb);
  reply = send_iq (f, iq, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_type (reply), ==, "result");
  /* The porter gave the request an id, and the answer carries it. */
  g_assert_nonnull (cw_stanza_get_id (iq));
  g_assert_cmpstr (cw_stanza_get_id (reply), ==, cw_stanza_get_id (iq));
}

static void
test_iq_error_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new (NULL, "e1");
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  add_bob (f);
  cw_porter_register_handler (f->pb, CW_STANZA_KIND_IQ, "get", NULL, 0, refuse_with_item_not_found,
                              NULL);
  cw_porter_start (f->pa);
  cw_porter_start (f->pb);
  reply = send_iq (f, iq, &error);
  g_assert_null (reply);
  g_assert_error (error, CW_STANZA_ERROR, CW_STANZA_ERROR_ITEM_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "no such node");
}

static void
test_iq_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new ("bob@h2", "slow");
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (CwElement) request = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (cw_porter_get_iq_timeout (f->pa), ==, CW_PORTER_DEFAULT_IQ_TIMEOUT_MS);
  cw_porter_set_iq_timeout (f->pa, 50);
  cw_porter_start (f->pa);
  reply = send_iq (f, iq, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  /* A late answer finds nobody waiting, is dropped, and harms nothing. */
  request = peer_recv (f, &error);
  g_assert_no_error (error);
  peer_send_and_sync (f, "<iq xmlns='jabber:client' type='result' id='slow'/>");
  g_assert_null (f->remote_error);
}

/* Only the entity asked may answer (RFC 6120 §8.1.2.1). */
static void
test_iq_spoofed_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new ("bob@h2/laptop", "q1");
  g_autoptr (CwElement) request = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &res);
  request = peer_recv (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (request), ==, "q1");
  peer_send_and_sync (f, "<iq xmlns='jabber:client' type='result' id='q1' from='mallory@h3'/>");
  peer_send_and_sync (f, "<iq xmlns='jabber:client' type='result' id='q1' from='bob@h2/phone'/>");
  g_assert_null (res);
  peer_send (f, "<iq xmlns='jabber:client' type='result' id='q1' from='BOB@h2/laptop'/>");
  cw_test_wait_result (f->context, &res);
  reply = cw_porter_send_iq_finish (f->pa, res, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_from (reply), ==, "BOB@h2/laptop");
}

/* On a link-local stream replies often have no 'from': that is the peer,
 * the entity a request without 'to' (or to the peer) was for. */
static void
test_iq_reply_without_from (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new ("bob@h2", "q2");
  g_autoptr (CwElement) request = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &res);
  request = peer_recv (f, &error);
  peer_send (f, "<iq xmlns='jabber:client' type='result' id='q2'/>");
  cw_test_wait_result (f->context, &res);
  reply = cw_porter_send_iq_finish (f->pa, res, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

/* RFC 6120 §10.3.3: requests to our own account are answered for it from
 * our bare JID or without 'from'; the peer cannot answer them as itself. */
static void
test_iq_own_account_reply (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new ("alice@h1", "own");
  g_autoptr (CwElement) request = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &res);
  request = peer_recv (f, &error);
  peer_send_and_sync (f, "<iq xmlns='jabber:client' type='result' id='own' from='bob@h2'/>");
  g_assert_null (res);
  peer_send (f, "<iq xmlns='jabber:client' type='result' id='own' from='alice@h1'/>");
  cw_test_wait_result (f->context, &res);
  reply = cw_porter_send_iq_finish (f->pa, res, &error);
  g_assert_no_error (error);
}

static void
test_iq_duplicate_id (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new (NULL, "same");
  g_autoptr (CwElement) iq2 = ping_new (NULL, "same");
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &first);
  reply = send_iq (f, iq2, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  /* The first one is still waiting, and still gets its answer. */
  peer_send (f, "<iq xmlns='jabber:client' type='result' id='same'/>");
  cw_test_wait_result (f->context, &first);
  reply = cw_porter_send_iq_finish (f->pa, first, &error);
  g_assert_no_error (error);
}

static void
test_iq_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (CwElement) iq = ping_new (NULL, "c1");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, cancellable, cw_test_store_result, &res);
  drain (f);
  g_cancellable_cancel (cancellable);
  cw_test_wait_result (f->context, &res);
  reply = cw_porter_send_iq_finish (f->pa, res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Every get or set is answered, even when nothing here understands it
 * (RFC 6120 §8.4); results and errors never are. */
static void
test_iq_unhandled (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) condition = NULL;

  cw_porter_start (f->pa);
  peer_send (f, "<iq xmlns='jabber:client' type='result' id='unsolicited'/>");
  peer_send (f, "<iq xmlns='jabber:client' type='error' id='unsolicited2'/>");
  peer_send (f, "<iq xmlns='jabber:client' type='get' id='v1' from='bob@h2/x' to='alice@h1'>"
                "<query xmlns='jabber:iq:version'/></iq>");
  reply = peer_recv (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (reply), ==, "v1");
  g_assert_cmpstr (cw_stanza_get_type (reply), ==, "error");
  g_assert_cmpstr (cw_stanza_get_to (reply), ==, "bob@h2/x");
  g_assert_cmpstr (cw_stanza_get_from (reply), ==, "alice@h1");
  g_assert_false (cw_stanza_error_from_element (reply, &condition));
  g_assert_error (condition, CW_STANZA_ERROR, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  g_clear_error (&condition);
  g_clear_pointer (&reply, cw_element_unref);

  /* A request without a payload is malformed rather than unknown. */
  peer_send (f, "<iq xmlns='jabber:client' type='set' id='empty'/>");
  reply = peer_recv (f, &error);
  g_assert_cmpstr (cw_stanza_get_id (reply), ==, "empty");
  g_assert_false (cw_stanza_error_from_element (reply, &condition));
  g_assert_error (condition, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST);
}

/* A handler that declines leaves the IQ to the automatic answer. */
static void
test_iq_declined (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) condition = NULL;

  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_IQ, NULL, NULL, 0, log_and_pass,
                              TAG ("looked"));
  cw_porter_start (f->pa);
  peer_send (f, "<iq xmlns='jabber:client' type='get' id='d'><x xmlns='urn:example'/></iq>");
  reply = peer_recv (f, &error);
  g_assert_false (cw_stanza_error_from_element (reply, &condition));
  g_assert_error (condition, CW_STANZA_ERROR, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  assert_log (f, "looked:d");
}

/* ---- closing ---------------------------------------------------------------------------- */

static void
on_closing_log (CwPorter *porter, Fixture *f)
{
  log_add (f, porter == f->pa ? "a-closing" : "b-closing");
}

static void
on_closed_log (CwPorter *porter, Fixture *f)
{
  log_add (f, porter == f->pa ? "a-closed" : "b-closed");
}

static void
test_close_handshake (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  add_bob (f);
  g_signal_connect (f->pa, "closing", G_CALLBACK (on_closing_log), f);
  g_signal_connect (f->pb, "closing", G_CALLBACK (on_closing_log), f);
  g_signal_connect (f->pa, "closed", G_CALLBACK (on_closed_log), f);
  g_signal_connect (f->pb, "closed", G_CALLBACK (on_closed_log), f);
  cw_porter_start (f->pa);
  cw_porter_start (f->pb);
  cw_porter_close_async (f->pa, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_porter_close_finish (f->pa, res, &error));
  g_assert_no_error (error);
  /* Bob saw the close coming and answered; both ends hung up. Only Bob
   * was told of a close he did not start. */
  while (f->log->len < 3)
    g_main_context_iteration (f->context, TRUE);
  drain (f);
  g_assert_cmpuint (f->log->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->log, 0), ==, "b-closing");
  g_assert_true (g_ptr_array_find_with_equal_func (f->log, "a-closed", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (f->log, "b-closed", g_str_equal, NULL));
  g_assert_true (cw_test_stream_is_closed (f->pipe, 1));
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
  g_assert_null (f->remote_error);
  g_signal_handlers_disconnect_by_data (f->pb, f);
}

static gboolean
on_closing_send_goodbye (CwPorter *porter, gpointer user_data)
{
  g_autoptr (CwElement) bye = cw_stanza_presence_new ("unavailable", NULL, NULL);

  cw_porter_send_async (porter, bye, NULL, NULL, NULL);
  return FALSE;
}

/* The peer closes: we answer with our close after what "closing"
 * handlers still had to say, then hang up. */
static void
test_close_remote (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) got = NULL;
  g_autoptr (GError) error = NULL;

  g_signal_connect (f->pa, "closing", G_CALLBACK (on_closing_send_goodbye), NULL);
  cw_porter_start (f->pa);
  peer_send_close (f);
  got = peer_recv (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_type (got), ==, "unavailable");
  g_clear_pointer (&got, cw_element_unref);
  got = peer_recv (f, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
  wait_flag (f, &f->pa_closed);
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
  g_assert_null (f->remote_error);
}

/* XEP-0174 §6.1 and RFC 6120 §4.4: after our close the peer may still
 * send stanzas before its own; they are dispatched. */
static void
test_close_stanzas_after_close (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;
  g_autoptr (CwElement) late = parse ("<message xmlns='jabber:client' id='late'/>");

  g_object_set_data (G_OBJECT (f->pa), "fixture", f);
  cw_porter_register_handler (f->pa, CW_STANZA_KIND_MESSAGE, NULL, NULL, 0, log_and_take,
                              TAG ("got"));
  cw_porter_start (f->pa);
  cw_porter_close_async (f->pa, NULL, cw_test_store_result, &res);
  got = peer_recv (f, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
  g_clear_error (&error);
  peer_send (f, "<message xmlns='jabber:client' id='after-close'/>");
  drain (f);
  g_assert_null (res);
  /* Our side is closed for sending. */
  {
    g_autoptr (GAsyncResult) sent = NULL;

    cw_porter_send_async (f->pa, late, NULL, cw_test_store_result, &sent);
    cw_test_wait_result (f->context, &sent);
    g_assert_false (cw_porter_send_finish (f->pa, sent, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
    g_clear_error (&error);
  }
  peer_send_close (f);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_porter_close_finish (f->pa, res, &error));
  assert_log (f, "got:after-close");
  g_assert_true (f->pa_closed);
}

static void
test_close_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_set_close_timeout (f->pa, 50);
  cw_porter_start (f->pa);
  cw_porter_close_async (f->pa, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_false (cw_porter_close_finish (f->pa, res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* The connection is gone anyway. */
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
  g_assert_true (f->pa_closed);
}

/* Cancelling a close stops the caller's wait, not the handshake. */
static void
test_close_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;

  cw_porter_start (f->pa);
  cw_porter_close_async (f->pa, cancellable, cw_test_store_result, &res);
  drain (f);
  g_cancellable_cancel (cancellable);
  cw_test_wait_result (f->context, &res);
  g_assert_false (cw_porter_close_finish (f->pa, res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (f->pa_closed);
  got = peer_recv (f, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
  peer_send_close (f);
  wait_flag (f, &f->pa_closed);
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
}

/* Whatever still waits when the stream ends learns about it. */
static void
test_close_fails_pending (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new (NULL, "orphan");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &res);
  peer_send_close (f);
  cw_test_wait_result (f->context, &res);
  reply = cw_porter_send_iq_finish (f->pa, res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  wait_flag (f, &f->pa_closed);
}

static void
test_close_force (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) iq = ping_new (NULL, "cut");
  g_autoptr (GAsyncResult) iq_res = NULL;
  g_autoptr (GAsyncResult) close_res = NULL;
  g_autoptr (GAsyncResult) force_res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &iq_res);
  cw_porter_close_async (f->pa, NULL, cw_test_store_result, &close_res);
  cw_porter_force_close_async (f->pa, NULL, cw_test_store_result, &force_res);
  cw_test_wait_result (f->context, &force_res);
  g_assert_true (cw_porter_force_close_finish (f->pa, force_res, &error));
  cw_test_wait_result (f->context, &iq_res);
  cw_test_wait_result (f->context, &close_res);
  reply = cw_porter_send_iq_finish (f->pa, iq_res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (cw_porter_close_finish (f->pa, close_res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_true (f->pa_closed);
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
}

/* ---- errors --------------------------------------------------------------------------- */

static void
test_error_remote_stream_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) sent
    = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT, "replaced");
  g_autoptr (CwElement) iq = ping_new (NULL, "doomed");
  g_autoptr (GAsyncResult) iq_res = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwElement) reply = NULL;
  g_autoptr (GError) error = NULL;

  cw_porter_start (f->pa);
  cw_porter_send_iq_async (f->pa, iq, NULL, cw_test_store_result, &iq_res);
  cw_xmpp_connection_send_stream_error_async (f->b, sent, NULL, cw_test_store_result, &res);
  wait_flag (f, &f->pa_closed);
  g_assert_error (f->remote_error, CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT);
  g_assert_cmpstr (f->remote_error->message, ==, "replaced");
  cw_test_wait_result (f->context, &iq_res);
  reply = cw_porter_send_iq_finish (f->pa, iq_res, &error);
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT);
  cw_test_wait_result (f->context, &res);
}

/* Bad XML from the peer: it gets the stream error, we report it. */
static void
test_error_bad_xml (Fixture *f, gconstpointer data)
{
  g_autofree gchar *bytes = NULL;

  cw_porter_start (f->pa);
  cw_test_stream_push_incoming (f->pipe, 0, "<message xmlns='jabber:client'></iq>", -1);
  wait_flag (f, &f->pa_closed);
  g_assert_error (f->remote_error, CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_true (g_str_has_prefix (bytes, "<stream:error><not-well-formed "
                                          "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"));
  g_assert_true (g_str_has_suffix (bytes, "</stream:error></stream:stream>"));
}

static void
test_error_eos (Fixture *f, gconstpointer data)
{
  cw_porter_start (f->pa);
  g_assert_true (g_io_stream_close (cw_test_stream_get_end (f->pipe, 1), NULL, NULL));
  wait_flag (f, &f->pa_closed);
  g_assert_error (f->remote_error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_EOS);
}

/* ---- back-pressure ---------------------------------------------------------------------- */

#define BIG_ANSWER 16384 /* bytes of payload per answer: 64 of them fill the send queue */
#define N_BIG_GETS 200

/* Answers every get with a big payload and counts them. */
static gboolean
answer_big (CwPorter *porter, CwElement *iq, gpointer user_data)
{
  guint *answered = user_data;
  g_autofree gchar *text = g_strnfill (BIG_ANSWER, 'x');
  CwElement *payload = cw_element_new ("query", "urn:example");

  cw_element_add_text_child (payload, "blob", NULL, text);
  cw_porter_send_iq_result (porter, iq, payload);
  (*answered)++;
  return TRUE;
}

/* A peer that sends requests but never reads the answers: Alice stops
 * reading once her send queue is congested, so it stays bounded, and reads
 * (and answers) the rest once the peer reads again. */
static void
test_backpressure_peer_not_reading (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) gets = g_string_new (NULL);
  g_autofree gchar *answers = NULL;
  guint answered = 0;

  cw_porter_register_handler (f->pa, CW_STANZA_KIND_IQ, "get", NULL, 0, answer_big, &answered);
  cw_porter_start (f->pa);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  for (guint i = 0; i < N_BIG_GETS; i++)
    g_string_append_printf (gets,
                            "<iq xmlns='jabber:client' type='get' id='g%u'>"
                            "<query xmlns='urn:example'/></iq>",
                            i);
  cw_test_stream_push_incoming (f->pipe, 0, gets->str, gets->len);
  drain (f);

  g_assert_true (cw_xmpp_connection_is_congested (f->a));
  g_assert_cmpuint (cw_xmpp_connection_get_queued_bytes (f->a), <=,
                    CW_XMPP_CONNECTION_CONGESTION_LIMIT + BIG_ANSWER + 512);
  g_assert_cmpuint (answered, <, N_BIG_GETS);
  g_assert_cmpuint (answered, >=, CW_XMPP_CONNECTION_CONGESTION_LIMIT / BIG_ANSWER);
  /* Still paused, however long we wait. */
  drain (f);
  g_assert_cmpuint (answered, <=, CW_XMPP_CONNECTION_CONGESTION_LIMIT / BIG_ANSWER + 1);

  /* The peer reads again: the queue drains and every request is answered. */
  cw_test_stream_set_write_blocked (f->pipe, 0, FALSE);
  while (answered < N_BIG_GETS || cw_xmpp_connection_get_queued_bytes (f->a) > 0)
    g_main_context_iteration (f->context, TRUE);
  g_assert_false (cw_xmpp_connection_is_congested (f->a));
  answers = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_nonnull (strstr (answers, "id='g0'"));
  g_assert_nonnull (strstr (answers, "id='g199'"));
  g_assert_false (f->pa_closed);
}

static void
add (const gchar *path, void (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, setup, test, teardown);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("/porter/handler/priority", test_handler_priority);
  add ("/porter/handler/kind", test_handler_kind);
  add ("/porter/handler/type-filter", test_handler_type_filter);
  add ("/porter/handler/from-filter", test_handler_from_filter);
  add ("/porter/handler/payload-filter", test_handler_payload_filter);
  add ("/porter/handler/unregister", test_handler_unregister);
  add ("/porter/handler/unhandled-signal", test_handler_unhandled_signal);
  add ("/porter/iq/round-trip", test_iq_round_trip);
  add ("/porter/iq/error-reply", test_iq_error_reply);
  add ("/porter/iq/timeout", test_iq_timeout);
  add ("/porter/iq/spoofed-reply", test_iq_spoofed_reply);
  add ("/porter/iq/reply-without-from", test_iq_reply_without_from);
  add ("/porter/iq/own-account-reply", test_iq_own_account_reply);
  add ("/porter/iq/duplicate-id", test_iq_duplicate_id);
  add ("/porter/iq/cancel", test_iq_cancel);
  add ("/porter/iq/unhandled", test_iq_unhandled);
  add ("/porter/iq/declined", test_iq_declined);
  add ("/porter/close/handshake", test_close_handshake);
  add ("/porter/close/remote", test_close_remote);
  add ("/porter/close/stanzas-after-close", test_close_stanzas_after_close);
  add ("/porter/close/timeout", test_close_timeout);
  add ("/porter/close/cancel", test_close_cancel);
  add ("/porter/close/fails-pending", test_close_fails_pending);
  add ("/porter/close/force", test_close_force);
  add ("/porter/error/remote-stream-error", test_error_remote_stream_error);
  add ("/porter/error/bad-xml", test_error_bad_xml);
  add ("/porter/error/eos", test_error_eos);
  add ("/porter/backpressure/peer-not-reading", test_backpressure_peer_not_reading);
  return g_test_run ();
}
