/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwMessage: one chat message as the store keeps it, outgoing or incoming. */
#include "config.h"
#include "store/message.h"

G_DEFINE_BOXED_TYPE (CwMessage, cw_message, cw_message_copy, cw_message_free)

G_DEFINE_ENUM_TYPE (CwMessageState, cw_message_state,
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_STATE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_STATE_DELIVERED, "delivered"),
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_STATE_RECEIVED, "received"))

G_DEFINE_ENUM_TYPE (CwMessageDirection, cw_message_direction,
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_DIRECTION_OUT, "out"),
  G_DEFINE_ENUM_VALUE (CW_MESSAGE_DIRECTION_IN, "in"))

/* Kept as plain tables rather than GEnumClass lookups: the store converts
 * every row, and these names are a file format that must not drift. */
static const gchar *const state_names[] = {
  [CW_MESSAGE_STATE_QUEUED] = "queued",
  [CW_MESSAGE_STATE_SENT] = "sent",
  [CW_MESSAGE_STATE_DELIVERED] = "delivered",
  [CW_MESSAGE_STATE_FAILED] = "failed",
  [CW_MESSAGE_STATE_RECEIVED] = "received",
};

static const gchar *const direction_names[] = {
  [CW_MESSAGE_DIRECTION_OUT] = "out",
  [CW_MESSAGE_DIRECTION_IN] = "in",
};

CwMessage *
cw_message_new (const gchar *peer, CwMessageDirection direction)
{
  CwMessage *message;

  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (direction <= CW_MESSAGE_DIRECTION_IN, NULL);

  message = g_new0 (CwMessage, 1);
  message->peer = g_strdup (peer);
  message->direction = direction;
  message->type = g_strdup ("chat");
  message->state = direction == CW_MESSAGE_DIRECTION_IN ? CW_MESSAGE_STATE_RECEIVED
                                                        : CW_MESSAGE_STATE_QUEUED;
  return message;
}

CwMessage *
cw_message_copy (const CwMessage *message)
{
  CwMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_memdup2 (message, sizeof *message);
  copy->peer = g_strdup (message->peer);
  copy->stanza_id = g_strdup (message->stanza_id);
  copy->type = g_strdup (message->type);
  copy->body = g_strdup (message->body);
  copy->thread = g_strdup (message->thread);
  copy->error = g_strdup (message->error);
  return copy;
}

void
cw_message_free (CwMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->peer);
  g_free (message->stanza_id);
  g_free (message->type);
  g_free (message->body);
  g_free (message->thread);
  g_free (message->error);
  g_free (message);
}

const gchar *
cw_message_state_to_string (CwMessageState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
cw_message_state_from_string (const gchar *name, CwMessageState *state)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (name, state_names[i]))
      {
        if (state != NULL)
          *state = i;
        return TRUE;
      }
  return FALSE;
}

const gchar *
cw_message_direction_to_string (CwMessageDirection direction)
{
  g_return_val_if_fail (direction < G_N_ELEMENTS (direction_names), NULL);
  return direction_names[direction];
}

gboolean
cw_message_direction_from_string (const gchar *name, CwMessageDirection *direction)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (direction_names); i++)
    if (g_str_equal (name, direction_names[i]))
      {
        if (direction != NULL)
          *direction = i;
        return TRUE;
      }
  return FALSE;
}
