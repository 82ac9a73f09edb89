/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-mam: XEP-0313 message archive of one-to-one chats, with XEP-0359 stanza ids. */
#include "config.h"

#include "server/mod-im.h"
#include "server/module.h"

#include "common/namespaces.h"
#include "xml/stanza.h"

/* The archives are the accounts': advertised on their bare JIDs. */
static const gchar *const mam_account_features[] = { CW_NS_MAM, CW_NS_SID, NULL };

gboolean
cw_mam_is_archivable (const CwElement *message)
{
  const gchar *type = cw_stanza_get_type (message);

  return cw_stanza_get_kind (message) == CW_STANZA_KIND_MESSAGE
         && (type == NULL || g_strcmp0 (type, "chat") == 0 || g_strcmp0 (type, "normal") == 0)
         && cw_element_get_child (message, "body", NULL) != NULL
         && cw_element_get_child (message, "no-store", CW_NS_HINTS) == NULL
         && cw_element_get_child (message, "no-permanent-store", CW_NS_HINTS) == NULL;
}

void
cw_mam_request_clear (CwMamRequest *request)
{
  g_clear_pointer (&request->queryid, g_free);
  g_clear_pointer (&request->with, g_free);
  g_clear_pointer (&request->after, g_free);
  g_clear_pointer (&request->before, g_free);
}

static gboolean
fail (GError **error, CwStanzaError condition)
{
  g_set_error_literal (error, CW_STANZA_ERROR, condition, cw_stanza_error_to_name (condition));
  return FALSE;
}

/* XEP-0082 date-time with a time zone, to microseconds since the epoch. */
static gboolean
parse_stamp (const gchar *text, gint64 *out)
{
  g_autoptr (GDateTime) dt = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

static gboolean
parse_field (CwElement *field, CwMamRequest *request, GError **error)
{
  const gchar *var = cw_element_get_attr (field, "var");
  const gchar *value = cw_element_get_child_text (field, "value", CW_NS_DATA_FORMS);
  g_autoptr (CwJid) with = NULL;

  if (g_strcmp0 (var, "FORM_TYPE") == 0)
    return g_strcmp0 (value, CW_NS_MAM) == 0 || fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  if (g_strcmp0 (var, "start") == 0)
    return parse_stamp (value, &request->start) || fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  if (g_strcmp0 (var, "end") == 0)
    return parse_stamp (value, &request->end) || fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  if (g_strcmp0 (var, "with") != 0)
    return fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  if (value == NULL || (with = cw_jid_parse (value, NULL)) == NULL)
    return fail (error, CW_STANZA_ERROR_JID_MALFORMED);
  g_free (request->with);
  request->with = g_strdup (cw_jid_get_bare_string (with));
  return TRUE;
}

static gboolean
parse_rsm (CwElement *set, CwMamRequest *request, GError **error)
{
  const gchar *max = cw_element_get_child_text (set, "max", CW_NS_RSM);
  CwElement *before = cw_element_get_child (set, "before", CW_NS_RSM);
  const gchar *after = cw_element_get_child_text (set, "after", CW_NS_RSM);
  guint64 n = CW_MAM_DEFAULT_MAX;

  if (max != NULL && !g_ascii_string_to_unsigned (max, 10, 0, G_MAXUINT, &n, NULL))
    return fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  if (before != NULL && after != NULL)
    return fail (error, CW_STANZA_ERROR_BAD_REQUEST);
  request->max = MIN (n, CW_MAM_LIMIT_MAX);
  request->after = g_strdup (after);
  request->before = before != NULL ? g_strdup (cw_element_get_text (before)) : NULL;
  return TRUE;
}

gboolean
cw_mam_request_parse (const CwElement *query, CwMamRequest *request, GError **error)
{
  CwElement *form = cw_element_get_child (query, "x", CW_NS_DATA_FORMS);
  CwElement *set = cw_element_get_child (query, "set", CW_NS_RSM);

  memset (request, 0, sizeof *request);
  request->queryid = g_strdup (cw_element_get_attr (query, "queryid"));
  request->max = CW_MAM_DEFAULT_MAX;
  if (form != NULL && g_strcmp0 (cw_element_get_attr (form, "type"), "submit") != 0)
    {
      cw_mam_request_clear (request);
      return fail (error, CW_STANZA_ERROR_BAD_REQUEST);
    }
  for (CwElement *f = form ? cw_element_first (form) : NULL; f != NULL; f = cw_element_next (f))
    if (cw_element_is (f, "field", CW_NS_DATA_FORMS) && !parse_field (f, request, error))
      {
        cw_mam_request_clear (request);
        return FALSE;
      }
  if (set != NULL && !parse_rsm (set, request, error))
    {
      cw_mam_request_clear (request);
      return FALSE;
    }
  return TRUE;
}

void
cw_mam_request_to_query (const CwMamRequest *request, CwArchiveQuery *query)
{
  *query = (CwArchiveQuery){
    .with = request->with,
    .start = request->start,
    .end = request->end,
    .after = request->after,
    .before = request->before,
    .max = request->max,
  };
}

static gpointer
mam_create (const CwModuleHost *host)
{
  return (gpointer)host;
}

/* Keeps @message in @user's archive; returns its id (transfer full), or
 * NULL when it could not be kept. */
static gchar *
archive (const CwModuleHost *host, const gchar *user, const gchar *with,
         CwArchiveDirection direction, CwElement *message)
{
  g_autoptr (CwArchiveEntry) entry = g_new0 (CwArchiveEntry, 1);
  g_autoptr (GError) error = NULL;

  entry->with = g_strdup (with);
  entry->direction = direction;
  entry->stanza = cw_element_to_string (message);
  if (!cw_gateway_store_archive_append (host->store, user, entry, &error))
    {
      g_debug ("mam: not archived for %s: %s", user, error->message);
      return NULL;
    }
  return g_steal_pointer (&entry->id);
}

/* What the user sends: into the sender's archive. */
static CwModuleResult
mam_client_stanza (gpointer data, CwC2sSession *session, CwElement *stanza)
{
  const CwModuleHost *host = data;
  CwJid *from = cw_c2s_session_get_jid (session);
  const gchar *to_str = cw_stanza_get_to (stanza);
  g_autoptr (CwJid) to = to_str != NULL ? cw_jid_parse (to_str, NULL) : NULL;
  g_autofree gchar *id = NULL;

  if (host->store == NULL || from == NULL || to == NULL || cw_jid_get_local (to) == NULL
      || cw_jid_equal_bare (from, to) || !cw_mam_is_archivable (stanza))
    return CW_MODULE_PASS;
  id = archive (host, cw_jid_get_local (from), cw_jid_get_bare_string (to),
                CW_ARCHIVE_DIRECTION_OUT, stanza);
  return CW_MODULE_PASS;
}

/* What the user receives: into the recipient's archive, and the
 * recipient learns its id (XEP-0359); ids claiming to be ours are
 * dropped first, so none can be forged. */
static CwModuleResult
mam_local_message (gpointer data, CwElement *stanza, const CwJid *to, GPtrArray *targets)
{
  const CwModuleHost *host = data;
  const gchar *by = cw_jid_get_bare_string (to);
  g_autoptr (CwJid) from = NULL;
  g_autofree gchar *id = NULL;
  CwElement *next;

  for (CwElement *c = cw_element_first (stanza); c != NULL; c = next)
    {
      next = cw_element_next (c);
      if (cw_element_is (c, "stanza-id", CW_NS_SID)
          && g_strcmp0 (cw_element_get_attr (c, "by"), by) == 0)
        cw_element_remove_child (stanza, c);
    }
  if (host->store == NULL || !cw_mam_is_archivable (stanza) || cw_stanza_get_from (stanza) == NULL
      || (from = cw_jid_parse (cw_stanza_get_from (stanza), NULL)) == NULL
      || cw_jid_equal_bare (from, to))
    return CW_MODULE_PASS;
  id = archive (host, cw_jid_get_local (to), cw_jid_get_bare_string (from), CW_ARCHIVE_DIRECTION_IN,
                stanza);
  if (id != NULL)
    {
      CwElement *sid = cw_element_add (stanza, "stanza-id", CW_NS_SID);

      cw_element_set_attr (sid, "id", id);
      cw_element_set_attr (sid, "by", by);
    }
  return CW_MODULE_PASS;
}

/* <message><result queryid id><forwarded><delay/>the message… for @entry. */
static CwElement *
result_message (const CwMamRequest *request, const gchar *bare, const gchar *to,
                CwArchiveEntry *entry)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) original = cw_element_parse (entry->stanza, -1, &error);
  g_autofree gchar *id = cw_stanza_generate_id ();
  CwElement *message, *result, *forwarded;

  if (original == NULL)
    {
      g_warning ("mam: unreadable archive entry %s: %s", entry->id, error->message);
      return NULL;
    }
  message = cw_stanza_message_new (NULL, bare, to, id, NULL);
  result = cw_element_add (message, "result", CW_NS_MAM);
  if (request->queryid != NULL)
    cw_element_set_attr (result, "queryid", request->queryid);
  cw_element_set_attr (result, "id", entry->id);
  forwarded = cw_element_add (result, "forwarded", CW_NS_FORWARD);
  cw_element_add_child (forwarded, cw_module_delay_new (NULL, entry->timestamp));
  cw_element_add_child (forwarded, g_steal_pointer (&original));
  return message;
}

/* <fin complete?><set><first/><last/><count/></set></fin> */
static CwElement *
fin_element (GPtrArray *page, gboolean complete, guint count)
{
  CwElement *fin = cw_element_new ("fin", CW_NS_MAM);
  CwElement *set = cw_element_add (fin, "set", CW_NS_RSM);
  g_autofree gchar *n = g_strdup_printf ("%u", count);

  if (complete)
    cw_element_set_attr (fin, "complete", "true");
  if (page->len > 0)
    {
      cw_element_add_text_child (set, "first", CW_NS_RSM, ((CwArchiveEntry *)page->pdata[0])->id);
      cw_element_add_text_child (set, "last", CW_NS_RSM,
                                 ((CwArchiveEntry *)page->pdata[page->len - 1])->id);
    }
  cw_element_add_text_child (set, "count", CW_NS_RSM, n);
  return fin;
}

static void
mam_query (const CwModuleHost *host, CwElement *iq, CwJid *from, CwElement *query)
{
  g_auto (CwMamRequest) request = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = NULL;
  CwArchiveQuery q;
  gboolean complete = FALSE;
  guint count = 0;
  CwRouterResource *res = cw_module_find_resource (host, from);

  if (!cw_mam_request_parse (query, &request, &error))
    {
      cw_module_reply_error (host, iq, error->code);
      return;
    }
  cw_mam_request_to_query (&request, &q);
  page
    = cw_gateway_store_archive_query (host->store, cw_jid_get_local (from), &q, &complete, &error);
  if (page == NULL
      || !cw_gateway_store_archive_count (host->store, cw_jid_get_local (from), &q, &count, NULL))
    {
      cw_module_reply_error (host, iq,
                             g_error_matches (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND)
                               ? CW_STANZA_ERROR_ITEM_NOT_FOUND
                               : CW_STANZA_ERROR_INTERNAL_SERVER_ERROR);
      return;
    }
  for (guint i = 0; res != NULL && i < page->len; i++)
    {
      g_autoptr (CwElement) message = result_message (&request, cw_jid_get_bare_string (from),
                                                      cw_jid_to_string (from), page->pdata[i]);

      if (message != NULL)
        cw_router_resource_deliver (res, message);
    }
  cw_module_reply_result (host, iq, fin_element (page, complete, count));
}

/* The search form (XEP-0313 §4.1.1): FORM_TYPE, with, start, end. */
static CwElement *
search_form (void)
{
  static const gchar *const fields[][2]
    = { { "with", "jid-single" }, { "start", "text-single" }, { "end", "text-single" } };
  CwElement *query = cw_element_new ("query", CW_NS_MAM);
  CwElement *x = cw_element_add (query, "x", CW_NS_DATA_FORMS);
  CwElement *type = cw_element_add (x, "field", CW_NS_DATA_FORMS);

  cw_element_set_attr (x, "type", "form");
  cw_element_set_attr (type, "var", "FORM_TYPE");
  cw_element_set_attr (type, "type", "hidden");
  cw_element_add_text_child (type, "value", CW_NS_DATA_FORMS, CW_NS_MAM);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      CwElement *field = cw_element_add (x, "field", CW_NS_DATA_FORMS);

      cw_element_set_attr (field, "var", fields[i][0]);
      cw_element_set_attr (field, "type", fields[i][1]);
    }
  return query;
}

/* Preferences are fixed: everything is archived (XEP-0313 §6). */
static CwElement *
prefs (void)
{
  CwElement *el = cw_element_new ("prefs", CW_NS_MAM);

  cw_element_set_attr (el, "default", "always");
  cw_element_add (el, "always", CW_NS_MAM);
  cw_element_add (el, "never", CW_NS_MAM);
  return el;
}

/* An IQ to the server or to the sender's own bare JID. */
static gboolean
to_own_archive (const CwModuleHost *host, CwElement *iq, CwJid *from)
{
  const gchar *to = cw_stanza_get_to (iq);
  g_autofree gchar *norm = to != NULL ? cw_jid_normalize (to, NULL) : NULL;

  return to == NULL || g_strcmp0 (norm, host->domain) == 0
         || g_strcmp0 (norm, cw_jid_get_bare_string (from)) == 0;
}

static CwModuleResult
mam_server_stanza (gpointer data, CwElement *stanza)
{
  const CwModuleHost *host = data;
  CwElement *payload = cw_stanza_iq_get_payload (stanza);
  const gchar *type = cw_stanza_get_type (stanza);
  g_autoptr (CwJid) from = NULL;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_IQ || payload == NULL
      || g_strcmp0 (cw_element_get_ns (payload), CW_NS_MAM) != 0
      || cw_stanza_get_from (stanza) == NULL
      || (from = cw_jid_parse (cw_stanza_get_from (stanza), NULL)) == NULL
      || cw_jid_get_local (from) == NULL || !to_own_archive (host, stanza, from))
    return CW_MODULE_PASS;
  if (host->store == NULL)
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_SERVICE_UNAVAILABLE);
  else if (cw_element_is (payload, "query", CW_NS_MAM) && g_strcmp0 (type, "set") == 0)
    mam_query (host, stanza, from, payload);
  else if (cw_element_is (payload, "query", CW_NS_MAM) && g_strcmp0 (type, "get") == 0)
    cw_module_reply_result (host, stanza, search_form ());
  else if (cw_element_is (payload, "prefs", CW_NS_MAM)
           && (g_strcmp0 (type, "get") == 0 || g_strcmp0 (type, "set") == 0))
    cw_module_reply_result (host, stanza, prefs ());
  else if (g_strcmp0 (type, "get") == 0 || g_strcmp0 (type, "set") == 0)
    cw_module_reply_error (host, stanza, CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED);
  else
    return CW_MODULE_PASS;
  return CW_MODULE_HANDLED;
}

const CwModule cw_mod_mam = {
  .name = "mam",
  .create = mam_create,
  .server_stanza = mam_server_stanza,
  .client_stanza = mam_client_stanza,
  .local_message = mam_local_message,
  .account_features = mam_account_features,
};
