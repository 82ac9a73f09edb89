/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwTestStream: two connected in-memory GIOStreams with fault injection, for tests. */
#include "config.h"
#include "test-io-stream.h"

#include <string.h>

/* The GIO classes behind each end. They point back at the pair without
 * owning it; the pair clears those pointers when it goes away, after which
 * every operation fails with G_IO_ERROR_CLOSED. */
#define CW_TYPE_TEST_INPUT (cw_test_input_get_type ())
G_DECLARE_FINAL_TYPE (CwTestInput, cw_test_input, CW, TEST_INPUT, GInputStream)
#define CW_TYPE_TEST_OUTPUT (cw_test_output_get_type ())
G_DECLARE_FINAL_TYPE (CwTestOutput, cw_test_output, CW, TEST_OUTPUT, GOutputStream)
#define CW_TYPE_TEST_IO (cw_test_io_get_type ())
G_DECLARE_FINAL_TYPE (CwTestIo, cw_test_io, CW, TEST_IO, GIOStream)

struct _CwTestInput
{
  GInputStream parent;
  CwTestStream *owner; /* unowned, nullable */
  guint end;
};

struct _CwTestOutput
{
  GOutputStream parent;
  CwTestStream *owner; /* unowned, nullable */
  guint end;
};

struct _CwTestIo
{
  GIOStream parent;
  CwTestStream *owner; /* unowned, nullable */
  guint end;
  CwTestInput *in;   /* owned */
  CwTestOutput *out; /* owned */
};

/* A pending async read: where to put the bytes. */
typedef struct
{
  void *buffer; /* unowned: the caller's, valid until completion */
  gsize count;
} ReadRequest;

/* A pending async write, held while writes are blocked. */
typedef struct
{
  const void *buffer; /* unowned: the caller's, valid until completion */
  gsize count;
} WriteRequest;

typedef struct
{
  CwTestIo *io;         /* owned */
  GByteArray *incoming; /* owned: written by the other end, not yet read here */
  gboolean closed;
  gsize max_read;  /* 0: no limit */
  gsize max_write; /* 0: no limit */
  gboolean write_blocked;
  GError *read_error;   /* owned, nullable: fails the next read */
  GError *write_error;  /* owned, nullable: fails the next write */
  GTask *pending_read;  /* owned, nullable: task data is a ReadRequest */
  GTask *pending_write; /* owned, nullable: task data is a WriteRequest */
} End;

struct _CwTestStream
{
  GObject parent;
  End ends[2];
};

G_DEFINE_TYPE (CwTestStream, cw_test_stream, G_TYPE_OBJECT)
G_DEFINE_TYPE (CwTestInput, cw_test_input, G_TYPE_INPUT_STREAM)
G_DEFINE_TYPE (CwTestOutput, cw_test_output, G_TYPE_OUTPUT_STREAM)
G_DEFINE_TYPE (CwTestIo, cw_test_io, G_TYPE_IO_STREAM)

/* ---- the byte pipes ------------------------------------------------------ */

#define CANCEL_WATCH_KEY "cw-test-stream-cancel-watch"

/* Takes a task out of its pending slot: its cancel watch (see park) goes,
 * so it can never fire for a task that is no longer parked. */
static GTask *
unpark (GTask *task)
{
  g_object_set_data (G_OBJECT (task), CANCEL_WATCH_KEY, NULL);
  return task;
}

static gssize
do_read (CwTestStream *self, guint end, void *buffer, gsize count, GError **error)
{
  End *e = &self->ends[end];
  gsize n;

  if (e->read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&e->read_error));
      return -1;
    }
  if (e->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "stream end is closed");
      return -1;
    }
  n = MIN (count, e->incoming->len);
  if (e->max_read != 0)
    n = MIN (n, e->max_read);
  memcpy (buffer, e->incoming->data, n);
  g_byte_array_remove_range (e->incoming, 0, n);
  return n;
}

/* TRUE when a read on @end would not have to wait. */
static gboolean
can_read (CwTestStream *self, guint end)
{
  End *e = &self->ends[end];

  return e->read_error != NULL || e->closed || e->incoming->len > 0 || self->ends[1 - end].closed;
}

static void
serve_read (CwTestStream *self, guint end)
{
  End *e = &self->ends[end];
  g_autoptr (GTask) task = NULL;
  ReadRequest *req;
  GError *error = NULL;
  gssize n;

  if (e->pending_read == NULL || !can_read (self, end))
    return;
  task = unpark (g_steal_pointer (&e->pending_read));
  req = g_task_get_task_data (task);
  n = do_read (self, end, req->buffer, req->count, &error);
  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

static gssize
do_write (CwTestStream *self, guint end, const void *buffer, gsize count, GError **error)
{
  End *e = &self->ends[end];
  End *peer = &self->ends[1 - end];
  gsize n = count;

  if (e->write_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&e->write_error));
      return -1;
    }
  if (e->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "stream end is closed");
      return -1;
    }
  if (peer->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the peer closed its end");
      return -1;
    }
  if (e->max_write != 0)
    n = MIN (n, e->max_write);
  g_byte_array_append (peer->incoming, buffer, n);
  serve_read (self, 1 - end);
  return n;
}

static void
serve_write (CwTestStream *self, guint end)
{
  End *e = &self->ends[end];
  g_autoptr (GTask) task = NULL;
  WriteRequest *req;
  GError *error = NULL;
  gssize n;

  if (e->pending_write == NULL)
    return;
  /* Errors and hang-ups are reported even while blocked, as a socket
   * reports a reset even when its send buffer is full. */
  if (e->write_blocked && e->write_error == NULL && !e->closed && !self->ends[1 - end].closed)
    return;
  task = unpark (g_steal_pointer (&e->pending_write));
  req = g_task_get_task_data (task);
  n = do_write (self, end, req->buffer, req->count, &error);
  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

static void
close_end (CwTestStream *self, guint end)
{
  if (self->ends[end].closed)
    return;
  self->ends[end].closed = TRUE;
  serve_read (self, end);
  serve_write (self, end);
  serve_read (self, 1 - end);
  serve_write (self, 1 - end);
}

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static gboolean
owner_or_error (CwTestStream *owner, GError **error)
{
  if (owner != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "test stream is gone");
  return FALSE;
}

/* A pending operation gives up when its cancellable fires, as a socket
 * read does; data stays in the pipe for the next read. */
typedef struct
{
  CwTestStream *owner; /* unowned: the source is destroyed with the task */
  guint end;
  gboolean is_read;
} CancelWatch;

static gboolean
on_pending_cancelled (GCancellable *cancellable, gpointer user_data)
{
  CancelWatch *watch = user_data;
  End *e = &watch->owner->ends[watch->end];
  GTask **slot = watch->is_read ? &e->pending_read : &e->pending_write;
  g_autoptr (GTask) task = unpark (g_steal_pointer (slot));

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Parks @task (consumed) as the pending read or write of @end. */
static void
park (CwTestStream *self, guint end, gboolean is_read, GTask *task)
{
  End *e = &self->ends[end];
  GTask **slot = is_read ? &e->pending_read : &e->pending_write;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_assert (*slot == NULL);
  if (cancellable != NULL)
    {
      CancelWatch *watch = g_new0 (CancelWatch, 1);
      g_autoptr (GSource) source = g_cancellable_source_new (cancellable);

      watch->owner = self;
      watch->end = end;
      watch->is_read = is_read;
      g_source_set_callback (source, G_SOURCE_FUNC (on_pending_cancelled), watch, g_free);
      g_source_attach (source, g_task_get_context (task));
      /* Dropped by unpark() or with the task. */
      g_object_set_data_full (G_OBJECT (task), CANCEL_WATCH_KEY, g_source_ref (source),
                              (GDestroyNotify)destroy_source);
    }
  *slot = task;
}

/* ---- CwTestInput ---------------------------------------------------------- */

static gssize
cw_test_input_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                    GError **error)
{
  CwTestInput *in = CW_TEST_INPUT (stream);

  if (!owner_or_error (in->owner, error))
    return -1;
  if (!can_read (in->owner, in->end))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "no data to read");
      return -1;
    }
  return do_read (in->owner, in->end, buffer, count, error);
}

static void
cw_test_input_read_async (GInputStream *stream, void *buffer, gsize count, int io_priority,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  CwTestInput *in = CW_TEST_INPUT (stream);
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);
  ReadRequest *req = g_new0 (ReadRequest, 1);
  GError *error = NULL;

  req->buffer = buffer;
  req->count = count;
  g_task_set_task_data (task, req, g_free);
  if (!owner_or_error (in->owner, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  park (in->owner, in->end, TRUE, g_steal_pointer (&task));
  serve_read (in->owner, in->end);
}

static gssize
cw_test_input_read_finish (GInputStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
cw_test_input_class_init (CwTestInputClass *klass)
{
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  input_class->read_fn = cw_test_input_read;
  input_class->read_async = cw_test_input_read_async;
  input_class->read_finish = cw_test_input_read_finish;
}

static void
cw_test_input_init (CwTestInput *self)
{
}

/* ---- CwTestOutput --------------------------------------------------------- */

static gssize
cw_test_output_write (GOutputStream *stream, const void *buffer, gsize count,
                      GCancellable *cancellable, GError **error)
{
  CwTestOutput *out = CW_TEST_OUTPUT (stream);

  if (!owner_or_error (out->owner, error))
    return -1;
  return do_write (out->owner, out->end, buffer, count, error);
}

static void
cw_test_output_write_async (GOutputStream *stream, const void *buffer, gsize count, int io_priority,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  CwTestOutput *out = CW_TEST_OUTPUT (stream);
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);
  WriteRequest *req = g_new0 (WriteRequest, 1);
  GError *error = NULL;

  req->buffer = buffer;
  req->count = count;
  g_task_set_task_data (task, req, g_free);
  if (!owner_or_error (out->owner, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  park (out->owner, out->end, FALSE, g_steal_pointer (&task));
  serve_write (out->owner, out->end);
}

static gssize
cw_test_output_write_finish (GOutputStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
cw_test_output_class_init (CwTestOutputClass *klass)
{
  GOutputStreamClass *output_class = G_OUTPUT_STREAM_CLASS (klass);

  output_class->write_fn = cw_test_output_write;
  output_class->write_async = cw_test_output_write_async;
  output_class->write_finish = cw_test_output_write_finish;
}

static void
cw_test_output_init (CwTestOutput *self)
{
}

/* ---- CwTestIo ------------------------------------------------------------- */

static GInputStream *
cw_test_io_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (CW_TEST_IO (stream)->in);
}

static GOutputStream *
cw_test_io_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (CW_TEST_IO (stream)->out);
}

/* Closes the end itself rather than its two halves: g_input_stream_close
 * refuses to run while a read is pending, and a hang-up must end those. */
static gboolean
cw_test_io_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  CwTestIo *io = CW_TEST_IO (stream);

  if (io->owner != NULL)
    close_end (io->owner, io->end);
  return TRUE;
}

/* GIOStream's default runs close in a worker thread; these pipes are not
 * thread-safe and the tests want determinism, so close right here. */
static void
cw_test_io_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);

  cw_test_io_close (stream, cancellable, NULL);
  g_task_return_boolean (task, TRUE);
}

static gboolean
cw_test_io_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cw_test_io_dispose (GObject *object)
{
  CwTestIo *io = CW_TEST_IO (object);

  g_clear_object (&io->in);
  g_clear_object (&io->out);
  G_OBJECT_CLASS (cw_test_io_parent_class)->dispose (object);
}

static void
cw_test_io_class_init (CwTestIoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = cw_test_io_dispose;
  io_class->get_input_stream = cw_test_io_get_input_stream;
  io_class->get_output_stream = cw_test_io_get_output_stream;
  io_class->close_fn = cw_test_io_close;
  io_class->close_async = cw_test_io_close_async;
  io_class->close_finish = cw_test_io_close_finish;
}

static void
cw_test_io_init (CwTestIo *self)
{
}

/* ---- CwTestStream --------------------------------------------------------- */

static void
cw_test_stream_dispose (GObject *object)
{
  CwTestStream *self = CW_TEST_STREAM (object);

  for (guint i = 0; i < 2; i++)
    close_end (self, i);
  for (guint i = 0; i < 2; i++)
    {
      End *e = &self->ends[i];

      if (e->io != NULL)
        {
          e->io->owner = NULL;
          e->io->in->owner = NULL;
          e->io->out->owner = NULL;
        }
      g_clear_object (&e->io);
    }
  G_OBJECT_CLASS (cw_test_stream_parent_class)->dispose (object);
}

static void
cw_test_stream_finalize (GObject *object)
{
  CwTestStream *self = CW_TEST_STREAM (object);

  for (guint i = 0; i < 2; i++)
    {
      End *e = &self->ends[i];

      g_clear_pointer (&e->incoming, g_byte_array_unref);
      g_clear_error (&e->read_error);
      g_clear_error (&e->write_error);
    }
  G_OBJECT_CLASS (cw_test_stream_parent_class)->finalize (object);
}

static void
cw_test_stream_class_init (CwTestStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_test_stream_dispose;
  object_class->finalize = cw_test_stream_finalize;
}

static void
cw_test_stream_init (CwTestStream *self)
{
  for (guint i = 0; i < 2; i++)
    {
      End *e = &self->ends[i];

      e->incoming = g_byte_array_new ();
      e->io = g_object_new (CW_TYPE_TEST_IO, NULL);
      e->io->owner = self;
      e->io->end = i;
      e->io->in = g_object_new (CW_TYPE_TEST_INPUT, NULL);
      e->io->in->owner = self;
      e->io->in->end = i;
      e->io->out = g_object_new (CW_TYPE_TEST_OUTPUT, NULL);
      e->io->out->owner = self;
      e->io->out->end = i;
    }
}

CwTestStream *
cw_test_stream_new (void)
{
  return g_object_new (CW_TYPE_TEST_STREAM, NULL);
}

GIOStream *
cw_test_stream_get_end (CwTestStream *self, guint end)
{
  g_return_val_if_fail (end < 2, NULL);
  return G_IO_STREAM (self->ends[end].io);
}

void
cw_test_stream_set_max_read (CwTestStream *self, guint end, gsize max)
{
  g_return_if_fail (end < 2);
  self->ends[end].max_read = max;
}

void
cw_test_stream_set_max_write (CwTestStream *self, guint end, gsize max)
{
  g_return_if_fail (end < 2);
  self->ends[end].max_write = max;
}

void
cw_test_stream_fail_next_read (CwTestStream *self, guint end, const GError *error)
{
  g_return_if_fail (end < 2 && error != NULL);
  g_clear_error (&self->ends[end].read_error);
  self->ends[end].read_error = g_error_copy (error);
  serve_read (self, end);
}

void
cw_test_stream_fail_next_write (CwTestStream *self, guint end, const GError *error)
{
  g_return_if_fail (end < 2 && error != NULL);
  g_clear_error (&self->ends[end].write_error);
  self->ends[end].write_error = g_error_copy (error);
  serve_write (self, end);
}

void
cw_test_stream_set_write_blocked (CwTestStream *self, guint end, gboolean blocked)
{
  g_return_if_fail (end < 2);
  self->ends[end].write_blocked = blocked;
  serve_write (self, end);
}

void
cw_test_stream_push_incoming (CwTestStream *self, guint end, const gchar *data, gssize len)
{
  g_return_if_fail (end < 2 && data != NULL);
  if (len < 0)
    len = strlen (data);
  g_byte_array_append (self->ends[end].incoming, (const guint8 *)data, len);
  serve_read (self, end);
}

gchar *
cw_test_stream_take_incoming (CwTestStream *self, guint end)
{
  GByteArray *incoming;
  gchar *text;

  g_return_val_if_fail (end < 2, NULL);
  incoming = self->ends[end].incoming;
  text = g_strndup ((const gchar *)incoming->data, incoming->len);
  g_byte_array_set_size (incoming, 0);
  return text;
}

gboolean
cw_test_stream_is_closed (CwTestStream *self, guint end)
{
  g_return_val_if_fail (end < 2, FALSE);
  return self->ends[end].closed;
}
