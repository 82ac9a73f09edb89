/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwStore: chinwag's one storage interface, kept in a SQLite file (WAL). */
#pragma once

#include <gio/gio.h>

#include "store/message.h"
#include "store/store-error.h"

G_BEGIN_DECLS

/* The interface is record-level: callers never see SQL or SQLite types, so
 * the backend can change (PostgreSQL for a large gateway) behind it. Each
 * kind of record has its own group of cw_store_<record>_* functions. This
 * is the link-local peer's store (messages); the gateway keeps its records
 * (accounts, rosters, offline messages, archives) in CwGatewayStore, a file
 * of its own with its own migrations (store/gateway-store.h).
 *
 * Durability: a call that changes data returns only once the change is
 * committed and fsync()ed (WAL, synchronous=FULL), so whatever a caller has
 * acknowledged survives kill -9 of the daemon and a power cut.
 *
 * A CwStore is not thread-safe: use it from one thread. Several CwStores
 * (in one process or several) may share a file. */

#define CW_TYPE_STORE (cw_store_get_type ())
G_DECLARE_FINAL_TYPE (CwStore, cw_store, CW, STORE, GObject)

/**
 * cw_store_open:
 * @path: the database file; created (mode 0600) when missing
 *
 * Opens the store and brings its schema up to date, one migration per
 * transaction. Refuses, without changing it, a file written by a newer
 * chinwag (CW_STORE_ERROR_TOO_NEW) or by another program
 * (CW_STORE_ERROR_NOT_A_STORE).
 *
 * Returns: (transfer full): the store, or NULL with @error set.
 */
CwStore *cw_store_open (const gchar *path, GError **error);

const gchar *cw_store_get_path (CwStore *self);
/* The file's schema version (PRAGMA user_version) after migration. */
guint cw_store_get_schema_version (CwStore *self);
/* The newest schema version this build knows. */
guint cw_store_get_latest_schema_version (void);

/* Messages: the outgoing queue and the history, both directions. */

/**
 * cw_store_message_insert:
 * @message: an unsaved message (id 0); created_at 0 means now
 *
 * Saves @message and sets its id, created_at and updated_at.
 */
gboolean cw_store_message_insert (CwStore *self, CwMessage *message, GError **error);

/* Returns: (transfer full): the message, or NULL with CW_STORE_ERROR_NOT_FOUND. */
CwMessage *cw_store_message_get (CwStore *self, gint64 id, GError **error);

/**
 * cw_store_message_update:
 * @message: a saved message
 * @from_states: CW_MESSAGE_STATE_BIT()s: the states the stored row may be in
 *
 * Writes @message's state, receipt_requested, attempts and error, and sets
 * its updated_at, as one compare-and-swap: if the stored row is no longer
 * in one of @from_states nothing changes and CW_STORE_ERROR_CONFLICT is set.
 */
gboolean cw_store_message_update (CwStore *self, CwMessage *message, guint from_states,
                                  GError **error);

/**
 * cw_store_message_list_by_state:
 * @peer: (nullable): NULL for every peer
 *
 * Returns: (transfer full) (element-type CwMessage): messages in @state,
 * oldest first; NULL on error.
 */
GPtrArray *cw_store_message_list_by_state (CwStore *self, const gchar *peer, CwMessageState state,
                                           GError **error);

/* Returns: (transfer full) (element-type CwMessage): messages exchanged with
 * @peer in @direction carrying @stanza_id, oldest first; NULL on error. */
GPtrArray *cw_store_message_find_by_stanza_id (CwStore *self, const gchar *peer,
                                               CwMessageDirection direction,
                                               const gchar *stanza_id, GError **error);

/**
 * cw_store_message_history:
 * @before_id: return messages older than this id; 0 for the newest
 * @limit: at most this many (> 0)
 *
 * One page of the conversation with @peer, both directions, newest first.
 * Pass the last id of a page as @before_id to get the next one.
 *
 * Returns: (transfer full) (element-type CwMessage): NULL on error.
 */
GPtrArray *cw_store_message_history (CwStore *self, const gchar *peer, gint64 before_id,
                                     guint limit, GError **error);

G_END_DECLS
