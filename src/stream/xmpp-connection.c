/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwXmppConnection: an XML stream over a GIOStream — headers and stanzas in and out. */
#include "config.h"
#include "stream/xmpp-connection.h"

#include <string.h>

#include "common/debug.h"
#include "common/namespaces.h"
#include "common/xmpp-error.h"
#include "xml/stanza.h"
#include "xml/writer.h"

/* The read buffer starts small, since an idle connection always has a read
 * pending into it; a read that fills it doubles it (a burst or a big stanza
 * then takes fewer reads), and a read that fits the small size again shrinks
 * it back. */
#define READ_BUFFER_MIN (2 * 1024)
#define READ_BUFFER_MAX (64 * 1024)

G_DEFINE_QUARK (cw - xmpp - connection - error - quark, cw_xmpp_connection_error)

/* One queued write: the bytes of a header, stanza or close, and the send
 * call waiting for them to be written. */
typedef struct
{
  GTask *task;            /* owned */
  GBytes *bytes;          /* owned */
  GSource *cancel_source; /* owned, nullable: fails the task while queued */
} SendItem;

struct _CwXmppConnection
{
  GObject parent;

  GIOStream *stream; /* owned */
  gchar *content_ns; /* owned */
  CwReader *reader;  /* owned */
  CwReaderLimits limits;
  guint8 *read_buffer;            /* owned: read_buffer_size bytes */
  gsize read_buffer_size;
  GError *read_error;             /* owned, nullable: parse error, sticky */
  GTask *recv_task;               /* owned, nullable: the receive in progress */
  GCancellable *read_cancellable; /* owned, nullable: the read in progress */
  gulong read_cancel_id;          /* on the recv task's cancellable */

  GQueue send_queue;               /* owned (SendItem *), waiting to be written */
  SendItem *writing;               /* owned, nullable: the item being written */
  GError *write_error;             /* owned, nullable: sticky after a failed write */
  GCancellable *write_cancellable; /* owned: only cancelled by force_close */
  gsize queued_bytes;              /* in send_queue and writing */
  gboolean congested;              /* see cw_xmpp_connection_is_congested() */

  gboolean force_closed;

  gboolean open_sent;
  gboolean open_received;
  gboolean close_sent;
  gboolean close_received;
  gboolean eos; /* the input stream returned end-of-stream */
};

G_DEFINE_TYPE (CwXmppConnection, cw_xmpp_connection, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONGESTED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
send_item_free (SendItem *item)
{
  if (item->cancel_source != NULL)
    {
      g_source_destroy (item->cancel_source);
      g_source_unref (item->cancel_source);
    }
  g_clear_object (&item->task);
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_free (item);
}

void
cw_stream_header_free (CwStreamHeader *header)
{
  if (header == NULL)
    return;
  g_free (header->to);
  g_free (header->from);
  g_free (header->version);
  g_free (header->lang);
  g_free (header->id);
  g_free (header->default_ns);
  g_free (header);
}

/* Logs a stanza in either direction, serialising only when someone reads
 * the debug output: G_MESSAGES_DEBUG=chinwag-stream. */
static void
debug_element (CwXmppConnection *self, const gchar *direction, const CwElement *el)
{
  g_autoptr (GString) text = NULL;

  if (!cw_debug_enabled (G_LOG_DOMAIN))
    return;
  text = g_string_new (NULL);
  cw_writer_append_stanza (text, el, self->content_ns);
  CW_DEBUG ("%p %s %s", (void *)self, direction, text->str);
}

/* ---- GObject ------------------------------------------------------------ */

static void
cw_xmpp_connection_dispose (GObject *object)
{
  CwXmppConnection *self = CW_XMPP_CONNECTION (object);

  /* Every pending operation holds a reference through its GTask, so
   * nothing can be in flight here. */
  g_assert (self->recv_task == NULL && self->writing == NULL);
  g_queue_clear_full (&self->send_queue, (GDestroyNotify)send_item_free);
  g_clear_object (&self->stream);
  G_OBJECT_CLASS (cw_xmpp_connection_parent_class)->dispose (object);
}

static void
cw_xmpp_connection_finalize (GObject *object)
{
  CwXmppConnection *self = CW_XMPP_CONNECTION (object);

  g_free (self->content_ns);
  g_clear_pointer (&self->reader, cw_reader_free);
  g_free (self->read_buffer);
  g_clear_error (&self->read_error);
  g_clear_error (&self->write_error);
  g_clear_object (&self->write_cancellable);
  G_OBJECT_CLASS (cw_xmpp_connection_parent_class)->finalize (object);
}

static void
cw_xmpp_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CwXmppConnection *self = CW_XMPP_CONNECTION (object);

  switch (prop_id)
    {
      case PROP_CONGESTED:
        g_value_set_boolean (value, self->congested);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cw_xmpp_connection_class_init (CwXmppConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cw_xmpp_connection_dispose;
  object_class->finalize = cw_xmpp_connection_finalize;
  object_class->get_property = cw_xmpp_connection_get_property;

  props[PROP_CONGESTED]
    = g_param_spec_boolean ("congested", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cw_xmpp_connection_init (CwXmppConnection *self)
{
  g_queue_init (&self->send_queue);
  cw_reader_limits_init_default (&self->limits);
  self->read_buffer_size = READ_BUFFER_MIN;
  self->read_buffer = g_malloc (self->read_buffer_size);
  self->write_cancellable = g_cancellable_new ();
}

CwXmppConnection *
cw_xmpp_connection_new (GIOStream *stream, const gchar *content_ns)
{
  CwXmppConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (content_ns != NULL, NULL);
  self = g_object_new (CW_TYPE_XMPP_CONNECTION, NULL);
  self->stream = g_object_ref (stream);
  self->content_ns = g_strdup (content_ns);
  self->reader = cw_reader_new (CW_READER_MODE_STREAM, &self->limits);
  return self;
}

GIOStream *
cw_xmpp_connection_get_io_stream (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), NULL);
  return self->stream;
}

const gchar *
cw_xmpp_connection_get_content_ns (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), NULL);
  return self->content_ns;
}

void
cw_xmpp_connection_set_limits (CwXmppConnection *self, const CwReaderLimits *limits)
{
  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  g_return_if_fail (limits != NULL);
  self->limits = *limits;
  cw_reader_set_limits (self->reader, limits);
}

void
cw_xmpp_connection_get_limits (CwXmppConnection *self, CwReaderLimits *limits)
{
  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  g_return_if_fail (limits != NULL);
  *limits = self->limits;
}

gboolean
cw_xmpp_connection_is_congested (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), FALSE);
  return self->congested;
}

gsize
cw_xmpp_connection_get_queued_bytes (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), 0);
  return self->queued_bytes;
}

gboolean
cw_xmpp_connection_is_close_sent (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), FALSE);
  return self->close_sent;
}

gboolean
cw_xmpp_connection_is_close_received (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), FALSE);
  return self->close_received;
}

void
cw_xmpp_connection_reset (CwXmppConnection *self)
{
  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  g_return_if_fail (self->recv_task == NULL);
  cw_reader_reset (self->reader);
  g_clear_error (&self->read_error);
  self->open_sent = self->open_received = FALSE;
  self->close_sent = self->close_received = FALSE;
}

/* ---- the send queue -------------------------------------------------------- */

static GError *
closed_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");
}

static void send_next (CwXmppConnection *self);

/* Enters the congested state above the limit and leaves it below half. */
static void
update_congestion (CwXmppConnection *self)
{
  gboolean congested = self->congested;

  if (self->queued_bytes > CW_XMPP_CONNECTION_CONGESTION_LIMIT)
    congested = TRUE;
  else if (self->queued_bytes < CW_XMPP_CONNECTION_CONGESTION_LIMIT / 2)
    congested = FALSE;
  if (congested == self->congested)
    return;
  self->congested = congested;
  CW_DEBUG ("%p %s: %" G_GSIZE_FORMAT " bytes queued", (void *)self,
            congested ? "congested" : "drained", self->queued_bytes);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONGESTED]);
}

/* An item leaves the queue, written or failed: frees it and updates the
 * count, which may notify "congested" (handlers may run here). */
static void
send_item_done (CwXmppConnection *self, SendItem *item)
{
  /* The item's task may hold the last reference to us. */
  g_autoptr (CwXmppConnection) hold = g_object_ref (self);

  g_assert (self->queued_bytes >= g_bytes_get_size (item->bytes));
  self->queued_bytes -= g_bytes_get_size (item->bytes);
  send_item_free (item);
  update_congestion (self);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwXmppConnection) self = user_data;
  SendItem *item = g_steal_pointer (&self->writing);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (self->force_closed)
        {
          g_clear_error (&error);
          error = closed_error ();
        }
      /* Part of the bytes may be out: nothing sent after them could be
       * parsed by the peer, so the failure sticks. */
      CW_DEBUG ("%p write failed: %s", (void *)self, error->message);
      if (self->write_error == NULL)
        self->write_error = g_error_copy (error);
      g_task_return_error (item->task, error);
    }
  else
    g_task_return_boolean (item->task, TRUE);
  send_item_done (self, item);
  send_next (self);
}

/* Starts writing the next queued item unless a write is in progress. */
static void
send_next (CwXmppConnection *self)
{
  while (self->writing == NULL && !g_queue_is_empty (&self->send_queue))
    {
      SendItem *item = g_queue_pop_head (&self->send_queue);
      gsize len;
      const gchar *data;

      if (self->write_error != NULL)
        {
          g_task_return_error (item->task, g_error_copy (self->write_error));
          send_item_done (self, item);
          continue;
        }
      if (g_task_return_error_if_cancelled (item->task))
        {
          send_item_done (self, item);
          continue;
        }
      if (item->cancel_source != NULL)
        {
          g_source_destroy (item->cancel_source);
          g_clear_pointer (&item->cancel_source, g_source_unref);
        }
      /* From here on the send reports what really happened to its bytes. */
      g_task_set_check_cancellable (item->task, FALSE);
      self->writing = item;
      data = g_bytes_get_data (item->bytes, &len);
      g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream), data, len,
                                       G_PRIORITY_DEFAULT, self->write_cancellable, on_written,
                                       g_object_ref (self));
    }
}

static gboolean
on_queued_send_cancelled (GCancellable *cancellable, gpointer user_data)
{
  SendItem *item = user_data;
  CwXmppConnection *self = g_task_get_source_object (item->task);

  g_queue_remove (&self->send_queue, item);
  g_task_return_error_if_cancelled (item->task);
  send_item_done (self, item);
  return G_SOURCE_REMOVE;
}

/* Queues @bytes (consumed) for writing and completes @task (consumed) once
 * they are written. */
static void
enqueue (CwXmppConnection *self, GTask *task, GBytes *bytes)
{
  SendItem *item = g_new0 (SendItem, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  item->task = task;
  item->bytes = bytes;
  if (cancellable != NULL)
    {
      item->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (item->cancel_source, G_SOURCE_FUNC (on_queued_send_cancelled), item,
                             NULL);
      g_source_attach (item->cancel_source, g_task_get_context (task));
    }
  g_queue_push_tail (&self->send_queue, item);
  self->queued_bytes += g_bytes_get_size (bytes);
  update_congestion (self);
  send_next (self);
}

/* Checks the state shared by all sends; on failure, completes @task. */
static gboolean
check_can_send (CwXmppConnection *self, GTask *task, gboolean need_open)
{
  if (g_task_return_error_if_cancelled (task))
    return FALSE;
  if (self->force_closed)
    {
      g_task_return_error (task, closed_error ());
      return FALSE;
    }
  if (self->close_sent)
    {
      g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_CLOSED,
                               "the stream was closed on our side");
      return FALSE;
    }
  if (need_open && !self->open_sent)
    {
      g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_NOT_OPEN,
                               "no stream header was sent yet");
      return FALSE;
    }
  return TRUE;
}

static gboolean
send_finish (CwXmppConnection *self, GAsyncResult *result, gpointer tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gchar *
stream_open_text (CwXmppConnection *self, const gchar *to, const gchar *from, const gchar *version,
                  const gchar *lang, const gchar *id)
{
  g_autoptr (CwElement) header = cw_element_new ("stream", CW_NS_STREAM);

  cw_element_set_attr (header, "to", to);
  cw_element_set_attr (header, "from", from);
  cw_element_set_attr (header, "version", version);
  cw_element_set_attr_ns (header, "lang", CW_NS_XML, lang);
  cw_element_set_attr (header, "id", id);
  return cw_writer_stream_open (header, self->content_ns);
}

void
cw_xmpp_connection_send_open_async (CwXmppConnection *self, const gchar *to, const gchar *from,
                                    const gchar *version, const gchar *lang, const gchar *id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  gchar *text;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_send_open_async);
  if (!check_can_send (self, task, FALSE))
    return;
  if (self->open_sent)
    {
      g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_OPEN,
                               "a stream header was already sent");
      return;
    }
  self->open_sent = TRUE;
  text = stream_open_text (self, to, from, version, lang, id);
  CW_DEBUG ("%p out %s", (void *)self, text);
  enqueue (self, g_steal_pointer (&task), g_bytes_new_take (text, strlen (text)));
}

gboolean
cw_xmpp_connection_send_open_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_send_open_async, error);
}

void
cw_xmpp_connection_send_stanza_async (CwXmppConnection *self, CwElement *stanza,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GString *text;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  g_return_if_fail (stanza != NULL && !cw_element_is_text (stanza));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_send_stanza_async);
  if (!check_can_send (self, task, TRUE))
    return;
  /* Serialised now, so later changes to @stanza cannot reach the wire. */
  text = g_string_new (NULL);
  cw_writer_append_stanza (text, stanza, self->content_ns);
  CW_DEBUG ("%p out %s", (void *)self, text->str);
  enqueue (self, g_steal_pointer (&task), g_string_free_to_bytes (text));
}

gboolean
cw_xmpp_connection_send_stanza_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_send_stanza_async, error);
}

void
cw_xmpp_connection_send_close_async (CwXmppConnection *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_send_close_async);
  if (!check_can_send (self, task, TRUE))
    return;
  self->close_sent = TRUE;
  CW_DEBUG ("%p out %s", (void *)self, CW_WRITER_STREAM_CLOSE);
  enqueue (self, g_steal_pointer (&task),
           g_bytes_new_static (CW_WRITER_STREAM_CLOSE, strlen (CW_WRITER_STREAM_CLOSE)));
}

gboolean
cw_xmpp_connection_send_close_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_send_close_async, error);
}

void
cw_xmpp_connection_send_stream_error_async (CwXmppConnection *self, const GError *error,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (CwElement) el = NULL;
  GString *text;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  g_return_if_fail (error != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_send_stream_error_async);
  if (!check_can_send (self, task, FALSE))
    return;
  text = g_string_new (NULL);
  if (!self->open_sent)
    {
      g_autofree gchar *open = stream_open_text (self, NULL, NULL, "1.0", NULL, NULL);

      g_string_append (text, open);
      self->open_sent = TRUE;
    }
  el = cw_stream_error_element_new (error);
  cw_writer_append_stanza (text, el, self->content_ns);
  g_string_append (text, CW_WRITER_STREAM_CLOSE);
  self->close_sent = TRUE;
  CW_DEBUG ("%p out %s", (void *)self, text->str);
  enqueue (self, g_steal_pointer (&task), g_string_free_to_bytes (text));
}

gboolean
cw_xmpp_connection_send_stream_error_finish (CwXmppConnection *self, GAsyncResult *result,
                                             GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_send_stream_error_async, error);
}

void
cw_xmpp_connection_send_whitespace_async (CwXmppConnection *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_send_whitespace_async);
  if (!check_can_send (self, task, TRUE))
    return;
  enqueue (self, g_steal_pointer (&task), g_bytes_new_static (" ", 1));
}

gboolean
cw_xmpp_connection_send_whitespace_finish (CwXmppConnection *self, GAsyncResult *result,
                                           GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_send_whitespace_async, error);
}

/* ---- receiving ------------------------------------------------------------ */

static void recv_step (CwXmppConnection *self);

static gboolean
recv_wants_open (GTask *task)
{
  return g_task_get_source_tag (task) == cw_xmpp_connection_recv_open_async;
}

static void
recv_return_error (CwXmppConnection *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->recv_task);

  g_task_return_error (task, error);
}

static void
recv_return_stanza (CwXmppConnection *self, CwElement *el)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->recv_task);

  debug_element (self, "in", el);
  g_task_return_pointer (task, el, (GDestroyNotify)cw_element_unref);
}

static CwStreamHeader *
header_from_element (CwXmppConnection *self, const CwElement *el)
{
  CwStreamHeader *header = g_new0 (CwStreamHeader, 1);

  header->to = g_strdup (cw_element_get_attr (el, "to"));
  header->from = g_strdup (cw_element_get_attr (el, "from"));
  header->version = g_strdup (cw_element_get_attr (el, "version"));
  header->lang = g_strdup (cw_element_get_attr_ns (el, "lang", CW_NS_XML));
  header->id = g_strdup (cw_element_get_attr (el, "id"));
  header->default_ns = g_strdup (cw_reader_get_stream_default_ns (self->reader));
  return header;
}

static void
recv_return_open (CwXmppConnection *self, CwElement *el)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->recv_task);
  const gchar *ns = cw_reader_get_stream_default_ns (self->reader);

  debug_element (self, "in", el);
  /* Stanzas in another namespace would all look foreign to the layers
   * above (RFC 6120 §4.8.5). */
  if (g_strcmp0 (ns, self->content_ns) != 0)
    {
      /* Sticky like a parse error: nothing after this header is usable. */
      self->read_error = g_error_new (CW_STREAM_ERROR, CW_STREAM_ERROR_INVALID_NAMESPACE,
                                      "expected content namespace '%s', got '%s'", self->content_ns,
                                      ns != NULL ? ns : "");
      g_task_return_error (task, g_error_copy (self->read_error));
      return;
    }
  self->open_received = TRUE;
  g_task_return_pointer (task, header_from_element (self, el),
                         (GDestroyNotify)cw_stream_header_free);
}

/* Completes the receive from what the reader already has. Returns FALSE
 * when more bytes are needed. */
static gboolean
recv_from_reader (CwXmppConnection *self)
{
  gboolean want_open = recv_wants_open (self->recv_task);
  g_autoptr (CwElement) el = NULL;

  switch (cw_reader_pop (self->reader, &el))
    {
      case CW_READER_EVENT_NONE:
        if (self->read_error == NULL)
          return FALSE;
        recv_return_error (self, g_error_copy (self->read_error));
        return TRUE;
      case CW_READER_EVENT_STREAM_OPEN:
        if (want_open)
          recv_return_open (self, el);
        else
          recv_return_error (self, g_error_new (CW_XMPP_CONNECTION_ERROR,
                                                CW_XMPP_CONNECTION_ERROR_NOT_OPEN,
                                                "unexpected stream header"));
        return TRUE;
      case CW_READER_EVENT_STANZA:
        if (want_open)
          {
            /* Unreachable: the reader reports the header first and a
             * refused header makes the stream fail for good. */
            recv_return_error (self, g_error_new (CW_XMPP_CONNECTION_ERROR,
                                                  CW_XMPP_CONNECTION_ERROR_NOT_OPEN,
                                                  "stanza before the stream header"));
            return TRUE;
          }
        recv_return_stanza (self, g_steal_pointer (&el));
        return TRUE;
      case CW_READER_EVENT_STREAM_CLOSE:
        CW_DEBUG ("%p in %s", (void *)self, CW_WRITER_STREAM_CLOSE);
        self->close_received = TRUE;
        recv_return_error (self,
                           g_error_new (CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED,
                                        "the peer closed the stream"));
        return TRUE;
    }
  g_assert_not_reached ();
}

/* After a read of @n bytes: see READ_BUFFER_MIN. The bytes were consumed
 * already, so the buffer's contents need not survive. */
static void
resize_read_buffer (CwXmppConnection *self, gsize n)
{
  gsize size = self->read_buffer_size;

  if (n == size && size < READ_BUFFER_MAX)
    size *= 2;
  else if (n <= READ_BUFFER_MIN && size > READ_BUFFER_MIN)
    size = READ_BUFFER_MIN;
  if (size == self->read_buffer_size)
    return;
  g_free (self->read_buffer);
  self->read_buffer = g_malloc (size);
  self->read_buffer_size = size;
}

gsize
cw_xmpp_connection_get_read_buffer_size (CwXmppConnection *self)
{
  g_return_val_if_fail (CW_IS_XMPP_CONNECTION (self), 0);
  return self->read_buffer_size;
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CwXmppConnection) self = user_data;
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  g_cancellable_disconnect (g_task_get_cancellable (self->recv_task), self->read_cancel_id);
  self->read_cancel_id = 0;
  g_clear_object (&self->read_cancellable);
  if (n < 0)
    {
      if (self->force_closed)
        {
          g_clear_error (&error);
          error = closed_error ();
        }
      recv_return_error (self, error);
      return;
    }
  if (n == 0)
    {
      self->eos = TRUE;
      recv_step (self);
      return;
    }
  if (self->read_error == NULL && !cw_reader_feed (self->reader, self->read_buffer, n, &error))
    {
      CW_DEBUG ("%p bad input: %s", (void *)self, error->message);
      self->read_error = error;
    }
  resize_read_buffer (self, n);
  recv_step (self);
}

static void
on_recv_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Completes the receive in progress, or reads more bytes for it. */
static void
recv_step (CwXmppConnection *self)
{
  GCancellable *cancellable;

  if (recv_from_reader (self))
    return;
  if (self->eos)
    {
      recv_return_error (self, g_error_new (CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_EOS,
                                            "the connection ended without closing the stream"));
      return;
    }
  /* A read of our own, chained to the caller's cancellable, so the caller
   * can give up on a receive without touching its GCancellable's other
   * users. */
  self->read_cancellable = g_cancellable_new ();
  cancellable = g_task_get_cancellable (self->recv_task);
  if (cancellable != NULL)
    self->read_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_recv_cancelled),
                                                  self->read_cancellable, NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->read_buffer,
                             self->read_buffer_size, G_PRIORITY_DEFAULT, self->read_cancellable, on_read,
                             g_object_ref (self));
}

static void
recv_start (CwXmppConnection *self, gpointer tag, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  gboolean want_open = tag == cw_xmpp_connection_recv_open_async;

  g_task_set_source_tag (task, tag);
  /* A stanza already taken from the parser must reach the caller even if
   * the cancellable fires before the callback runs: GTask would drop it. */
  g_task_set_check_cancellable (task, FALSE);
  if (self->recv_task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                             "another receive is in progress");
  else if (g_task_return_error_if_cancelled (task))
    return;
  else if (self->force_closed)
    g_task_return_error (task, closed_error ());
  else if (want_open && self->open_received)
    g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_IS_OPEN,
                             "the stream header was already received");
  else if (!want_open && !self->open_received)
    g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_NOT_OPEN,
                             "no stream header was received yet");
  else if (self->close_received)
    g_task_return_new_error (task, CW_XMPP_CONNECTION_ERROR, CW_XMPP_CONNECTION_ERROR_CLOSED,
                             "the peer closed the stream");
  else
    {
      self->recv_task = g_steal_pointer (&task);
      recv_step (self);
    }
}

void
cw_xmpp_connection_recv_open_async (CwXmppConnection *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  recv_start (self, cw_xmpp_connection_recv_open_async, cancellable, callback, user_data);
}

CwStreamHeader *
cw_xmpp_connection_recv_open_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == cw_xmpp_connection_recv_open_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cw_xmpp_connection_recv_stanza_async (CwXmppConnection *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  recv_start (self, cw_xmpp_connection_recv_stanza_async, cancellable, callback, user_data);
}

CwElement *
cw_xmpp_connection_recv_stanza_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == cw_xmpp_connection_recv_stanza_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- closing ---------------------------------------------------------------- */

static void
on_stream_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cw_xmpp_connection_force_close_async (CwXmppConnection *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  SendItem *item;

  g_return_if_fail (CW_IS_XMPP_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cw_xmpp_connection_force_close_async);
  if (self->force_closed)
    {
      g_task_return_error (task, closed_error ());
      return;
    }
  CW_DEBUG ("%p force close", (void *)self);
  self->force_closed = TRUE;
  if (self->write_error == NULL)
    self->write_error = closed_error ();
  while ((item = g_queue_pop_head (&self->send_queue)) != NULL)
    {
      g_task_return_error (item->task, closed_error ());
      send_item_done (self, item);
    }
  /* GIO refuses to close a stream half with an operation pending on it,
   * and a blocked write or an idle read would otherwise pend forever. */
  g_cancellable_cancel (self->write_cancellable);
  if (self->read_cancellable != NULL)
    g_cancellable_cancel (self->read_cancellable);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, cancellable, on_stream_closed,
                           g_steal_pointer (&task));
}

gboolean
cw_xmpp_connection_force_close_finish (CwXmppConnection *self, GAsyncResult *result, GError **error)
{
  return send_finish (self, result, cw_xmpp_connection_force_close_async, error);
}
