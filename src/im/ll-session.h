/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlSession: the link-local peer — presence, roster, chats, queue and history. */
#pragma once

#include <gio/gio.h>

#include "ll/discovery.h"
#include "ll/roster.h"
#include "ll/txt-record.h"
#include "store/message.h"

G_BEGIN_DECLS

typedef struct
{
  const gchar *name;        /* instance name to publish, "user@machine" */
  const gchar *nick;        /* nullable */
  const gchar *first;       /* nullable */
  const gchar *last;        /* nullable */
  const gchar *email;       /* nullable */
  const gchar *jid;         /* nullable */
  gboolean publish_personal;/* FALSE: 1st/last/email/jid stay private */
  guint16 port;             /* 0: 5298 when free */
  const gchar *db_path;     /* SQLite file for the queue and history */
  guint idle_timeout_s;     /* 0: the default */
} CwLlSessionConfig;

#define CW_LL_SESSION_ERROR (cw_ll_session_error_quark ())
GQuark cw_ll_session_error_quark (void);
typedef enum
{
  CW_LL_SESSION_ERROR_UNKNOWN_PEER,  /* never seen, not queued for, no history */
  CW_LL_SESSION_ERROR_INVALID,       /* empty or malformed input */
} CwLlSessionError;

#define CW_TYPE_LL_SESSION (cw_ll_session_get_type ())
G_DECLARE_FINAL_TYPE (CwLlSession, cw_ll_session, CW, LL_SESSION, GObject)

CwLlSession *cw_ll_session_new (const CwLlSessionConfig *config, CwLlDiscovery *discovery,
                                GError **error);
/* Listens, publishes and browses. */
gboolean cw_ll_session_start (CwLlSession *self, GError **error);
/* Withdraws our record and closes every stream properly. */
void cw_ll_session_stop_async (CwLlSession *self, GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_ll_session_stop_finish (CwLlSession *self, GAsyncResult *result, GError **error);

/* The name we are published under (after any collision rename). */
const gchar *cw_ll_session_get_name (CwLlSession *self);
guint16 cw_ll_session_get_port (CwLlSession *self);
CwLlRoster *cw_ll_session_get_roster (CwLlSession *self);
CwLlDiscovery *cw_ll_session_get_discovery (CwLlSession *self);

void cw_ll_session_set_presence (CwLlSession *self, CwLlStatus status, const gchar *message);
CwLlStatus cw_ll_session_get_status (CwLlSession *self);
const gchar *cw_ll_session_get_status_message (CwLlSession *self);

/* The most text one message may carry, counted as escaped XML: peers
 * refuse stanzas above 256 KiB, and the envelope needs room. */
#define CW_LL_SESSION_MAX_BODY (192 * 1024)

/* Queues @body for @peer (persisted before returning) and sends it when
 * the peer can be reached. (transfer full) the queued message. */
CwMessage *cw_ll_session_send_message (CwLlSession *self, const gchar *peer, const gchar *body,
                                       GError **error);
/* Sends a XEP-0085 chat state ("composing", "paused", …) if connected. */
void cw_ll_session_send_chat_state (CwLlSession *self, const gchar *peer, const gchar *state);
/* Newest first, @limit at most, older than @before_id (0: newest). */
GPtrArray *cw_ll_session_history (CwLlSession *self, const gchar *peer, gint64 before_id,
                                  guint limit, GError **error);

/* Signals:
 *  "message-received" (CwMessage *)        — a new incoming chat message
 *  "message-state"    (CwMessage *)        — an outgoing message changed state
 *  "chat-state"       (const gchar *peer, const gchar *state)
 *  "name-changed"     (const gchar *name)  — published under a new name
 */

G_END_DECLS
