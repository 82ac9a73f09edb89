/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwPorter: stanza dispatch on an open stream — handlers, IQ tracking, close handshake. */
#pragma once

#include <gio/gio.h>

#include "stream/xmpp-connection.h"
#include "xml/element.h"
#include "xml/stanza.h"

G_BEGIN_DECLS

#define CW_PORTER_DEFAULT_IQ_TIMEOUT_MS 30000
#define CW_PORTER_DEFAULT_CLOSE_TIMEOUT_MS 10000

/* Conventional handler priorities; any gint works, higher runs first. */
#define CW_PORTER_PRIORITY_LOW (-100)
#define CW_PORTER_PRIORITY_NORMAL 0
#define CW_PORTER_PRIORITY_HIGH 100

#define CW_TYPE_PORTER (cw_porter_get_type ())
G_DECLARE_FINAL_TYPE (CwPorter, cw_porter, CW, PORTER, GObject)

/**
 * CwPorterHandler:
 * @stanza: (transfer none): the received stanza; take a reference to keep it
 *
 * Returns: TRUE when the stanza was handled, which stops the dispatch.
 * Handling an IQ get or set means answering it, now or later
 * (cw_porter_send_iq_result(), cw_porter_send_iq_error()).
 */
typedef gboolean (*CwPorterHandler) (CwPorter *porter, CwElement *stanza, gpointer user_data);

/**
 * cw_porter_new:
 * @connection: a connection whose stream is open both ways; the porter
 *   takes it over: nobody else may send or receive on it any more
 * @local_jid: (nullable): our address on this stream
 * @peer_jid: (nullable): the peer's address, from its stream header or
 *   discovery; stanzas without a 'from' are taken to come from it
 *
 * Sources (timeouts) are attached to the thread-default main context
 * current here, which must also run the connection's I/O.
 *
 * Returns: (transfer full): a porter that dispatches nothing until
 * cw_porter_start().
 */
CwPorter *cw_porter_new (CwXmppConnection *connection, const gchar *local_jid,
                         const gchar *peer_jid);

CwXmppConnection *cw_porter_get_connection (CwPorter *self);
const gchar *cw_porter_get_local_jid (CwPorter *self);
const gchar *cw_porter_get_peer_jid (CwPorter *self);

/* How long cw_porter_send_iq_async() waits for a reply; applies to IQs
 * sent after the call. 0 waits forever. */
void cw_porter_set_iq_timeout (CwPorter *self, guint timeout_ms);
guint cw_porter_get_iq_timeout (CwPorter *self);
/* How long cw_porter_close_async() waits for the peer's </stream:stream>. */
void cw_porter_set_close_timeout (CwPorter *self, guint timeout_ms);

/**
 * cw_porter_start:
 *
 * Starts the receive loop; register the first handlers before. A started
 * porter keeps itself alive until its stream has ended and "closed" was
 * emitted, so dropping the last reference does not cut a conversation.
 */
void cw_porter_start (CwPorter *self);

/**
 * cw_porter_register_handler:
 * @kind: MESSAGE, PRESENCE or IQ; OTHER for top-level elements that are
 *   not stanzas (a peer's <stream:error> is handled by the porter itself)
 * @type: (nullable): only stanzas with this 'type'; a message without one
 *   matches "normal" (RFC 6121 §5.2.2)
 * @from: (nullable): only stanzas from this JID; a bare JID also matches
 *   its full JIDs. A stanza without 'from' counts as from the peer.
 * @priority: higher runs first; equal priorities run in registration order
 *
 * Returns: the handler id for cw_porter_unregister_handler(), never 0.
 */
guint cw_porter_register_handler (CwPorter *self, CwStanzaKind kind, const gchar *type,
                                  const gchar *from, gint priority, CwPorterHandler handler,
                                  gpointer user_data);

/**
 * cw_porter_register_handler_full:
 * @payload_ns: (nullable): only stanzas with a child element in this
 *   namespace, e.g. an IQ's query
 * @notify: (nullable): frees @user_data once the handler is unregistered
 *   and not running, or when the porter goes away
 *
 * As cw_porter_register_handler().
 */
guint cw_porter_register_handler_full (CwPorter *self, CwStanzaKind kind, const gchar *type,
                                       const gchar *from, const gchar *payload_ns, gint priority,
                                       CwPorterHandler handler, gpointer user_data,
                                       GDestroyNotify notify);

/* Safe from inside any handler, including the one being removed. */
void cw_porter_unregister_handler (CwPorter *self, guint handler_id);

/**
 * cw_porter_send_async:
 *
 * Queues @stanza (serialised at once) behind earlier sends. Fails with
 * G_IO_ERROR_CLOSED once our side of the stream is closed.
 */
void cw_porter_send_async (CwPorter *self, CwElement *stanza, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_porter_send_finish (CwPorter *self, GAsyncResult *result, GError **error);

/**
 * cw_porter_send_iq_async:
 * @iq: an IQ of type get or set; it gets a fresh id when it has none
 *
 * Sends @iq and waits for the result or error with the same id from the
 * entity it was sent to (a reply without 'from', like a request without
 * 'to', means the peer; anything else is not the answer, RFC 6120 §8.1.2.1).
 *
 * The finish function returns (transfer full) the result stanza, or NULL
 * with: the CW_STANZA_ERROR of an error reply; G_IO_ERROR_TIMED_OUT after
 * the IQ timeout; G_IO_ERROR_CANCELLED; G_IO_ERROR_EXISTS when an IQ with
 * the same id is still waiting; the error that ended the stream, or
 * G_IO_ERROR_CLOSED when it ended cleanly before the reply.
 */
void cw_porter_send_iq_async (CwPorter *self, CwElement *iq, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
CwElement *cw_porter_send_iq_finish (CwPorter *self, GAsyncResult *result, GError **error);

/* Answers a get or set IQ with a result carrying @payload (transfer full,
 * nullable). Fire and forget: a failure to send is only logged. */
void cw_porter_send_iq_result (CwPorter *self, const CwElement *request, CwElement *payload);
/* Answers @request with an error reply (cw_stanza_error_reply()). Fire
 * and forget. */
void cw_porter_send_iq_error (CwPorter *self, const CwElement *request, const GError *error);

/**
 * cw_porter_close_async:
 *
 * The close handshake (RFC 6120 §4.4): sends </stream:stream>, keeps
 * dispatching what the peer still sends, waits for its </stream:stream>
 * up to the close timeout, then closes the GIOStream. Starts the porter
 * if needed. Succeeds when the peer closed cleanly; fails with
 * G_IO_ERROR_TIMED_OUT when it did not answer in time, or with the error
 * that ended the stream. The GIOStream is closed in every case.
 * Cancelling stops the wait (G_IO_ERROR_CANCELLED), not the handshake.
 */
void cw_porter_close_async (CwPorter *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean cw_porter_close_finish (CwPorter *self, GAsyncResult *result, GError **error);

/**
 * cw_porter_force_close_async:
 *
 * Ends at once without any more XML: closes the GIOStream, fails pending
 * sends and IQs with G_IO_ERROR_CLOSED, and a pending close with it too.
 * Succeeds, also when the porter had already finished.
 */
void cw_porter_force_close_async (CwPorter *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_porter_force_close_finish (CwPorter *self, GAsyncResult *result, GError **error);

/* Signals:
 * "closing" (void): the peer sent </stream:stream>. The porter answers with
 *   its own once the handlers return (stanzas they send go out before it)
 *   and then closes the GIOStream.
 * "remote-error" (const GError *): the stream ended badly: the peer's
 *   <stream:error> (CW_STREAM_ERROR), bad XML from it (CW_STREAM_ERROR,
 *   answered with that stream error), the connection dropping without a
 *   close (CW_XMPP_CONNECTION_ERROR_EOS) or an I/O error.
 * "unhandled-stanza" (CwElement *, as a pointer): a message, presence or
 *   other element no handler took; it is then dropped. Unhandled IQ gets
 *   and sets are answered with service-unavailable instead.
 * "closed" (void): the GIOStream is closed; nothing more will happen. */

G_END_DECLS
