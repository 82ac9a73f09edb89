/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwC2sSession and XEP-0198: enable, acks, hibernation when the connection dies, resumption. */
#include "config.h"

#include "server/c2s-session-private.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

/* Ask the client for an <a/> once this many stanzas wait for one. */
#define REQUEST_THRESHOLD 5

static void
send_raw (CwC2sSession *self, CwElement *el)
{
  if (self->connection != NULL && self->state < CW_C2S_STATE_CLOSING)
    cw_xmpp_connection_send_stanza_async (self->connection, el, NULL, NULL, NULL);
}

static void
send_failed (CwC2sSession *self, const gchar *condition, gint64 h)
{
  g_autoptr (CwElement) failed = cw_sm_new_failed (condition, h);

  send_raw (self, failed);
}

static void
close_sm_error (CwC2sSession *self, const GError *error)
{
  g_autoptr (GError) stream_error = NULL;
  g_autoptr (CwElement) el = NULL;

  if (!g_error_matches (error, CW_SM_ERROR, CW_SM_ERROR_TOO_HIGH))
    {
      cw_c2s_session_close_with_error (self,
                                       g_error_matches (error, CW_SM_ERROR, CW_SM_ERROR_FULL)
                                         ? CW_STREAM_ERROR_RESOURCE_CONSTRAINT
                                         : CW_STREAM_ERROR_BAD_FORMAT,
                                       error->message);
      return;
    }
  /* XEP-0198 §4: <undefined-condition/> with <handled-count-too-high/>. */
  stream_error
    = g_error_new_literal (CW_STREAM_ERROR, CW_STREAM_ERROR_UNDEFINED_CONDITION, error->message);
  el = cw_stream_error_element_new (stream_error);
  cw_element_add (el, "handled-count-too-high", CW_NS_SM);
  cw_c2s_session_close_with_element (self, el);
}

/* ---- counting ----------------------------------------------------------- */

void
cw_c2s_sm_count_handled (CwC2sSession *self)
{
  if (self->sm != NULL)
    cw_sm_count_handled (self->sm);
}

gboolean
cw_c2s_sm_outbound (CwC2sSession *self, CwElement *stanza)
{
  g_autoptr (GError) error = NULL;

  if (self->sm == NULL || cw_stanza_get_kind (stanza) == CW_STANZA_KIND_OTHER)
    return TRUE;
  if (cw_sm_track (self->sm, stanza, &error))
    return self->connection != NULL;
  g_debug ("c2s %s: %s", self->address, error->message);
  if (self->state == CW_C2S_STATE_HIBERNATING)
    cw_c2s_session_abort (self);
  else
    close_sm_error (self, error);
  return FALSE;
}

void
cw_c2s_sm_after_send (CwC2sSession *self)
{
  g_autoptr (CwElement) r = NULL;

  if (self->sm == NULL || self->connection == NULL || cw_sm_get_request_pending (self->sm)
      || cw_sm_get_n_unacked (self->sm) < REQUEST_THRESHOLD)
    return;
  r = cw_element_new ("r", CW_NS_SM);
  send_raw (self, r);
  cw_sm_set_request_pending (self->sm, TRUE);
}

/* ---- enable, <r/>, <a/> ------------------------------------------------- */

static void
handle_enable (CwC2sSession *self, CwElement *el)
{
  const gchar *resume = cw_element_get_attr (el, "resume");
  guint timeout = self->config->limits->sm_resume_timeout;
  g_autoptr (CwElement) enabled = NULL;

  if (self->sm != NULL)
    {
      send_failed (self, "unexpected-request", -1);
      return;
    }
  self->sm = cw_sm_new (0);
  enabled = cw_element_new ("enabled", CW_NS_SM);
  if ((g_strcmp0 (resume, "true") == 0 || g_strcmp0 (resume, "1") == 0)
      && self->config->sm_sessions != NULL && timeout > 0)
    {
      g_autofree gchar *max = g_strdup_printf ("%u", timeout);

      self->sm_id = g_uuid_string_random ();
      g_hash_table_insert (self->config->sm_sessions, g_strdup (self->sm_id), self);
      cw_element_set_attr (enabled, "id", self->sm_id);
      cw_element_set_attr (enabled, "resume", "true");
      cw_element_set_attr (enabled, "max", max);
    }
  send_raw (self, enabled);
}

static void
handle_ack (CwC2sSession *self, CwElement *el)
{
  g_autoptr (GError) error = NULL;
  guint32 h;

  if (!cw_sm_parse_h (el, &h, &error) || !cw_sm_ack (self->sm, h, &error))
    close_sm_error (self, error);
}

gboolean
cw_c2s_sm_handle_bound (CwC2sSession *self, CwElement *el)
{
  g_autoptr (CwElement) answer = NULL;

  if (cw_element_is (el, "enable", CW_NS_SM))
    handle_enable (self, el);
  else if (self->sm == NULL)
    send_failed (self, "unexpected-request", -1);
  else if (cw_element_is (el, "r", CW_NS_SM))
    {
      answer = cw_sm_new_answer (self->sm);
      send_raw (self, answer);
    }
  else if (cw_element_is (el, "a", CW_NS_SM))
    handle_ack (self, el);
  else
    send_failed (self, "unexpected-request", -1);
  return self->state < CW_C2S_STATE_CLOSING;
}

/* ---- hibernation -------------------------------------------------------- */

static gboolean
hibernation_timeout_cb (gpointer user_data)
{
  CwC2sSession *self = user_data;

  self->sm_timer = 0;
  g_debug ("c2s %s: %s was not resumed in time", self->address, cw_jid_to_string (self->jid));
  cw_c2s_session_abort (self);
  return G_SOURCE_REMOVE;
}

gboolean
cw_c2s_sm_hibernate (CwC2sSession *self)
{
  if (self->sm_id == NULL || self->state != CW_C2S_STATE_BOUND)
    return FALSE;
  g_debug ("c2s %s: connection lost, %s hibernates", self->address, cw_jid_to_string (self->jid));
  self->state = CW_C2S_STATE_HIBERNATING;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->pause_timer, g_source_remove);
  cw_xmpp_connection_force_close_async (self->connection, NULL, NULL, NULL);
  g_clear_object (&self->connection);
  self->receiving = FALSE;
  self->sm_timer
    = g_timeout_add_seconds (self->config->limits->sm_resume_timeout, hibernation_timeout_cb, self);
  return TRUE;
}

/* The session is over for good: stanzas the client never acknowledged are
 * routed again, now that its resource is gone (RFC 6121 §8.5.3.2.1: to the
 * account's other resources, or bounced), as Prosody's mod_smacks does.
 * Presence, errors and the account's own traffic (carbons) are dropped. */
void
cw_c2s_sm_release (CwC2sSession *self)
{
  g_autoptr (CwSm) sm = g_steal_pointer (&self->sm);
  GQueue *queue;

  g_clear_handle_id (&self->sm_timer, g_source_remove);
  if (self->sm_id != NULL && self->config->sm_sessions != NULL
      && g_hash_table_lookup (self->config->sm_sessions, self->sm_id) == self)
    g_hash_table_remove (self->config->sm_sessions, self->sm_id);
  g_clear_pointer (&self->sm_id, g_free);
  if (sm == NULL)
    return;
  queue = cw_sm_get_unacked (sm);
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      CwElement *stanza = l->data;
      const gchar *type = cw_stanza_get_type (stanza);
      const gchar *from = cw_stanza_get_from (stanza);
      g_autoptr (CwJid) sender = from ? cw_jid_parse (from, NULL) : NULL;
      g_autoptr (CwElement) copy = NULL;

      if (cw_stanza_get_kind (stanza) == CW_STANZA_KIND_PRESENCE || g_strcmp0 (type, "error") == 0
          || g_strcmp0 (type, "result") == 0 || sender == NULL
          || cw_jid_equal_bare (sender, self->jid))
        continue;
      copy = cw_element_copy (stanza);
      cw_router_route (self->config->router, copy);
    }
}

/* ---- resumption on a new stream ----------------------------------------- */

static void
send_resumed (CwC2sSession *self, const gchar *previd)
{
  g_autoptr (CwElement) resumed = cw_element_new ("resumed", CW_NS_SM);
  g_autofree gchar *h = g_strdup_printf ("%" G_GUINT32_FORMAT, cw_sm_get_handled (self->sm));
  GQueue *queue = cw_sm_get_unacked (self->sm);

  cw_element_set_attr (resumed, "previd", previd);
  cw_element_set_attr (resumed, "h", h);
  send_raw (self, resumed);
  for (GList *l = queue->head; l != NULL; l = l->next)
    send_raw (self, l->data);
  cw_sm_set_request_pending (self->sm, FALSE);
  cw_c2s_sm_after_send (self);
}

/* @old gets @self's connection and goes on as if never cut; @self ends
 * without ever having been bound. */
static void
take_over (CwC2sSession *self, CwC2sSession *old, const gchar *previd)
{
  g_debug ("c2s %s: resumes %s", self->address, cw_jid_to_string (old->jid));
  if (old->connection != NULL)
    {
      /* Not yet noticed as dead: cut it, its pending receive is stale. */
      g_cancellable_cancel (old->cancellable);
      cw_xmpp_connection_force_close_async (old->connection, NULL, NULL, NULL);
      g_clear_object (&old->connection);
    }
  g_clear_object (&old->cancellable);
  old->cancellable = g_cancellable_new ();
  g_clear_handle_id (&old->sm_timer, g_source_remove);
  g_clear_handle_id (&old->pause_timer, g_source_remove);
  old->connection = g_steal_pointer (&self->connection);
  old->secure = self->secure;
  old->receiving = FALSE;
  old->bucket_time = 0;
  old->last_activity = g_get_monotonic_time ();
  old->state = CW_C2S_STATE_BOUND;
  send_resumed (old, previd);
  cw_c2s_session_receive (old);
  cw_c2s_session_finish (self);
}

static gboolean
handle_resume (CwC2sSession *self, CwElement *el)
{
  const gchar *previd = cw_element_get_attr (el, "previd");
  CwC2sSession *old = NULL;
  g_autoptr (GError) error = NULL;
  guint32 h = 0;

  if (previd != NULL && self->config->sm_sessions != NULL)
    old = g_hash_table_lookup (self->config->sm_sessions, previd);
  if (old == NULL || old == self || g_strcmp0 (old->username, self->username) != 0
      || old->sm == NULL
      || (old->state != CW_C2S_STATE_BOUND && old->state != CW_C2S_STATE_HIBERNATING))
    {
      send_failed (self, "item-not-found", -1);
      return TRUE;
    }
  if (!cw_sm_parse_h (el, &h, &error))
    {
      send_failed (self, "bad-request", -1);
      return TRUE;
    }
  if (!cw_sm_ack (old->sm, h, &error))
    {
      close_sm_error (self, error);
      return FALSE;
    }
  take_over (self, old, previd);
  return FALSE;
}

gboolean
cw_c2s_sm_handle_unbound (CwC2sSession *self, CwElement *el)
{
  if (cw_element_is (el, "resume", CW_NS_SM))
    return handle_resume (self, el);
  /* <enable/> and the rest come after resource binding. */
  send_failed (self, "unexpected-request", -1);
  return TRUE;
}
