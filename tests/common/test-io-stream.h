/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwTestStream: two connected in-memory GIOStreams with fault injection, for tests. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What end 0 writes, end 1 reads, and the other way round. Everything runs
 * in the calling thread: async operations complete in the thread-default
 * main context current when they were started, never in a worker thread,
 * so a test's private GMainContext drives them all.
 *
 * Closing an end (g_io_stream_close on it) is a peer hanging up: the other
 * end reads what was already written and then end-of-stream (0 bytes), and
 * its writes fail with G_IO_ERROR_BROKEN_PIPE. Operations on the closed end
 * itself fail with G_IO_ERROR_CLOSED, pending ones included. */
#define CW_TYPE_TEST_STREAM (cw_test_stream_get_type ())
G_DECLARE_FINAL_TYPE (CwTestStream, cw_test_stream, CW, TEST_STREAM, GObject)

CwTestStream *cw_test_stream_new (void);

/* Returns: (transfer none): end 0 or 1, valid while @self lives. */
GIOStream *cw_test_stream_get_end (CwTestStream *self, guint end);

/* At most @max bytes per read on @end (0: no limit, the default). 1 makes
 * every read return a single byte, to exercise parsers across chunks. */
void cw_test_stream_set_max_read (CwTestStream *self, guint end, gsize max);
/* At most @max bytes accepted per write on @end (0: no limit), so
 * g_output_stream_write_all has to loop. */
void cw_test_stream_set_max_write (CwTestStream *self, guint end, gsize max);

/* The next read on @end fails with a copy of @error — the one in progress
 * at once. One-shot: later reads work again. */
void cw_test_stream_fail_next_read (CwTestStream *self, guint end, const GError *error);
/* The next write on @end fails with a copy of @error. One-shot. */
void cw_test_stream_fail_next_write (CwTestStream *self, guint end, const GError *error);

/* While blocked, async writes on @end stay pending, like writes to a peer
 * that stopped reading; unblocking lets them complete. */
void cw_test_stream_set_write_blocked (CwTestStream *self, guint end, gboolean blocked);

/* Raw access for tests that play the peer by hand. push_incoming makes
 * @end read @data next, as if the other end had written it; take_incoming
 * removes and returns (NUL-terminated) what is waiting to be read by @end. */
void cw_test_stream_push_incoming (CwTestStream *self, guint end, const gchar *data, gssize len);
gchar *cw_test_stream_take_incoming (CwTestStream *self, guint end);

/* TRUE once @end was closed. */
gboolean cw_test_stream_is_closed (CwTestStream *self, guint end);

/* Async helpers for tests: a GAsyncReadyCallback that keeps its result in
 * the GAsyncResult ** given as user data, and a loop that runs @context
 * until that result is there. */
static inline void
cw_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static inline void
cw_test_wait_result (GMainContext *context, GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

G_END_DECLS
