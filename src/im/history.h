/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwHistory: the conversations kept with each peer, both directions, paged. */
#pragma once

#include <glib-object.h>

#include "store/store.h"

G_BEGIN_DECLS

/* Outgoing messages enter the history through CwMessageQueue; this object
 * records incoming ones and reads pages of both. */
#define CW_TYPE_HISTORY (cw_history_get_type ())
G_DECLARE_FINAL_TYPE (CwHistory, cw_history, CW, HISTORY, GObject)

CwHistory *cw_history_new (CwStore *store);

/**
 * cw_history_record_incoming:
 * @peer: the sender, normalised (bare JID or link-local name)
 * @stanza_id: (nullable): the stanza's id attribute
 * @type: (nullable): the message type; NULL for "chat"
 * @out_duplicate: (out) (optional): TRUE when the message was already there
 *
 * Keeps a received message, once: a sender that resends after a crash
 * reuses the stanza id, so a message from @peer with the same @stanza_id
 * and the same body and thread is the one already stored, and that one is
 * returned. Matching the body as well as the id keeps us from dropping a
 * real message from a client that reuses ids across sessions. Without a
 * stanza id nothing can be matched, so every message is kept.
 *
 * A duplicate must still be acknowledged (XEP-0184 receipt) when asked:
 * the sender resends until it gets one.
 *
 * Returns: (transfer full): the stored message, or NULL with @error set.
 */
CwMessage *cw_history_record_incoming (CwHistory *self, const gchar *peer, const gchar *stanza_id,
                                       const gchar *type, const gchar *body,
                                       const gchar *thread, gboolean *out_duplicate,
                                       GError **error);

/**
 * cw_history_get_page:
 * @before_id: messages older than this id; 0 for the newest
 * @limit: at most this many (> 0)
 *
 * A page of the conversation with @peer, both directions, newest first.
 * For the next (older) page pass the id of the last message of this one:
 * pages neither skip nor repeat a message, even while new ones arrive.
 *
 * Returns: (transfer full) (element-type CwMessage): the page, empty after
 * the oldest message; NULL with @error set on failure.
 */
GPtrArray *cw_history_get_page (CwHistory *self, const gchar *peer, gint64 before_id, guint limit,
                                GError **error);

G_END_DECLS
