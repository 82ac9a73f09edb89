/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwMessageQueue: outgoing messages, persisted until delivered (XEP-0184 receipts). */
#pragma once

#include <glib-object.h>

#include "store/store.h"

G_BEGIN_DECLS

/* A message is written at most this many times to a peer that asks for
 * receipts but never sends one; then it FAILS instead of looping. */
#define CW_MESSAGE_QUEUE_MAX_ATTEMPTS 5

/* Life of an outgoing message:
 *
 *   enqueue                               → QUEUED
 *   QUEUED    mark_sent                   → SENT
 *   any       receipt (by stanza id)      → DELIVERED
 *   SENT      stream_ended                → DELIVERED, QUEUED or FAILED (see there)
 *   QUEUED, SENT  mark_failed             → FAILED
 *   FAILED    retry (the user asks)       → QUEUED
 *
 * Every change is committed before the call returns. Peers are compared
 * as exact strings: pass them normalised (bare JID or link-local name).
 *
 * Signals:
 *  "state-changed" (gint64 id, CwMessageState state, CwMessage *message):
 *    after every change, including a new QUEUED message; @message is the
 *    record as stored (transfer none).
 */
#define CW_TYPE_MESSAGE_QUEUE (cw_message_queue_get_type ())
G_DECLARE_FINAL_TYPE (CwMessageQueue, cw_message_queue, CW, MESSAGE_QUEUE, GObject)

/**
 * cw_message_queue_new:
 *
 * Creates the queue and recovers from the previous run: a message SENT
 * then had been written to a stream that is now gone, which is treated as
 * cw_message_queue_stream_ended() with @clean FALSE for every peer.
 *
 * Returns: (transfer full): the queue, or NULL with @error set.
 */
CwMessageQueue *cw_message_queue_new (CwStore *store, GError **error);

CwStore *cw_message_queue_get_store (CwMessageQueue *self);

/**
 * cw_message_queue_enqueue:
 * @type: (nullable): the message type; NULL for "chat"
 *
 * Queues a message with a fresh unique stanza id. It is on disk when this
 * returns: from then on it survives kill -9 of the daemon.
 *
 * Returns: (transfer full): the stored message (its id and stanza_id), or
 * NULL with @error set.
 */
CwMessage *cw_message_queue_enqueue (CwMessageQueue *self, const gchar *peer, const gchar *body,
                                     const gchar *thread, const gchar *type, GError **error);

/* Returns: (transfer full): the message, or NULL with CW_STORE_ERROR_NOT_FOUND. */
CwMessage *cw_message_queue_get (CwMessageQueue *self, gint64 id, GError **error);

/* Returns: (transfer full) (element-type CwMessage): @peer's QUEUED
 * messages, in the order they must be written; NULL on error. */
GPtrArray *cw_message_queue_pending_for_peer (CwMessageQueue *self, const gchar *peer,
                                              GError **error);

/**
 * cw_message_queue_mark_sent:
 * @receipt_requested: the stanza as written asked for a XEP-0184 receipt.
 *   Ask only peers known to support receipts: a request the peer ignores
 *   makes the message be written again on each new stream.
 *
 * Records that message @id (QUEUED) has been written to a stream.
 * CW_STORE_ERROR_CONFLICT when it was not QUEUED.
 */
gboolean cw_message_queue_mark_sent (CwMessageQueue *self, gint64 id, gboolean receipt_requested,
                                     GError **error);

/**
 * cw_message_queue_mark_delivered_by_stanza_id:
 * @peer: who sent the receipt
 * @stanza_id: the id the receipt acknowledges
 * @out_id: (out) (optional): the message that became DELIVERED, or 0 when
 *   none did — a receipt for an unknown id, another peer's message or an
 *   already delivered one is not an error.
 *
 * A receipt counts whatever the message's state: one may arrive for a
 * message that was re-queued after a crash, and then it is not written again.
 */
gboolean cw_message_queue_mark_delivered_by_stanza_id (CwMessageQueue *self, const gchar *peer,
                                                       const gchar *stanza_id, gint64 *out_id,
                                                       GError **error);

/* Gives up on message @id (QUEUED or SENT) and keeps @reason for the user. */
gboolean cw_message_queue_mark_failed (CwMessageQueue *self, gint64 id, const gchar *reason,
                                       GError **error);

/* The user asks to send FAILED message @id again: QUEUED, with its stanza
 * id kept so that a receiver that got the first copy can drop this one. */
gboolean cw_message_queue_retry (CwMessageQueue *self, gint64 id, GError **error);

/**
 * cw_message_queue_stream_ended:
 * @peer: (nullable): NULL for every peer
 * @clean: the stream ended with the peer's </stream:stream> (before or
 *   after ours), so it read what we wrote before; FALSE when the stream
 *   broke, timed out or ended with an error
 *
 * Settles @peer's SENT messages when the stream they were written to ends:
 * - receipt requested, none came: back to QUEUED, to be written again with
 *   the same stanza id so that the receiver can drop the copy (chinwag
 *   does); FAILED after CW_MESSAGE_QUEUE_MAX_ATTEMPTS writes;
 * - no receipt requested: DELIVERED if @clean; otherwise FAILED, because it
 *   may or may not have arrived and a peer without receipts has no way to
 *   drop a copy: the user decides whether to send it again (retry).
 */
gboolean cw_message_queue_stream_ended (CwMessageQueue *self, const gchar *peer, gboolean clean,
                                        GError **error);

G_END_DECLS
