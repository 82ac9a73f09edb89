/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-ping: XEP-0199 — answers pings to the server and pings idle clients to find dead connections.
 */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

typedef struct
{
  const CwModuleHost *host;
  GHashTable *sessions; /* owned: CwC2sSession (unowned) -> Pinged (owned) */
  GHashTable *pending;  /* owned: ping id (unowned, in Pinged) -> Pinged (unowned) */
} PingState;

typedef struct
{
  PingState *state;
  CwC2sSession *session; /* unowned: removed in session_closed */
  guint interval_timer;
  guint timeout_timer;
  gchar *id; /* owned, nullable: the ping waiting for its answer */
} Pinged;

static void
pinged_clear_pending (Pinged *p)
{
  g_clear_handle_id (&p->timeout_timer, g_source_remove);
  if (p->id != NULL)
    g_hash_table_remove (p->state->pending, p->id);
  g_clear_pointer (&p->id, g_free);
}

static void
pinged_free (Pinged *p)
{
  pinged_clear_pending (p);
  g_clear_handle_id (&p->interval_timer, g_source_remove);
  g_free (p);
}

static gpointer
ping_create (const CwModuleHost *host)
{
  PingState *state = g_new0 (PingState, 1);

  state->host = host;
  state->pending = g_hash_table_new (g_str_hash, g_str_equal);
  state->sessions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)pinged_free);
  return state;
}

static void
ping_free (gpointer data)
{
  PingState *state = data;

  g_hash_table_destroy (state->sessions);
  g_hash_table_destroy (state->pending);
  g_free (state);
}

static gboolean
ping_timeout_cb (gpointer user_data)
{
  Pinged *p = user_data;

  p->timeout_timer = 0;
  if (cw_c2s_session_is_hibernating (p->session))
    {
      /* XEP-0198 keeps it for a <resume/>; its own timer ends it. */
      pinged_clear_pending (p);
      return G_SOURCE_REMOVE;
    }
  g_debug ("ping: %s did not answer", cw_c2s_session_get_address (p->session));
  cw_c2s_session_close_with_error (p->session, CW_STREAM_ERROR_CONNECTION_TIMEOUT,
                                   "No answer to a ping");
  return G_SOURCE_REMOVE;
}

/* Every interval: a client silent for that long gets a ping. */
static gboolean
ping_interval_cb (gpointer user_data)
{
  Pinged *p = user_data;
  const CwServerLimits *limits = p->state->host->limits;
  gint64 idle = g_get_monotonic_time () - cw_c2s_session_get_last_activity (p->session);
  g_autoptr (CwElement) iq = NULL;

  if (p->id != NULL || idle < (gint64)limits->ping_interval_ms * 1000 - 1000
      || cw_c2s_session_get_jid (p->session) == NULL || cw_c2s_session_is_hibernating (p->session))
    return G_SOURCE_CONTINUE;
  iq = cw_stanza_iq_new (CW_IQ_TYPE_GET, p->state->host->domain,
                         cw_jid_to_string (cw_c2s_session_get_jid (p->session)), NULL);
  cw_element_add (iq, "ping", CW_NS_PING);
  p->id = g_strdup (cw_stanza_get_id (iq));
  g_hash_table_insert (p->state->pending, p->id, p);
  p->timeout_timer = g_timeout_add (MAX (limits->ping_timeout_ms, 1), ping_timeout_cb, p);
  cw_c2s_session_send (p->session, iq);
  return G_SOURCE_CONTINUE;
}

static void
ping_session_bound (gpointer data, CwC2sSession *session)
{
  PingState *state = data;
  Pinged *p;

  if (state->host->limits->ping_interval_ms == 0)
    return;
  p = g_new0 (Pinged, 1);
  p->state = state;
  p->session = session;
  p->interval_timer = g_timeout_add (state->host->limits->ping_interval_ms, ping_interval_cb, p);
  g_hash_table_insert (state->sessions, session, p);
}

static void
ping_session_closed (gpointer data, CwC2sSession *session)
{
  PingState *state = data;

  g_hash_table_remove (state->sessions, session);
}

static CwModuleResult
ping_server_stanza (gpointer data, CwElement *stanza)
{
  PingState *state = data;
  const gchar *type = cw_stanza_get_type (stanza);
  const gchar *id = cw_stanza_get_id (stanza);
  Pinged *p;

  if (cw_module_is_server_iq (state->host, stanza, "get", "ping", CW_NS_PING))
    {
      cw_module_reply_result (state->host, stanza, NULL);
      return CW_MODULE_HANDLED;
    }
  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || id == NULL
      || (g_strcmp0 (type, "result") != 0 && g_strcmp0 (type, "error") != 0))
    return CW_MODULE_PASS;
  p = g_hash_table_lookup (state->pending, id);
  /* Only the pinged session can answer its ping (its 'from' is stamped). */
  if (p == NULL || cw_c2s_session_get_jid (p->session) == NULL
      || g_strcmp0 (cw_stanza_get_from (stanza),
                    cw_jid_to_string (cw_c2s_session_get_jid (p->session)))
           != 0)
    return CW_MODULE_PASS;
  /* Any answer, even an error, shows the connection is alive. */
  pinged_clear_pending (p);
  return CW_MODULE_HANDLED;
}

static const gchar *const ping_features[] = { CW_NS_PING, NULL };

const CwModule cw_mod_ping = {
  .name = "ping",
  .features = ping_features,
  .create = ping_create,
  .free = ping_free,
  .server_stanza = ping_server_stanza,
  .session_bound = ping_session_bound,
  .session_closed = ping_session_closed,
};
