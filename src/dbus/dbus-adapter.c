/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwDbusAdapter: im.chinwag.Chinwag1 method calls onto the session, session signals onto D-Bus. */
#include "config.h"

#include "dbus/dbus-adapter.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dbus/chinwag-generated.h"

/* GetHistory: the page size for limit 0, and the most one call returns. */
#define HISTORY_DEFAULT_LIMIT 100
#define HISTORY_MAX_LIMIT 1000

struct _CwDbusAdapter
{
  GObject parent_instance;
  CwLlSession *session;  /* owned */
  CwChinwag1 *skeleton;  /* owned (CwChinwag1Skeleton *) */
};

G_DEFINE_TYPE (CwDbusAdapter, cw_dbus_adapter, G_TYPE_OBJECT)

/* Session errors keep their message and become the matching named error;
 * anything else (storage, …) is .Failed. */
static void
return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  CwDbusError code = CW_DBUS_ERROR_FAILED;

  if (g_error_matches (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_UNKNOWN_PEER))
    code = CW_DBUS_ERROR_UNKNOWN_PEER;
  else if (g_error_matches (error, CW_LL_SESSION_ERROR, CW_LL_SESSION_ERROR_INVALID))
    code = CW_DBUS_ERROR_INVALID_ARGUMENT;
  g_dbus_method_invocation_return_error_literal (invocation, CW_DBUS_ERROR, code, error->message);
}

static gboolean
return_invalid (GDBusMethodInvocation *invocation, const gchar *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, CW_DBUS_ERROR,
                                                 CW_DBUS_ERROR_INVALID_ARGUMENT, message);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* D-Bus strings are UTF-8 by the spec and GDBus checks them; this guards
 * against a peer name that is empty or would not survive the store. */
static gboolean
valid_peer (const gchar *peer)
{
  return *peer != '\0' && g_utf8_validate (peer, -1, NULL);
}

static const gchar *
peer_status (const CwLlPeer *peer)
{
  return cw_ll_status_to_string (peer->txt != NULL ? peer->txt->status : CW_LL_STATUS_AVAIL);
}

static const gchar *
peer_message (const CwLlPeer *peer)
{
  return peer->txt != NULL && peer->txt->msg != NULL ? peer->txt->msg : "";
}

/* ---- methods ------------------------------------------------------------- */

static GVariant *
peer_to_variant (const CwLlPeer *p)
{
  GVariantBuilder addrs;

  g_variant_builder_init (&addrs, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < p->addresses->len; i++)
    {
      g_autofree gchar *a = g_socket_connectable_to_string (g_ptr_array_index (p->addresses, i));

      g_variant_builder_add (&addrs, "s", a);
    }
  /* Verified: no identity key is pinned for any peer yet (DESIGN.md,
   * security), so none has proved who it is. */
  return g_variant_new ("(sssbassb)", p->name, peer_status (p), peer_message (p), p->reachable,
                        &addrs, p->txt != NULL && p->txt->nick != NULL ? p->txt->nick : "", FALSE);
}

static gboolean
handle_get_roster (CwChinwag1 *iface, GDBusMethodInvocation *invocation, CwDbusAdapter *self)
{
  GList *peers = cw_ll_roster_list (cw_ll_session_get_roster (self->session));
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sssbassb)"));
  for (GList *l = peers; l != NULL; l = l->next)
    g_variant_builder_add_value (&b, peer_to_variant (l->data));
  g_list_free (peers);
  cw_chinwag1_complete_get_roster (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_presence (CwChinwag1 *iface, GDBusMethodInvocation *invocation, CwDbusAdapter *self)
{
  const gchar *msg = cw_ll_session_get_status_message (self->session);

  cw_chinwag1_complete_get_presence (
    iface, invocation, cw_ll_status_to_string (cw_ll_session_get_status (self->session)),
    msg != NULL ? msg : "");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_presence (CwChinwag1 *iface, GDBusMethodInvocation *invocation, const gchar *status,
                     const gchar *message, CwDbusAdapter *self)
{
  if (strcmp (status, "avail") != 0 && strcmp (status, "away") != 0 && strcmp (status, "dnd") != 0)
    return return_invalid (invocation, _("the status must be avail, away or dnd"));
  if (!g_utf8_validate (message, -1, NULL))
    return return_invalid (invocation, _("the status message is not valid UTF-8"));
  cw_ll_session_set_presence (self->session, cw_ll_status_from_string (status),
                              *message != '\0' ? message : NULL);
  cw_chinwag1_complete_set_presence (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_message (CwChinwag1 *iface, GDBusMethodInvocation *invocation, const gchar *peer,
                     const gchar *body, CwDbusAdapter *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwMessage) m = NULL;

  m = cw_ll_session_send_message (self->session, peer, body, &error);
  if (m == NULL)
    return_error (invocation, error);
  else
    cw_chinwag1_complete_send_message (iface, invocation, m->id);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_chat_state (CwChinwag1 *iface, GDBusMethodInvocation *invocation, const gchar *peer,
                        const gchar *state, CwDbusAdapter *self)
{
  static const gchar *const states[] = { "active", "composing", "paused", "inactive", "gone",
                                         NULL };

  if (!valid_peer (peer))
    return return_invalid (invocation, _("no peer given"));
  if (!g_strv_contains (states, state))
    return return_invalid (invocation,
                           _("the chat state must be active, composing, paused, inactive or gone"));
  cw_ll_session_send_chat_state (self->session, peer, state);
  cw_chinwag1_complete_send_chat_state (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_history (CwChinwag1 *iface, GDBusMethodInvocation *invocation, const gchar *peer,
                    gint64 before_id, guint limit, CwDbusAdapter *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = NULL;
  GVariantBuilder b;

  if (!valid_peer (peer))
    return return_invalid (invocation, _("no peer given"));
  if (before_id < 0)
    return return_invalid (invocation, _("before_id must not be negative"));
  limit = limit == 0 ? HISTORY_DEFAULT_LIMIT : MIN (limit, HISTORY_MAX_LIMIT);
  page = cw_ll_session_history (self->session, peer, before_id, limit, &error);
  if (page == NULL)
    {
      return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(xsssx)"));
  for (guint i = 0; i < page->len; i++)
    {
      CwMessage *m = g_ptr_array_index (page, i);

      g_variant_builder_add (&b, "(xsssx)", m->id, cw_message_direction_to_string (m->direction),
                             cw_message_state_to_string (m->state),
                             m->body != NULL ? m->body : "", m->created_at);
    }
  cw_chinwag1_complete_get_history (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_info (CwChinwag1 *iface, GDBusMethodInvocation *invocation, CwDbusAdapter *self)
{
  static const gchar *const states[] = { "starting", "running", "reconnecting", "failed" };
  CwLlDiscovery *disc = cw_ll_session_get_discovery (self->session);
  CwLlDiscoveryState state = cw_ll_discovery_get_state (disc);
  g_autofree gchar *discovery = g_strdup_printf (
    "%s %s", cw_ll_discovery_describe (disc),
    (guint) state < G_N_ELEMENTS (states) ? states[state] : "unknown");
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name",
                         g_variant_new_string (cw_ll_session_get_name (self->session)));
  g_variant_builder_add (&b, "{sv}", "port",
                         g_variant_new_uint16 (cw_ll_session_get_port (self->session)));
  g_variant_builder_add (&b, "{sv}", "status",
                         g_variant_new_string (
                           cw_ll_status_to_string (cw_ll_session_get_status (self->session))));
  g_variant_builder_add (&b, "{sv}", "discovery", g_variant_new_string (discovery));
  cw_chinwag1_complete_get_info (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- signals --------------------------------------------------------------- */

static void
emit_peer (CwDbusAdapter *self, CwLlPeer *peer, const gchar *change)
{
  cw_chinwag1_emit_roster_changed (self->skeleton, peer->name, change);
  cw_chinwag1_emit_presence_changed (self->skeleton, peer->name, peer_status (peer),
                                     peer_message (peer), peer->reachable);
}

static void
on_peer_added (CwLlRoster *roster, CwLlPeer *peer, CwDbusAdapter *self)
{
  emit_peer (self, peer, "added");
}

static void
on_peer_changed (CwLlRoster *roster, CwLlPeer *peer, CwDbusAdapter *self)
{
  emit_peer (self, peer, "changed");
}

static void
on_peer_removed (CwLlRoster *roster, const gchar *name, CwDbusAdapter *self)
{
  cw_chinwag1_emit_roster_changed (self->skeleton, name, "removed");
}

static void
on_message_received (CwLlSession *session, CwMessage *m, CwDbusAdapter *self)
{
  cw_chinwag1_emit_message_received (self->skeleton, m->peer, m->id,
                                     m->body != NULL ? m->body : "");
}

static void
on_message_state (CwLlSession *session, CwMessage *m, CwDbusAdapter *self)
{
  cw_chinwag1_emit_message_state_changed (self->skeleton, m->id, m->peer,
                                          cw_message_state_to_string (m->state));
}

static void
on_chat_state (CwLlSession *session, const gchar *peer, const gchar *state, CwDbusAdapter *self)
{
  cw_chinwag1_emit_chat_state (self->skeleton, peer, state);
}

static void
on_name_changed (CwLlSession *session, const gchar *name, CwDbusAdapter *self)
{
  cw_chinwag1_emit_name_changed (self->skeleton, name);
}

/* ---- object ---------------------------------------------------------------- */

CwDbusAdapter *
cw_dbus_adapter_new (CwLlSession *session)
{
  CwDbusAdapter *self;
  CwLlRoster *roster;

  g_return_val_if_fail (CW_IS_LL_SESSION (session), NULL);
  self = g_object_new (CW_TYPE_DBUS_ADAPTER, NULL);
  self->session = g_object_ref (session);
  roster = cw_ll_session_get_roster (session);
  /* _object: the handlers go when the adapter does, whoever outlives whom. */
  g_signal_connect_object (roster, "peer-added", G_CALLBACK (on_peer_added), self, 0);
  g_signal_connect_object (roster, "peer-changed", G_CALLBACK (on_peer_changed), self, 0);
  g_signal_connect_object (roster, "peer-removed", G_CALLBACK (on_peer_removed), self, 0);
  g_signal_connect_object (session, "message-received", G_CALLBACK (on_message_received), self,
                           0);
  g_signal_connect_object (session, "message-state", G_CALLBACK (on_message_state), self, 0);
  g_signal_connect_object (session, "chat-state", G_CALLBACK (on_chat_state), self, 0);
  g_signal_connect_object (session, "name-changed", G_CALLBACK (on_name_changed), self, 0);
  return self;
}

gboolean
cw_dbus_adapter_export (CwDbusAdapter *self, GDBusConnection *connection, GError **error)
{
  g_return_val_if_fail (CW_IS_DBUS_ADAPTER (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                           CW_DBUS_OBJECT_PATH, error);
}

/* Idempotent: losing the bus name and shutting down both unexport. */
void
cw_dbus_adapter_unexport (CwDbusAdapter *self)
{
  GDBusInterfaceSkeleton *skeleton;

  g_return_if_fail (CW_IS_DBUS_ADAPTER (self));
  skeleton = G_DBUS_INTERFACE_SKELETON (self->skeleton);
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);
}

static void
cw_dbus_adapter_dispose (GObject *object)
{
  CwDbusAdapter *self = CW_DBUS_ADAPTER (object);

  if (self->skeleton != NULL)
    {
      cw_dbus_adapter_unexport (self);
      g_signal_handlers_disconnect_by_data (self->skeleton, self);
    }
  g_clear_object (&self->skeleton);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (cw_dbus_adapter_parent_class)->dispose (object);
}

static void
cw_dbus_adapter_init (CwDbusAdapter *self)
{
  /* Make sure the error names are known before the first call fails. */
  (void) CW_DBUS_ERROR;
  self->skeleton = cw_chinwag1_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-get-roster", G_CALLBACK (handle_get_roster), self);
  g_signal_connect (self->skeleton, "handle-get-presence", G_CALLBACK (handle_get_presence),
                    self);
  g_signal_connect (self->skeleton, "handle-set-presence", G_CALLBACK (handle_set_presence),
                    self);
  g_signal_connect (self->skeleton, "handle-send-message", G_CALLBACK (handle_send_message),
                    self);
  g_signal_connect (self->skeleton, "handle-send-chat-state",
                    G_CALLBACK (handle_send_chat_state), self);
  g_signal_connect (self->skeleton, "handle-get-history", G_CALLBACK (handle_get_history), self);
  g_signal_connect (self->skeleton, "handle-get-info", G_CALLBACK (handle_get_info), self);
}

static void
cw_dbus_adapter_class_init (CwDbusAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cw_dbus_adapter_dispose;
}
