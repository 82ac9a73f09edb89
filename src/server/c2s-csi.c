/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession and XEP-0352 client state indication: presence is held while the client is inactive.
 */
#include "config.h"

#include "server/c2s-session-private.h"

#include "xml/stanza.h"

/* Held presence beyond this is flushed at once: a phone that sleeps for
 * hours must not hold the server's memory. */
#define MAX_HELD 100

void
cw_c2s_csi_flush (CwC2sSession *self)
{
  GQueue held = self->csi_held;

  if (self->csi_flushing)
    return;
  g_queue_init (&self->csi_held);
  self->csi_flushing = TRUE;
  for (GList *l = held.head; l != NULL; l = l->next)
    cw_c2s_session_send (self, l->data);
  self->csi_flushing = FALSE;
  g_queue_clear_full (&held, (GDestroyNotify)cw_element_unref);
}

gboolean
cw_c2s_csi_hold (CwC2sSession *self, CwElement *stanza)
{
  if (!self->csi_inactive || self->csi_flushing)
    return FALSE;
  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE)
    {
      /* A message or IQ: the client wakes up anyway, the presence first. */
      cw_c2s_csi_flush (self);
      return FALSE;
    }
  g_queue_push_tail (&self->csi_held, cw_element_ref (stanza));
  if (self->csi_held.length >= MAX_HELD)
    cw_c2s_csi_flush (self);
  return TRUE;
}

gboolean
cw_c2s_csi_handle (CwC2sSession *self, CwElement *el)
{
  if (cw_element_is (el, "inactive", CW_NS_CSI))
    self->csi_inactive = TRUE;
  else if (cw_element_is (el, "active", CW_NS_CSI))
    {
      self->csi_inactive = FALSE;
      cw_c2s_csi_flush (self);
    }
  else
    {
      cw_c2s_session_close_with_error (self, CW_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE, NULL);
      return FALSE;
    }
  return TRUE;
}

void
cw_c2s_csi_clear (CwC2sSession *self)
{
  g_queue_clear_full (&self->csi_held, (GDestroyNotify)cw_element_unref);
}
