/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlConnectionManager: one XMPP stream per link-local peer, in both directions. */
#pragma once

#include <gio/gio.h>

#include "ll/listener.h"
#include "ll/roster.h"
#include "porter/porter.h"

G_BEGIN_DECLS

#define CW_LL_DEFAULT_IDLE_TIMEOUT_S     300
#define CW_LL_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000

#define CW_TYPE_LL_CONNECTION_MANAGER (cw_ll_connection_manager_get_type ())
G_DECLARE_FINAL_TYPE (CwLlConnectionManager, cw_ll_connection_manager, CW,
                      LL_CONNECTION_MANAGER, GObject)

/* @listener (nullable): incoming streams are accepted from it. */
CwLlConnectionManager *cw_ll_connection_manager_new (CwLlRoster *roster, CwLlListener *listener,
                                                     const gchar *self_name);
void cw_ll_connection_manager_set_self_name (CwLlConnectionManager *self, const gchar *name);
/* Streams idle this long are closed with </stream:stream>. 0: never. */
void cw_ll_connection_manager_set_idle_timeout (CwLlConnectionManager *self, guint seconds);
/* Time a peer gets to connect/open its stream before we give up. */
void cw_ll_connection_manager_set_handshake_timeout (CwLlConnectionManager *self, guint ms);
/* Children of the <stream:features/> we send when a peer opens a stream
 * to us (e.g. XEP-0115 caps). Takes a reference. */
void cw_ll_connection_manager_set_features (CwLlConnectionManager *self, CwElement *features);

/* The open stream to @peer, connecting when there is none. Fails with
 * G_IO_ERROR_NOT_FOUND for a peer not in the roster, or the last connect
 * error (the peer is then marked unreachable in the roster). */
void cw_ll_connection_manager_get_porter_async (CwLlConnectionManager *self, const gchar *peer,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
CwPorter *cw_ll_connection_manager_get_porter_finish (CwLlConnectionManager *self,
                                                      GAsyncResult *result, GError **error);
/* (transfer none) the open stream to @peer, or NULL. */
CwPorter *cw_ll_connection_manager_lookup (CwLlConnectionManager *self, const gchar *peer);
/* Activity on @peer's stream: restarts its idle timer. */
void cw_ll_connection_manager_touch (CwLlConnectionManager *self, const gchar *peer);
/* Closes @peer's stream properly (e.g. it spoke for someone else). */
void cw_ll_connection_manager_drop (CwLlConnectionManager *self, const gchar *peer,
                                    const GError *stream_error);
/* Closes every stream with </stream:stream>; completes when all ended or
 * after the close timeout. */
void cw_ll_connection_manager_close_all_async (CwLlConnectionManager *self,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean cw_ll_connection_manager_close_all_finish (CwLlConnectionManager *self,
                                                    GAsyncResult *result, GError **error);

/* Signals:
 *  "porter-added"   (const gchar *peer, CwPorter *porter, gboolean incoming)
 *      every stream that opens, before it dispatches anything: register
 *      handlers here. A stream that loses a simultaneous-connect race is
 *      announced too (it may still carry stanzas) but is closed at once.
 *  "porter-removed" (const gchar *peer, gboolean clean)
 *      @peer's current stream ended; @clean when our </stream:stream> was
 *      answered by the peer's.
 */

G_END_DECLS
