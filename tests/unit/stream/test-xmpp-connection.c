/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwXmppConnection over an in-memory GIOStream pair. */
#include "config.h"

#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "stream/xmpp-connection.h"
#include "test-io-stream.h"
#include "xml/stanza.h"
#include "xml/writer.h"

/* Connection @a sits on end 0 of the pair, @b on end 1. Tests that play
 * the peer by hand use end 1 raw and leave @b alone. */
typedef struct
{
  GMainContext *context; /* owned: private, thread-default during the test */
  GSource *watchdog;     /* owned */
  CwTestStream *pipe;    /* owned */
  CwXmppConnection *a;   /* owned */
  CwXmppConnection *b;   /* owned */
} Fixture;

static gboolean
on_watchdog (gpointer user_data)
{
  g_error ("test timed out: an async operation never completed");
  return G_SOURCE_REMOVE;
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->watchdog = g_timeout_source_new_seconds (10);
  g_source_set_callback (f->watchdog, on_watchdog, NULL, NULL);
  g_source_attach (f->watchdog, f->context);
  f->pipe = cw_test_stream_new ();
  f->a = cw_xmpp_connection_new (cw_test_stream_get_end (f->pipe, 0), CW_NS_CLIENT);
  f->b = cw_xmpp_connection_new (cw_test_stream_get_end (f->pipe, 1), CW_NS_CLIENT);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_object (&f->pipe);
  /* Lets cancelled and failed operations finish and drop their refs. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_source_destroy (f->watchdog);
  g_source_unref (f->watchdog);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

/* Runs the context until nothing is ready, for "has not happened" checks. */
static void
drain (Fixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

static CwElement *
parse (const gchar *xml)
{
  g_autoptr (GError) error = NULL;
  CwElement *el = cw_element_parse (xml, -1, &error);

  g_assert_no_error (error);
  return el;
}

static gboolean
send_stanza (Fixture *f, CwXmppConnection *c, CwElement *el, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_xmpp_connection_send_stanza_async (c, el, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  return cw_xmpp_connection_send_stanza_finish (c, res, error);
}

static CwElement *
recv_stanza (Fixture *f, CwXmppConnection *c, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_xmpp_connection_recv_stanza_async (c, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  return cw_xmpp_connection_recv_stanza_finish (c, res, error);
}

static CwStreamHeader *
recv_open (Fixture *f, CwXmppConnection *c, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  cw_xmpp_connection_recv_open_async (c, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  return cw_xmpp_connection_recv_open_finish (c, res, error);
}

static void
send_open (Fixture *f, CwXmppConnection *c, const gchar *from, const gchar *to)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  cw_xmpp_connection_send_open_async (c, to, from, "1.0", "en", NULL, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_open_finish (c, res, &error));
  g_assert_no_error (error);
}

/* Opens the stream both ways between a and b. */
static void
open_pair (Fixture *f)
{
  g_autoptr (CwStreamHeader) ha = NULL;
  g_autoptr (CwStreamHeader) hb = NULL;
  g_autoptr (GError) error = NULL;

  send_open (f, f->a, "alice@h1", "bob@h2");
  hb = recv_open (f, f->b, &error);
  g_assert_no_error (error);
  send_open (f, f->b, "bob@h2", "alice@h1");
  ha = recv_open (f, f->a, &error);
  g_assert_no_error (error);
}

/* a opens its side; the peer on end 1 is raw bytes and its header is
 * pushed by hand. */
static void
open_raw (Fixture *f)
{
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ignored = NULL;

  send_open (f, f->a, "alice@h1", "bob@h2");
  ignored = cw_test_stream_take_incoming (f->pipe, 1);
  cw_test_stream_push_incoming (f->pipe, 0,
                                "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
                                -1);
  h = recv_open (f, f->a, &error);
  g_assert_no_error (error);
}

static void
assert_exchange (Fixture *f, CwXmppConnection *from, CwXmppConnection *to, const gchar *xml)
{
  g_autoptr (CwElement) sent = parse (xml);
  g_autoptr (CwElement) got = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (send_stanza (f, from, sent, &error));
  g_assert_no_error (error);
  got = recv_stanza (f, to, &error);
  g_assert_no_error (error);
  g_assert_true (cw_element_equal (sent, got));
}

/* ---- opening ----------------------------------------------------------------- */

static void
test_open_header (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *bytes = NULL;

  cw_xmpp_connection_send_open_async (f->a, "bob@h2", "alice@h1", "1.0", "en", "s1", NULL,
                                      cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_open_finish (f->a, res, &error));
  g_assert_no_error (error);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpstr (bytes, ==,
                   "<?xml version='1.0'?><stream:stream "
                   "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
                   "to='bob@h2' from='alice@h1' version='1.0' xml:lang='en' id='s1'>");
  cw_test_stream_push_incoming (f->pipe, 1, bytes, -1);
  h = recv_open (f, f->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (h->to, ==, "bob@h2");
  g_assert_cmpstr (h->from, ==, "alice@h1");
  g_assert_cmpstr (h->version, ==, "1.0");
  g_assert_cmpstr (h->lang, ==, "en");
  g_assert_cmpstr (h->id, ==, "s1");
  g_assert_cmpstr (h->default_ns, ==, CW_NS_CLIENT);
}

/* iChat-era peers leave out version and from: still a valid stream. */
static void
test_open_minimal_header (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;

  cw_test_stream_push_incoming (f->pipe, 0,
                                "<stream:stream xmlns='jabber:client' "
                                "xmlns:stream='http://etherx.jabber.org/streams'>",
                                -1);
  h = recv_open (f, f->a, &error);
  g_assert_no_error (error);
  g_assert_null (h->from);
  g_assert_null (h->version);
  g_assert_cmpstr (h->default_ns, ==, CW_NS_CLIENT);
}

static void
test_open_both_ways (Fixture *f, gconstpointer data)
{
  open_pair (f);
  assert_exchange (f, f->a, f->b,
                   "<message xmlns='jabber:client' to='bob@h2'><body>hi</body></message>");
  assert_exchange (f, f->b, f->a,
                   "<message xmlns='jabber:client' to='alice@h1'><body>yo</body></message>");
}

static void
test_open_wrong_namespace (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;

  cw_test_stream_push_incoming (f->pipe, 0,
                                "<stream:stream xmlns='jabber:server' "
                                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
                                -1);
  h = recv_open (f, f->a, &error);
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_NAMESPACE);
  g_assert_null (h);
}

static void
test_open_not_a_stream (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;

  cw_test_stream_push_incoming (f->pipe, 0, "<html xmlns='http://www.w3.org/1999/xhtml'>", -1);
  h = recv_open (f, f->a, &error);
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_NAMESPACE);
}

static void
test_open_state_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) msg = parse ("<message xmlns='jabber:client'/>");
  g_autoptr (CwElement) got = NULL;
  g_autoptr (CwStreamHeader) h = NULL;

  /* Before our header nothing may be sent, before theirs nothing read. */
  g_assert_false (send_stanza (f, f->a, msg, &error));
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_NOT_OPEN);
  g_clear_error (&error);
  got = recv_stanza (f, f->a, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_NOT_OPEN);
  g_clear_error (&error);

  open_pair (f);
  cw_xmpp_connection_send_open_async (f->a, NULL, NULL, NULL, NULL, NULL, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_false (cw_xmpp_connection_send_open_finish (f->a, res, &error));
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_OPEN);
  g_clear_error (&error);
  h = recv_open (f, f->a, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_OPEN);
}

/* ---- stanzas ------------------------------------------------------------------ */

static void
test_stanza_exchange (Fixture *f, gconstpointer data)
{
  open_pair (f);
  assert_exchange (f, f->a, f->b,
                   "<message xmlns='jabber:client' type='chat' to='bob@h2' id='m1'>"
                   "<body>Wherefore &amp; why? caf\xc3\xa9</body>"
                   "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  assert_exchange (f, f->b, f->a,
                   "<iq xmlns='jabber:client' type='get' id='d1'>"
                   "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  assert_exchange (f, f->a, f->b, "<presence xmlns='jabber:client'><show>away</show></presence>");
}

/* Several stanzas in one read come out one per receive, in order. */
static void
test_stanza_burst (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  open_raw (f);
  cw_test_stream_push_incoming (f->pipe, 0,
                                "<message xmlns='jabber:client' id='1'/> \n"
                                "<message xmlns='jabber:client' id='2'/>"
                                "<message xmlns='jabber:client' id='3'/>",
                                -1);
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr (CwElement) got = recv_stanza (f, f->a, &error);
      g_autofree gchar *id = g_strdup_printf ("%u", i);

      g_assert_no_error (error);
      g_assert_cmpstr (cw_stanza_get_id (got), ==, id);
    }
}

typedef struct
{
  Fixture *f;
  GPtrArray *order; /* owned (gchar *): ids in completion order */
  guint failed;
} OrderState;

typedef struct
{
  OrderState *state;
  gchar *id; /* owned */
} SendTag;

static void
on_ordered_send (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendTag *tag = user_data;
  g_autoptr (GError) error = NULL;

  if (cw_xmpp_connection_send_stanza_finish (CW_XMPP_CONNECTION (source), result, &error))
    g_ptr_array_add (tag->state->order, g_steal_pointer (&tag->id));
  else
    tag->state->failed++;
  g_free (tag->id);
  g_free (tag);
}

static void
queue_sends (OrderState *st, CwXmppConnection *c, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      SendTag *tag = g_new0 (SendTag, 1);
      g_autoptr (CwElement) msg = cw_stanza_message_new ("chat", NULL, "bob@h2", NULL, "x");

      tag->state = st;
      tag->id = g_strdup_printf ("m%u", i);
      cw_element_set_attr (msg, "id", tag->id);
      cw_xmpp_connection_send_stanza_async (c, msg, NULL, on_ordered_send, tag);
    }
}

/* Many sends queued at once complete in call order and arrive in call
 * order, even when the socket takes a few bytes at a time. */
static void
test_stanza_ordering (Fixture *f, gconstpointer data)
{
  const guint n = 200;
  OrderState st = { f, g_ptr_array_new_with_free_func (g_free), 0 };
  g_autoptr (GError) error = NULL;

  open_pair (f);
  cw_test_stream_set_max_write (f->pipe, 0, 7);
  queue_sends (&st, f->a, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CwElement) got = recv_stanza (f, f->b, &error);
      g_autofree gchar *id = g_strdup_printf ("m%u", i);

      g_assert_no_error (error);
      g_assert_cmpstr (cw_stanza_get_id (got), ==, id);
    }
  while (st.order->len < n)
    g_main_context_iteration (f->context, TRUE);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("m%u", i);

      g_assert_cmpstr (g_ptr_array_index (st.order, i), ==, id);
    }
  g_assert_cmpuint (st.failed, ==, 0);
  g_ptr_array_unref (st.order);
}

/* A send completes only once its bytes were taken by the output stream:
 * with the socket blocked nothing completes, then everything does. */
static void
test_stanza_completion_waits_for_write (Fixture *f, gconstpointer data)
{
  OrderState st = { f, g_ptr_array_new_with_free_func (g_free), 0 };
  g_autofree gchar *bytes = NULL;

  open_raw (f);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  queue_sends (&st, f->a, 3);
  drain (f);
  g_assert_cmpuint (st.order->len, ==, 0);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpstr (bytes, ==, "");
  cw_test_stream_set_write_blocked (f->pipe, 0, FALSE);
  while (st.order->len < 3)
    g_main_context_iteration (f->context, TRUE);
  g_free (bytes);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_nonnull (strstr (bytes, "id='m0'"));
  g_assert_true (strstr (bytes, "id='m0'") < strstr (bytes, "id='m2'"));
  g_ptr_array_unref (st.order);
}

/* One byte per read and per write: stanzas, headers and multi-byte UTF-8
 * are cut at every possible place. */
static void
test_stanza_short_io (Fixture *f, gconstpointer data)
{
  for (guint end = 0; end < 2; end++)
    {
      cw_test_stream_set_max_read (f->pipe, end, 1);
      cw_test_stream_set_max_write (f->pipe, end, 1);
    }
  open_pair (f);
  assert_exchange (f, f->a, f->b,
                   "<message xmlns='jabber:client' id='u'><body>\xe2\x98\x95 caf\xc3\xa9 "
                   "&lt;tag&gt; \xf0\x9f\x90\xb1</body></message>");
  assert_exchange (f, f->b, f->a, "<presence xmlns='jabber:client'/>");
}

/* A stanza larger than one read buffer arrives whole. */
static void
test_stanza_large (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) msg = cw_element_new ("message", CW_NS_CLIENT);
  g_autoptr (CwElement) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *body = g_strnfill (100 * 1024, 'z');

  open_pair (f);
  cw_element_add_text_child (msg, "body", NULL, body);
  g_assert_true (send_stanza (f, f->a, msg, &error));
  got = recv_stanza (f, f->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_element_get_child_text (got, "body", NULL), ==, body);
}

/* An idle connection holds only a small read buffer; a big stanza grows it
 * for the burst, and the next small read shrinks it back. */
static void
test_read_buffer_shrinks (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) msg = cw_element_new ("message", CW_NS_CLIENT);
  g_autoptr (CwElement) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *body = g_strnfill (200 * 1024, 'z');
  gsize idle;

  open_pair (f);
  idle = cw_xmpp_connection_get_read_buffer_size (f->b);
  g_assert_cmpuint (idle, <=, 4096);
  cw_element_add_text_child (msg, "body", NULL, body);
  g_assert_true (send_stanza (f, f->a, msg, &error));
  got = recv_stanza (f, f->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_element_get_child_text (got, "body", NULL), ==, body);
  g_assert_cmpuint (cw_xmpp_connection_get_read_buffer_size (f->b), >, idle);
  g_assert_cmpuint (cw_xmpp_connection_get_read_buffer_size (f->b), <=, 64 * 1024);

  assert_exchange (f, f->a, f->b, "<message xmlns='jabber:client'><body>hi</body></message>");
  g_assert_cmpuint (cw_xmpp_connection_get_read_buffer_size (f->b), ==, idle);
}

static void
test_whitespace_keepalive (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  open_pair (f);
  for (guint i = 0; i < 3; i++)
    {
      g_clear_object (&res);
      cw_xmpp_connection_send_whitespace_async (f->a, NULL, cw_test_store_result, &res);
      cw_test_wait_result (f->context, &res);
      g_assert_true (cw_xmpp_connection_send_whitespace_finish (f->a, res, &error));
    }
  assert_exchange (f, f->a, f->b, "<message xmlns='jabber:client' id='after-ping'/>");
}

/* ---- closing -------------------------------------------------------------------- */

static void
test_close_remote (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;
  g_autoptr (CwElement) msg = parse ("<message xmlns='jabber:client'/>");

  open_pair (f);
  cw_xmpp_connection_send_close_async (f->a, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_close_finish (f->a, res, &error));
  g_assert_true (cw_xmpp_connection_is_close_sent (f->a));

  got = recv_stanza (f, f->b, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
  g_assert_null (got);
  g_assert_true (cw_xmpp_connection_is_close_received (f->b));
  g_clear_error (&error);
  /* The end is sticky. */
  got = recv_stanza (f, f->b, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
  g_clear_error (&error);

  /* a closed its sending side only: b can still talk to it (RFC 6120 §4.4). */
  assert_exchange (f, f->b, f->a, "<message xmlns='jabber:client' id='late'/>");
  g_assert_false (send_stanza (f, f->a, msg, &error));
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_CLOSED);
}

static void
test_close_bytes (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *bytes = NULL;

  open_raw (f);
  cw_xmpp_connection_send_close_async (f->a, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_close_finish (f->a, res, &error));
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpstr (bytes, ==, "</stream:stream>");
  /* Closing is not hanging up: the GIOStream stays open. */
  g_assert_false (g_io_stream_is_closed (cw_test_stream_get_end (f->pipe, 0)));
}

static void
test_close_eos (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;

  open_raw (f);
  cw_test_stream_push_incoming (f->pipe, 0, "<message xmlns='jabber:client' id='last'/>", -1);
  g_assert_true (g_io_stream_close (cw_test_stream_get_end (f->pipe, 1), NULL, NULL));
  /* What was written before the hang-up is still delivered. */
  got = recv_stanza (f, f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (got), ==, "last");
  g_clear_pointer (&got, cw_element_unref);
  got = recv_stanza (f, f->a, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_EOS);
}

static void
test_close_force (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) recv_res = NULL;
  g_autoptr (GAsyncResult) send_res = NULL;
  g_autoptr (GAsyncResult) queued_res = NULL;
  g_autoptr (GAsyncResult) close_res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) msg = parse ("<message xmlns='jabber:client'/>");
  g_autoptr (CwElement) got = NULL;

  open_raw (f);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  cw_xmpp_connection_recv_stanza_async (f->a, NULL, cw_test_store_result, &recv_res);
  cw_xmpp_connection_send_stanza_async (f->a, msg, NULL, cw_test_store_result, &send_res);
  cw_xmpp_connection_send_stanza_async (f->a, msg, NULL, cw_test_store_result, &queued_res);
  drain (f);
  cw_xmpp_connection_force_close_async (f->a, NULL, cw_test_store_result, &close_res);
  cw_test_wait_result (f->context, &close_res);
  cw_test_wait_result (f->context, &recv_res);
  cw_test_wait_result (f->context, &send_res);
  cw_test_wait_result (f->context, &queued_res);
  g_assert_true (cw_xmpp_connection_force_close_finish (f->a, close_res, &error));
  g_assert_no_error (error);
  got = cw_xmpp_connection_recv_stanza_finish (f->a, recv_res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (cw_xmpp_connection_send_stanza_finish (f->a, send_res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (cw_xmpp_connection_send_stanza_finish (f->a, queued_res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_true (cw_test_stream_is_closed (f->pipe, 0));
  g_assert_false (send_stanza (f, f->a, msg, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* ---- errors ---------------------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  const gchar *input;
  CwStreamError code;
} BadInput;

static const BadInput bad_inputs[] = {
  { "mismatched-tag", "<message xmlns='jabber:client'><body>x</bod></message>",
    CW_STREAM_ERROR_NOT_WELL_FORMED },
  { "comment", "<!-- hello -->", CW_STREAM_ERROR_RESTRICTED_XML },
  { "processing-instruction", "<?evil x?>", CW_STREAM_ERROR_RESTRICTED_XML },
  { "text-between-stanzas", "hello", CW_STREAM_ERROR_BAD_FORMAT },
  { "too-deep",
    "<message xmlns='jabber:client'><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
    "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></message>",
    CW_STREAM_ERROR_POLICY_VIOLATION },
};

/* Bad XML from the peer surfaces as the stream error to send back, after
 * the good stanzas that came before it, and sticks. */
static void
test_error_bad_input (Fixture *f, gconstpointer data)
{
  const BadInput *bad = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;
  CwReaderLimits limits;

  cw_reader_limits_init_preauth (&limits);
  cw_xmpp_connection_set_limits (f->a, &limits);
  open_raw (f);
  cw_test_stream_push_incoming (f->pipe, 0, "<message xmlns='jabber:client' id='ok'/>", -1);
  cw_test_stream_push_incoming (f->pipe, 0, bad->input, -1);
  got = recv_stanza (f, f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (got), ==, "ok");
  g_clear_pointer (&got, cw_element_unref);
  got = recv_stanza (f, f->a, &error);
  g_assert_error (error, CW_STREAM_ERROR, (gint)bad->code);
  g_clear_error (&error);
  cw_test_stream_push_incoming (f->pipe, 0, "<message xmlns='jabber:client' id='more'/>", -1);
  got = recv_stanza (f, f->a, &error);
  g_assert_error (error, CW_STREAM_ERROR, (gint)bad->code);
}

/* Limits change mid-stream: a stanza refused before authentication passes
 * once the defaults are back. */
static void
test_error_limits (Fixture *f, gconstpointer data)
{
  g_autoptr (CwElement) big = cw_element_new ("message", CW_NS_CLIENT);
  g_autoptr (CwElement) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *body = g_strnfill (20 * 1024, 'q');
  CwReaderLimits limits;

  cw_element_add_text_child (big, "body", NULL, body);
  open_pair (f);
  cw_reader_limits_init_default (&limits);
  cw_xmpp_connection_set_limits (f->b, &limits);
  g_assert_true (send_stanza (f, f->a, big, &error));
  got = recv_stanza (f, f->b, &error);
  g_assert_no_error (error);
  g_clear_pointer (&got, cw_element_unref);

  cw_reader_limits_init_preauth (&limits);
  cw_xmpp_connection_set_limits (f->b, &limits);
  cw_xmpp_connection_get_limits (f->b, &limits);
  g_assert_cmpuint (limits.max_stanza_size, ==, CW_READER_PREAUTH_MAX_STANZA_SIZE);
  g_assert_true (send_stanza (f, f->a, big, &error));
  got = recv_stanza (f, f->b, &error);
  g_assert_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_POLICY_VIOLATION);
}

static void
test_error_send_stream_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) sent = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT,
                                                 "replaced by a new connection");
  g_autoptr (GError) received = NULL;
  g_autoptr (CwElement) got = NULL;

  open_pair (f);
  cw_xmpp_connection_send_stream_error_async (f->a, sent, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_stream_error_finish (f->a, res, &error));
  g_assert_true (cw_xmpp_connection_is_close_sent (f->a));

  /* The peer gets the error as an element it can turn back into a GError,
   * then the end of the stream. */
  got = recv_stanza (f, f->b, &error);
  g_assert_no_error (error);
  g_assert_true (cw_element_is (got, "error", CW_NS_STREAM));
  g_assert_false (cw_stream_error_from_element (got, &received));
  g_assert_error (received, CW_STREAM_ERROR, CW_STREAM_ERROR_CONFLICT);
  g_assert_cmpstr (received->message, ==, "replaced by a new connection");
  g_clear_pointer (&got, cw_element_unref);
  got = recv_stanza (f, f->b, &error);
  g_assert_error (error, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED);
}

/* Refusing a peer before our header went out still gives it a stream to
 * parse the error in. */
static void
test_error_before_open (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) sent = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_HOST_UNKNOWN, "");
  g_autofree gchar *bytes = NULL;

  cw_xmpp_connection_send_stream_error_async (f->a, sent, NULL, cw_test_store_result, &res);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_stream_error_finish (f->a, res, &error));
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_true (g_str_has_prefix (bytes, "<?xml version='1.0'?><stream:stream "));
  g_assert_true (g_str_has_suffix (bytes, "<stream:error><host-unknown "
                                          "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                          "</stream:error></stream:stream>"));
}

static void
test_error_write (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) injected
    = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "reset by peer");
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) msg = parse ("<message xmlns='jabber:client'/>");

  open_pair (f);
  cw_test_stream_fail_next_write (f->pipe, 0, injected);
  cw_xmpp_connection_send_stanza_async (f->a, msg, NULL, cw_test_store_result, &r1);
  cw_xmpp_connection_send_stanza_async (f->a, msg, NULL, cw_test_store_result, &r2);
  cw_test_wait_result (f->context, &r1);
  cw_test_wait_result (f->context, &r2);
  g_assert_false (cw_xmpp_connection_send_stanza_finish (f->a, r1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);
  /* The one queued behind it cannot go out after a broken write either. */
  g_assert_false (cw_xmpp_connection_send_stanza_finish (f->a, r2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
test_error_read (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) injected = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no route");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;

  open_pair (f);
  cw_xmpp_connection_recv_stanza_async (f->a, NULL, cw_test_store_result, &res);
  drain (f);
  cw_test_stream_fail_next_read (f->pipe, 0, injected);
  cw_test_wait_result (f->context, &res);
  got = cw_xmpp_connection_recv_stanza_finish (f->a, res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static void
test_error_pending_recv (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;
  g_autoptr (CwElement) msg = parse ("<presence xmlns='jabber:client' id='p'/>");

  open_pair (f);
  cw_xmpp_connection_recv_stanza_async (f->a, NULL, cw_test_store_result, &first);
  got = recv_stanza (f, f->a, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  /* The refused call did not disturb the first one. */
  g_assert_true (send_stanza (f, f->b, msg, &error));
  cw_test_wait_result (f->context, &first);
  got = cw_xmpp_connection_recv_stanza_finish (f->a, first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (got), ==, "p");
}

/* ---- reset and cancellation --------------------------------------------------------- */

static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStreamHeader) h = NULL;
  g_autoptr (GError) error = NULL;

  open_pair (f);
  assert_exchange (f, f->a, f->b, "<message xmlns='jabber:client' id='before'/>");
  /* As after SASL success: both sides restart with fresh headers. */
  cw_xmpp_connection_reset (f->a);
  cw_xmpp_connection_reset (f->b);
  send_open (f, f->a, "alice@h1", "bob@h2");
  h = recv_open (f, f->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (h->from, ==, "alice@h1");
  g_clear_pointer (&h, cw_stream_header_free);
  send_open (f, f->b, "bob@h2", "alice@h1");
  h = recv_open (f, f->a, &error);
  g_assert_no_error (error);
  assert_exchange (f, f->a, f->b, "<message xmlns='jabber:client' id='after'/>");
  assert_exchange (f, f->b, f->a, "<message xmlns='jabber:client' id='after2'/>");
}

/* A cancelled receive loses nothing: half a stanza read before the cancel
 * completes with the rest on the next receive. */
static void
test_cancel_recv (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) got = NULL;

  open_raw (f);
  cw_xmpp_connection_recv_stanza_async (f->a, cancellable, cw_test_store_result, &res);
  cw_test_stream_push_incoming (f->pipe, 0, "<message xmlns='jabber:client' id='sp", -1);
  drain (f);
  g_assert_null (res);
  g_cancellable_cancel (cancellable);
  cw_test_wait_result (f->context, &res);
  got = cw_xmpp_connection_recv_stanza_finish (f->a, res, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  cw_test_stream_push_incoming (f->pipe, 0, "lit'><body>rest</body></message>", -1);
  got = recv_stanza (f, f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cw_stanza_get_id (got), ==, "split");
  g_assert_cmpstr (cw_element_get_child_text (got, "body", NULL), ==, "rest");
}

/* Cancelling a send still waiting in the queue fails it at once and keeps
 * its bytes off the wire; its neighbours go out normally. */
static void
test_cancel_queued_send (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GAsyncResult) r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) m1 = parse ("<message xmlns='jabber:client' id='one'/>");
  g_autoptr (CwElement) m2 = parse ("<message xmlns='jabber:client' id='two'/>");
  g_autoptr (CwElement) m3 = parse ("<message xmlns='jabber:client' id='three'/>");
  g_autofree gchar *bytes = NULL;

  open_raw (f);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  cw_xmpp_connection_send_stanza_async (f->a, m1, NULL, cw_test_store_result, &r1);
  cw_xmpp_connection_send_stanza_async (f->a, m2, cancellable, cw_test_store_result, &r2);
  cw_xmpp_connection_send_stanza_async (f->a, m3, NULL, cw_test_store_result, &r3);
  drain (f);
  g_cancellable_cancel (cancellable);
  cw_test_wait_result (f->context, &r2);
  g_assert_null (r1);
  g_assert_false (cw_xmpp_connection_send_stanza_finish (f->a, r2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  cw_test_stream_set_write_blocked (f->pipe, 0, FALSE);
  cw_test_wait_result (f->context, &r1);
  cw_test_wait_result (f->context, &r3);
  g_assert_true (cw_xmpp_connection_send_stanza_finish (f->a, r1, &error));
  g_assert_true (cw_xmpp_connection_send_stanza_finish (f->a, r3, &error));
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpstr (bytes, ==, "<message id='one'/><message id='three'/>");
}

/* A send whose bytes are already going out finishes even if cancelled:
 * half a stanza would corrupt the stream for everything after it. */
static void
test_cancel_inflight_send (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) m1 = parse ("<message xmlns='jabber:client' id='one'/>");
  g_autofree gchar *bytes = NULL;

  open_raw (f);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  cw_xmpp_connection_send_stanza_async (f->a, m1, cancellable, cw_test_store_result, &res);
  drain (f);
  g_cancellable_cancel (cancellable);
  drain (f);
  g_assert_null (res);
  cw_test_stream_set_write_blocked (f->pipe, 0, FALSE);
  cw_test_wait_result (f->context, &res);
  g_assert_true (cw_xmpp_connection_send_stanza_finish (f->a, res, &error));
  g_assert_no_error (error);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpstr (bytes, ==, "<message id='one'/>");
}

/* ---- congestion ------------------------------------------------------------------------- */

typedef struct
{
  guint notifies;
  gsize queued_at[2]; /* the queued bytes at the first two notifications */
} CongestionLog;

static void
on_congested (CwXmppConnection *c, GParamSpec *pspec, CongestionLog *log)
{
  if (log->notifies < G_N_ELEMENTS (log->queued_at))
    log->queued_at[log->notifies] = cw_xmpp_connection_get_queued_bytes (c);
  log->notifies++;
}

/* Output that the peer does not read makes the connection congested past
 * the limit; it drains back to uncongested only below half of it. */
static void
test_congestion (Fixture *f, gconstpointer data)
{
  g_autofree gchar *text = g_strnfill (64 * 1024, 'x');
  g_autoptr (CwElement) el = cw_stanza_message_new ("chat", "alice@h1", "bob@h2", "big", text);
  g_autofree gchar *bytes = NULL;
  CongestionLog log = { 0 };
  guint n = 0;

  open_raw (f);
  g_signal_connect (f->a, "notify::congested", G_CALLBACK (on_congested), &log);
  cw_test_stream_set_write_blocked (f->pipe, 0, TRUE);
  while (!cw_xmpp_connection_is_congested (f->a))
    {
      cw_xmpp_connection_send_stanza_async (f->a, el, NULL, NULL, NULL);
      n++;
      g_assert_cmpuint (n, <, 100);
    }
  g_assert_cmpuint (log.notifies, ==, 1);
  g_assert_cmpuint (log.queued_at[0], >, CW_XMPP_CONNECTION_CONGESTION_LIMIT);
  drain (f);
  g_assert_true (cw_xmpp_connection_is_congested (f->a));

  cw_test_stream_set_write_blocked (f->pipe, 0, FALSE);
  while (cw_xmpp_connection_get_queued_bytes (f->a) > 0)
    g_main_context_iteration (f->context, TRUE);
  g_assert_false (cw_xmpp_connection_is_congested (f->a));
  g_assert_cmpuint (log.notifies, ==, 2);
  g_assert_cmpuint (log.queued_at[1], <, CW_XMPP_CONNECTION_CONGESTION_LIMIT / 2);
  g_assert_cmpuint (log.queued_at[1], >, 0);
  bytes = cw_test_stream_take_incoming (f->pipe, 1);
  g_assert_cmpuint (strlen (bytes), >, n * 64 * 1024);
  g_signal_handlers_disconnect_by_data (f->a, &log);
}

static void
add (const gchar *path, void (*test) (Fixture *, gconstpointer), gconstpointer data)
{
  g_test_add (path, Fixture, data, setup, test, teardown);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("/stream/connection/open/header", test_open_header, NULL);
  add ("/stream/connection/open/minimal-header", test_open_minimal_header, NULL);
  add ("/stream/connection/open/both-ways", test_open_both_ways, NULL);
  add ("/stream/connection/open/wrong-namespace", test_open_wrong_namespace, NULL);
  add ("/stream/connection/open/not-a-stream", test_open_not_a_stream, NULL);
  add ("/stream/connection/open/state-errors", test_open_state_errors, NULL);
  add ("/stream/connection/stanza/exchange", test_stanza_exchange, NULL);
  add ("/stream/connection/stanza/burst", test_stanza_burst, NULL);
  add ("/stream/connection/stanza/ordering", test_stanza_ordering, NULL);
  add ("/stream/connection/stanza/completion-waits-for-write",
       test_stanza_completion_waits_for_write, NULL);
  add ("/stream/connection/stanza/short-io", test_stanza_short_io, NULL);
  add ("/stream/connection/stanza/large", test_stanza_large, NULL);
  add ("/stream/connection/stanza/read-buffer-shrinks", test_read_buffer_shrinks, NULL);
  add ("/stream/connection/stanza/whitespace-keepalive", test_whitespace_keepalive, NULL);
  add ("/stream/connection/close/remote", test_close_remote, NULL);
  add ("/stream/connection/close/bytes", test_close_bytes, NULL);
  add ("/stream/connection/close/eos", test_close_eos, NULL);
  add ("/stream/connection/close/force", test_close_force, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      g_autofree gchar *path
        = g_strdup_printf ("/stream/connection/error/bad-input/%s", bad_inputs[i].name);

      add (path, test_error_bad_input, &bad_inputs[i]);
    }
  add ("/stream/connection/error/limits", test_error_limits, NULL);
  add ("/stream/connection/error/send-stream-error", test_error_send_stream_error, NULL);
  add ("/stream/connection/error/before-open", test_error_before_open, NULL);
  add ("/stream/connection/error/write", test_error_write, NULL);
  add ("/stream/connection/error/read", test_error_read, NULL);
  add ("/stream/connection/error/pending-recv", test_error_pending_recv, NULL);
  add ("/stream/connection/reset", test_reset, NULL);
  add ("/stream/connection/cancel/recv", test_cancel_recv, NULL);
  add ("/stream/connection/cancel/queued-send", test_cancel_queued_send, NULL);
  add ("/stream/connection/cancel/inflight-send", test_cancel_inflight_send, NULL);
  add ("/stream/connection/congestion", test_congestion, NULL);
  return g_test_run ();
}
