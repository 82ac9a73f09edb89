/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwSm: XEP-0198 stream management counters and the queue of unacknowledged stanzas. */
#pragma once

#include <glib.h>

#include "xml/element.h"

G_BEGIN_DECLS

#define CW_NS_SM "urn:xmpp:sm:3"

/* The most unacknowledged stanzas a session may hold (also while it
 * hibernates); beyond it the session ends with <resource-constraint/>. */
#define CW_SM_DEFAULT_MAX_QUEUE 1000

typedef enum
{
  CW_SM_ERROR_TOO_HIGH, /* <a h/> acknowledges stanzas never sent */
  CW_SM_ERROR_FULL,     /* the queue of unacknowledged stanzas is full */
  CW_SM_ERROR_MALFORMED /* no valid 'h' */
} CwSmError;

#define CW_SM_ERROR (cw_sm_error_quark ())
GQuark cw_sm_error_quark (void);

typedef struct _CwSm CwSm;

CwSm *cw_sm_new (guint max_queue);
void cw_sm_free (CwSm *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwSm, cw_sm_free)

/* One more stanza received from the client (the 'h' we report). */
void cw_sm_count_handled (CwSm *self);
guint32 cw_sm_get_handled (CwSm *self);

/* A stanza to the client gets the next sequence number and waits in the
 * queue (a reference is taken) until acknowledged. FALSE with
 * CW_SM_ERROR_FULL when the queue is at its maximum (nothing is queued). */
gboolean cw_sm_track (CwSm *self, CwElement *stanza, GError **error);

/* The client handled every stanza up to @h (modulo 2^32): they leave the
 * queue. An 'h' lower than a previous one is ignored; one beyond what was
 * sent fails with CW_SM_ERROR_TOO_HIGH. */
gboolean cw_sm_ack (CwSm *self, guint32 h, GError **error);
/* Parses the 'h' attribute of <a/> or <resume/>. */
gboolean cw_sm_parse_h (CwElement *el, guint32 *h, GError **error);

guint cw_sm_get_n_unacked (CwSm *self);
/* Returns: (transfer none): the unacknowledged stanzas, oldest first. */
GQueue *cw_sm_get_unacked (CwSm *self);

/* Whether we asked the client for an <a/> that has not come yet. */
gboolean cw_sm_get_request_pending (CwSm *self);
void cw_sm_set_request_pending (CwSm *self, gboolean pending);

/* <a xmlns='urn:xmpp:sm:3' h='handled'/> */
CwElement *cw_sm_new_answer (CwSm *self);
/* <failed xmlns='urn:xmpp:sm:3'><CONDITION xmlns=stanzas/></failed>;
 * @h is added when not negative. */
CwElement *cw_sm_new_failed (const gchar *condition, gint64 h);

G_END_DECLS
