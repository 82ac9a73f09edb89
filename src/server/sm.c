/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwSm: XEP-0198 sequence numbers, acknowledgements and the unacknowledged-stanza queue. */
#include "config.h"

#include "server/sm.h"

#include "common/namespaces.h"

G_DEFINE_QUARK (cw - sm - error - quark, cw_sm_error)

struct _CwSm
{
  guint32 handled; /* stanzas received from the client */
  guint32 sent;    /* sequence number of the last stanza to the client */
  GQueue queue;    /* CwElement (owned): numbers sent - length + 1 .. sent */
  guint max_queue;
  gboolean request_pending;
};

CwSm *
cw_sm_new (guint max_queue)
{
  CwSm *self = g_new0 (CwSm, 1);

  g_queue_init (&self->queue);
  self->max_queue = max_queue > 0 ? max_queue : CW_SM_DEFAULT_MAX_QUEUE;
  return self;
}

void
cw_sm_free (CwSm *self)
{
  if (self == NULL)
    return;
  g_queue_clear_full (&self->queue, (GDestroyNotify)cw_element_unref);
  g_free (self);
}

void
cw_sm_count_handled (CwSm *self)
{
  self->handled++; /* wraps at 2^32 as XEP-0198 §4 says */
}

guint32
cw_sm_get_handled (CwSm *self)
{
  return self->handled;
}

gboolean
cw_sm_track (CwSm *self, CwElement *stanza, GError **error)
{
  if (self->queue.length >= self->max_queue)
    {
      g_set_error (error, CW_SM_ERROR, CW_SM_ERROR_FULL,
                   "more than %u stanzas wait for an acknowledgement", self->max_queue);
      return FALSE;
    }
  self->sent++;
  g_queue_push_tail (&self->queue, cw_element_ref (stanza));
  return TRUE;
}

gboolean
cw_sm_ack (CwSm *self, guint32 h, GError **error)
{
  guint32 behind = self->sent - h; /* unacknowledged after this <a/> */
  guint32 ahead = h - self->sent;

  self->request_pending = FALSE;
  if (behind <= self->queue.length)
    {
      while (self->queue.length > behind)
        cw_element_unref (g_queue_pop_head (&self->queue));
      return TRUE;
    }
  if (ahead > 0 && ahead < G_MAXINT32)
    {
      g_set_error (error, CW_SM_ERROR, CW_SM_ERROR_TOO_HIGH,
                   "h=%" G_GUINT32_FORMAT " but only %" G_GUINT32_FORMAT " stanzas were sent", h,
                   self->sent);
      return FALSE;
    }
  return TRUE; /* an older acknowledgement than one seen before */
}

gboolean
cw_sm_parse_h (CwElement *el, guint32 *h, GError **error)
{
  const gchar *text = cw_element_get_attr (el, "h");
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    {
      g_set_error (error, CW_SM_ERROR, CW_SM_ERROR_MALFORMED, "<%s/> without a valid 'h'",
                   cw_element_get_name (el));
      return FALSE;
    }
  *h = (guint32)value;
  return TRUE;
}

guint
cw_sm_get_n_unacked (CwSm *self)
{
  return self->queue.length;
}

GQueue *
cw_sm_get_unacked (CwSm *self)
{
  return &self->queue;
}

gboolean
cw_sm_get_request_pending (CwSm *self)
{
  return self->request_pending;
}

void
cw_sm_set_request_pending (CwSm *self, gboolean pending)
{
  self->request_pending = pending;
}

CwElement *
cw_sm_new_answer (CwSm *self)
{
  CwElement *a = cw_element_new ("a", CW_NS_SM);
  g_autofree gchar *h = g_strdup_printf ("%" G_GUINT32_FORMAT, self->handled);

  cw_element_set_attr (a, "h", h);
  return a;
}

CwElement *
cw_sm_new_failed (const gchar *condition, gint64 h)
{
  CwElement *failed = cw_element_new ("failed", CW_NS_SM);

  cw_element_add (failed, condition, CW_NS_STANZAS);
  if (h >= 0)
    {
      g_autofree gchar *text = g_strdup_printf ("%" G_GINT64_FORMAT, h);

      cw_element_set_attr (failed, "h", text);
    }
  return failed;
}
