/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwMessage: one chat message as the store keeps it, outgoing or incoming. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  CW_MESSAGE_DIRECTION_OUT,
  CW_MESSAGE_DIRECTION_IN,
} CwMessageDirection;

/* Outgoing messages move QUEUED → SENT → DELIVERED (or FAILED); incoming
 * ones are RECEIVED. The nicks ("queued", …) are what the store writes. */
typedef enum
{
  CW_MESSAGE_STATE_QUEUED,    /* waiting for the peer to be reachable */
  CW_MESSAGE_STATE_SENT,      /* written to a stream, not yet confirmed */
  CW_MESSAGE_STATE_DELIVERED, /* receipt arrived, or written and the stream closed cleanly */
  CW_MESSAGE_STATE_FAILED,    /* given up on; error says why */
  CW_MESSAGE_STATE_RECEIVED,  /* incoming */
} CwMessageState;

/* A set of states, for "change it only if it is still …". */
#define CW_MESSAGE_STATE_BIT(state) (1u << (state))

typedef struct
{
  gint64 id;                  /* 0 until stored; never reused */
  gchar *peer;                /* owned: bare JID or link-local name, as normalised by the caller */
  CwMessageDirection direction;
  gchar *stanza_id;           /* owned, nullable: the stanza's id attribute */
  gchar *type;                /* owned: "chat", "normal", "headline", … */
  gchar *body;                /* owned, nullable */
  gchar *thread;              /* owned, nullable */
  CwMessageState state;
  gboolean receipt_requested; /* outgoing: the last write asked for a XEP-0184 receipt */
  guint attempts;             /* outgoing: times written to a stream */
  gchar *error;               /* owned, nullable: why it FAILED */
  gint64 created_at;          /* µs since the Unix epoch (UTC) */
  gint64 updated_at;          /* µs since the Unix epoch (UTC) */
} CwMessage;

#define CW_TYPE_MESSAGE (cw_message_get_type ())
#define CW_TYPE_MESSAGE_STATE (cw_message_state_get_type ())
#define CW_TYPE_MESSAGE_DIRECTION (cw_message_direction_get_type ())
GType cw_message_get_type (void);
GType cw_message_state_get_type (void);
GType cw_message_direction_get_type (void);

/* Returns: (transfer full): an unsaved message of type "chat", QUEUED when
 * outgoing and RECEIVED when incoming. */
CwMessage *cw_message_new (const gchar *peer, CwMessageDirection direction);
CwMessage *cw_message_copy (const CwMessage *message);
void cw_message_free (CwMessage *message);

/* The names the store writes; from_string returns FALSE for anything else. */
const gchar *cw_message_state_to_string (CwMessageState state);
gboolean cw_message_state_from_string (const gchar *name, CwMessageState *state);
const gchar *cw_message_direction_to_string (CwMessageDirection direction);
gboolean cw_message_direction_from_string (const gchar *name, CwMessageDirection *direction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwMessage, cw_message_free)

G_END_DECLS
