/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwControl: a line-based command socket for tests and people (until D-Bus). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Protocol, one request line per command:
 *   roster | send PEER TEXT… | status avail|away|dnd [MESSAGE…] | history PEER | info | watch
 * A reply is zero or more data lines, then "ok[ INFO]" or "error CODE MESSAGE".
 * After "watch" answers ok, event lines follow until the client leaves. */

typedef struct _CwControlClient CwControlClient;

/* @argv: the command and its words; for commands that take free text the
 * last word is the rest of the line (see cw_control_register). */
typedef void (*CwControlHandler) (CwControlClient *client, gchar **argv, gpointer user_data);

#define CW_TYPE_CONTROL (cw_control_get_type ())
G_DECLARE_FINAL_TYPE (CwControl, cw_control, CW, CONTROL, GObject)

CwControl *cw_control_new (const gchar *socket_path, GError **error);
/* @n_words: words before the free-text remainder (-1: no remainder). */
void cw_control_register (CwControl *self, const gchar *command, gint n_words,
                          CwControlHandler handler, gpointer user_data);
/* Sends @line to every client that asked to "watch". */
void cw_control_broadcast (CwControl *self, const gchar *line);

void cw_control_client_data (CwControlClient *client, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
void cw_control_client_ok (CwControlClient *client, const gchar *info);
void cw_control_client_error (CwControlClient *client, const gchar *code, const gchar *message);
/* Makes the client a watcher (after its "ok"). */
void cw_control_client_watch (CwControlClient *client);

/* Client side: runs one command against @socket_path, prints data lines to
 * stdout and errors to stderr. Returns the process exit code: 0 ok,
 * 1 error reply, 2 unknown peer, 3 cannot reach the daemon. */
int cw_control_run_client (const gchar *socket_path, const gchar *command_line);

G_END_DECLS
