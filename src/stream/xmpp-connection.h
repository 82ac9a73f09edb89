/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwXmppConnection: an XML stream over a GIOStream — headers and stanzas in and out. */
#pragma once

#include <gio/gio.h>

#include "xml/element.h"
#include "xml/reader.h"

G_BEGIN_DECLS

/* How a stream ends or refuses an operation, seen from this layer. Stream
 * errors detected in the peer's XML are CW_STREAM_ERROR instead; I/O
 * failures keep their G_IO_ERROR. Codes are stable. */
typedef enum
{
  CW_XMPP_CONNECTION_ERROR_CLOSED,    /* the peer sent </stream:stream>: a clean end */
  CW_XMPP_CONNECTION_ERROR_EOS,       /* the byte stream ended without </stream:stream> */
  CW_XMPP_CONNECTION_ERROR_NOT_OPEN,  /* send or receive before the stream header */
  CW_XMPP_CONNECTION_ERROR_IS_OPEN,   /* a second header on an open stream */
  CW_XMPP_CONNECTION_ERROR_IS_CLOSED, /* sending after our own </stream:stream> */
} CwXmppConnectionError;

#define CW_XMPP_CONNECTION_ERROR (cw_xmpp_connection_error_quark ())
GQuark cw_xmpp_connection_error_quark (void);

/* The attributes of a received <stream:stream> header. Any field may be
 * NULL when the peer left the attribute out. */
typedef struct
{
  gchar *to;         /* owned, nullable */
  gchar *from;       /* owned, nullable */
  gchar *version;    /* owned, nullable: "1.0"; absent for pre-RFC peers */
  gchar *lang;       /* owned, nullable: xml:lang */
  gchar *id;         /* owned, nullable */
  gchar *default_ns; /* owned: the content namespace the peer declared */
} CwStreamHeader;

void cw_stream_header_free (CwStreamHeader *header);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwStreamHeader, cw_stream_header_free)

#define CW_TYPE_XMPP_CONNECTION (cw_xmpp_connection_get_type ())
G_DECLARE_FINAL_TYPE (CwXmppConnection, cw_xmpp_connection, CW, XMPP_CONNECTION, GObject)

/**
 * cw_xmpp_connection_new:
 * @stream: the byte stream; the connection takes a reference and closes
 *   it only in cw_xmpp_connection_force_close_async()
 * @content_ns: the stream's content namespace, e.g. "jabber:client"
 *
 * Reading starts with the default limits (cw_reader_limits_init_default()).
 *
 * Returns: (transfer full): a connection with nothing sent or received.
 */
CwXmppConnection *cw_xmpp_connection_new (GIOStream *stream, const gchar *content_ns);

/* Returns: (transfer none): the GIOStream given at construction. */
GIOStream *cw_xmpp_connection_get_io_stream (CwXmppConnection *self);
/* Returns: the size of the buffer the next read goes into: small while
 * the peer sends little (an idle connection holds only this), larger while
 * reads fill it. */
gsize cw_xmpp_connection_get_read_buffer_size (CwXmppConnection *self);
/* Returns: (transfer none): the content namespace given at construction. */
const gchar *cw_xmpp_connection_get_content_ns (CwXmppConnection *self);

/**
 * cw_xmpp_connection_set_limits:
 *
 * Changes the parser limits from the next byte read on, e.g. from
 * cw_reader_limits_init_preauth() to the defaults after authentication.
 * The limits survive cw_xmpp_connection_reset().
 */
void cw_xmpp_connection_set_limits (CwXmppConnection *self, const CwReaderLimits *limits);
void cw_xmpp_connection_get_limits (CwXmppConnection *self, CwReaderLimits *limits);

/* Sending. Every send goes through one queue: several may be outstanding,
 * bytes go out in call order, and each completes once its bytes were
 * written to the GOutputStream. A send cancelled while still queued fails
 * with G_IO_ERROR_CANCELLED and writes nothing; once its bytes have started
 * to go out it runs to completion, since half a stanza would break the
 * stream. A write error fails that send and every one queued behind it. */

/**
 * cw_xmpp_connection_send_open_async:
 * @to: (nullable): the peer's address
 * @from: (nullable): ours
 * @version: (nullable): "1.0" for RFC 6120 streams
 * @lang: (nullable): xml:lang
 * @id: (nullable): stream id; the receiving entity of a stream sets one
 *
 * Writes the XML declaration and the <stream:stream> start tag declaring
 * the content namespace. Fails with CW_XMPP_CONNECTION_ERROR_IS_OPEN when
 * our header was already sent since the last reset.
 */
void cw_xmpp_connection_send_open_async (CwXmppConnection *self, const gchar *to, const gchar *from,
                                         const gchar *version, const gchar *lang, const gchar *id,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean cw_xmpp_connection_send_open_finish (CwXmppConnection *self, GAsyncResult *result,
                                              GError **error);

/**
 * cw_xmpp_connection_send_stanza_async:
 * @stanza: any top-level element; a reference is kept until written
 *
 * Fails with CW_XMPP_CONNECTION_ERROR_NOT_OPEN before send_open, and with
 * CW_XMPP_CONNECTION_ERROR_IS_CLOSED after send_close or send_stream_error.
 */
void cw_xmpp_connection_send_stanza_async (CwXmppConnection *self, CwElement *stanza,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean cw_xmpp_connection_send_stanza_finish (CwXmppConnection *self, GAsyncResult *result,
                                                GError **error);

/**
 * cw_xmpp_connection_send_close_async:
 *
 * Writes </stream:stream>. Nothing can be sent after it, but stanzas may
 * still arrive until the peer closes too (RFC 6120 §4.4). Does not close
 * the GIOStream.
 */
void cw_xmpp_connection_send_close_async (CwXmppConnection *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_xmpp_connection_send_close_finish (CwXmppConnection *self, GAsyncResult *result,
                                               GError **error);

/**
 * cw_xmpp_connection_send_stream_error_async:
 * @error: why the stream dies; converted by cw_stream_error_element_new(),
 *   so a CW_STREAM_ERROR keeps its condition and text, other domains become
 *   internal-server-error without their message
 *
 * Writes <stream:error> then </stream:stream>. When our header was not sent
 * yet, a bare one goes first, since the peer can only parse the error
 * inside a stream (RFC 6120 §4.9.1.1).
 */
void cw_xmpp_connection_send_stream_error_async (CwXmppConnection *self, const GError *error,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_xmpp_connection_send_stream_error_finish (CwXmppConnection *self, GAsyncResult *result,
                                                      GError **error);

/**
 * cw_xmpp_connection_send_whitespace_async:
 *
 * Writes a single space between stanzas: a keepalive (RFC 6120 §4.6.1)
 * that every peer must ignore.
 */
void cw_xmpp_connection_send_whitespace_async (CwXmppConnection *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_xmpp_connection_send_whitespace_finish (CwXmppConnection *self, GAsyncResult *result,
                                                    GError **error);

/* Receiving. One receive at a time (G_IO_ERROR_PENDING otherwise).
 * Cancelling a receive loses no data: bytes already read stay parsed and
 * are returned by the next receive. */

/**
 * cw_xmpp_connection_recv_open_async:
 *
 * Waits for the peer's <stream:stream> header.
 *
 * The finish function returns the header, or NULL with:
 * CW_STREAM_ERROR when the bytes are not a valid stream opening (including
 * CW_STREAM_ERROR_INVALID_NAMESPACE when the declared content namespace is
 * not ours); CW_XMPP_CONNECTION_ERROR_IS_OPEN when a header was already
 * received since the last reset; CW_XMPP_CONNECTION_ERROR_EOS, or a
 * G_IO_ERROR, when the byte stream ends or fails.
 */
void cw_xmpp_connection_recv_open_async (CwXmppConnection *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
CwStreamHeader *cw_xmpp_connection_recv_open_finish (CwXmppConnection *self, GAsyncResult *result,
                                                     GError **error);

/**
 * cw_xmpp_connection_recv_stanza_async:
 *
 * Waits for the next top-level element. A peer's <stream:error> is
 * returned like any stanza (cw_stream_error_from_element() reads it), so a
 * CW_STREAM_ERROR from this call always means the peer's XML broke the
 * rules and the caller should answer with that stream error.
 *
 * The finish function returns (transfer full) the element, or NULL with:
 * CW_XMPP_CONNECTION_ERROR_CLOSED once the peer sent </stream:stream> (and
 * for every receive after that); CW_XMPP_CONNECTION_ERROR_EOS when the byte
 * stream ended without it; CW_XMPP_CONNECTION_ERROR_NOT_OPEN before
 * recv_open (or when the peer restarted the stream unexpectedly); a
 * CW_STREAM_ERROR for bad XML or a limit crossed (sticky, as the parser
 * cannot resynchronise); a G_IO_ERROR from the GIOStream.
 */
void cw_xmpp_connection_recv_stanza_async (CwXmppConnection *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
CwElement *cw_xmpp_connection_recv_stanza_finish (CwXmppConnection *self, GAsyncResult *result,
                                                  GError **error);

/**
 * cw_xmpp_connection_reset:
 *
 * Starts a new stream on the same bytes after SASL (RFC 6120 §6.4.6):
 * forgets the parser state and both headers, so the next calls are
 * send_open and recv_open. Sends already queued still go out. Must not be
 * called while a receive is in progress. After STARTTLS, make a new
 * connection on the TLS stream instead.
 */
void cw_xmpp_connection_reset (CwXmppConnection *self);

/**
 * cw_xmpp_connection_force_close_async:
 *
 * Ends the connection without any more XML: stops the read and write in
 * progress, fails them and every queued send with G_IO_ERROR_CLOSED, and
 * closes the GIOStream. Call it after the close handshake, or instead of
 * one when the peer misbehaves. Later operations fail with
 * G_IO_ERROR_CLOSED.
 */
void cw_xmpp_connection_force_close_async (CwXmppConnection *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_xmpp_connection_force_close_finish (CwXmppConnection *self, GAsyncResult *result,
                                                GError **error);

/* Back-pressure. Sends are never refused, so a peer that keeps asking
 * but never reads the answers could grow the send queue without bound.
 * Above this many queued bytes (not yet written to the GOutputStream) the
 * connection reports itself congested, and whoever feeds it from the
 * peer's input (the porter) should stop receiving: TCP then slows the
 * peer down instead of our memory growing. 1 MiB is a few thousand
 * stanzas, far more than a peer that reads ever leaves waiting. */
#define CW_XMPP_CONNECTION_CONGESTION_LIMIT (1024 * 1024)

/**
 * cw_xmpp_connection_is_congested:
 *
 * TRUE from when the queued bytes exceed CW_XMPP_CONNECTION_CONGESTION_LIMIT
 * until they drop below half of it (the hysteresis avoids pausing and
 * resuming the reader for every stanza). Both changes are notified on the
 * read-only boolean property "congested" ("notify::congested").
 */
gboolean cw_xmpp_connection_is_congested (CwXmppConnection *self);
/* The bytes of queued sends not yet written, the one being written included. */
gsize cw_xmpp_connection_get_queued_bytes (CwXmppConnection *self);

/* TRUE once our </stream:stream> (or stream error) was queued. */
gboolean cw_xmpp_connection_is_close_sent (CwXmppConnection *self);
/* TRUE once the peer's </stream:stream> was received. */
gboolean cw_xmpp_connection_is_close_received (CwXmppConnection *self);

G_END_DECLS
