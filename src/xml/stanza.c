/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Stanza helpers: message/presence/iq, and stanza and stream errors <-> GError. */
#include "config.h"
#include "xml/stanza.h"

#include <string.h>

#include "common/namespaces.h"

/* Indexed by CwStanzaKind. */
static const gchar *const kind_names[] = { NULL, "message", "presence", "iq" };
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == CW_STANZA_KIND_IQ + 1);

/* Indexed by CwIqType. */
static const gchar *const iq_type_names[] = { "get", "set", "result", "error" };
G_STATIC_ASSERT (G_N_ELEMENTS (iq_type_names) == CW_IQ_TYPE_ERROR + 1);

/* ---- building ---------------------------------------------------------- */

CwElement *
cw_stanza_new (CwStanzaKind kind, const gchar *ns, const gchar *type,
               const gchar *from, const gchar *to, const gchar *id)
{
  CwElement *el;

  g_return_val_if_fail (kind > CW_STANZA_KIND_OTHER && kind <= CW_STANZA_KIND_IQ, NULL);
  el = cw_element_new (kind_names[kind], ns != NULL ? ns : CW_NS_CLIENT);
  cw_element_set_attr (el, "from", from);
  cw_element_set_attr (el, "to", to);
  cw_element_set_attr (el, "type", type);
  cw_element_set_attr (el, "id", id);
  return el;
}

CwElement *
cw_stanza_message_new (const gchar *type, const gchar *from, const gchar *to,
                       const gchar *id, const gchar *body)
{
  g_autofree gchar *generated = id == NULL ? cw_stanza_generate_id () : NULL;
  CwElement *el;

  el = cw_stanza_new (CW_STANZA_KIND_MESSAGE, NULL, type, from, to, id != NULL ? id : generated);
  if (body != NULL)
    cw_element_add_text_child (el, "body", NULL, body);
  return el;
}

CwElement *
cw_stanza_presence_new (const gchar *type, const gchar *from, const gchar *to)
{
  return cw_stanza_new (CW_STANZA_KIND_PRESENCE, NULL, type, from, to, NULL);
}

const gchar *
cw_stanza_iq_type_to_name (CwIqType type)
{
  if ((guint) type >= G_N_ELEMENTS (iq_type_names))
    return NULL;
  return iq_type_names[type];
}

CwElement *
cw_stanza_iq_new (CwIqType type, const gchar *from, const gchar *to, const gchar *id)
{
  const gchar *type_name = cw_stanza_iq_type_to_name (type);
  g_autofree gchar *generated = NULL;

  g_return_val_if_fail (type_name != NULL, NULL);
  if (id == NULL)
    id = generated = cw_stanza_generate_id ();
  return cw_stanza_new (CW_STANZA_KIND_IQ, NULL, type_name, from, to, id);
}

CwElement *
cw_stanza_iq_result_new (const CwElement *request)
{
  CwIqType type;

  g_return_val_if_fail (cw_stanza_iq_get_type (request, &type), NULL);
  g_return_val_if_fail (type == CW_IQ_TYPE_GET || type == CW_IQ_TYPE_SET, NULL);
  return cw_stanza_new (CW_STANZA_KIND_IQ, cw_element_get_ns (request), "result",
                        cw_stanza_get_to (request), cw_stanza_get_from (request),
                        cw_stanza_get_id (request));
}

gchar *
cw_stanza_generate_id (void)
{
  return g_uuid_string_random ();
}

/* ---- inspecting -------------------------------------------------------- */

CwStanzaKind
cw_stanza_get_kind (const CwElement *el)
{
  const gchar *ns;

  g_return_val_if_fail (el != NULL, CW_STANZA_KIND_OTHER);
  if (cw_element_is_text (el))
    return CW_STANZA_KIND_OTHER;
  ns = cw_element_get_ns (el);
  if (strcmp (ns, CW_NS_CLIENT) != 0 && strcmp (ns, CW_NS_SERVER) != 0)
    return CW_STANZA_KIND_OTHER;
  for (guint k = CW_STANZA_KIND_MESSAGE; k < G_N_ELEMENTS (kind_names); k++)
    if (strcmp (el->name, kind_names[k]) == 0)
      return (CwStanzaKind) k;
  return CW_STANZA_KIND_OTHER;
}

const gchar *
cw_stanza_get_type (const CwElement *el)
{
  return cw_element_get_attr (el, "type");
}

const gchar *
cw_stanza_get_from (const CwElement *el)
{
  return cw_element_get_attr (el, "from");
}

const gchar *
cw_stanza_get_to (const CwElement *el)
{
  return cw_element_get_attr (el, "to");
}

const gchar *
cw_stanza_get_id (const CwElement *el)
{
  return cw_element_get_attr (el, "id");
}

gboolean
cw_stanza_iq_get_type (const CwElement *iq, CwIqType *type)
{
  const gchar *name;

  g_return_val_if_fail (iq != NULL, FALSE);
  if (cw_stanza_get_kind (iq) != CW_STANZA_KIND_IQ)
    return FALSE;
  name = cw_stanza_get_type (iq);
  if (name == NULL)
    return FALSE;
  for (guint t = 0; t < G_N_ELEMENTS (iq_type_names); t++)
    if (strcmp (name, iq_type_names[t]) == 0)
      {
        if (type != NULL)
          *type = (CwIqType) t;
        return TRUE;
      }
  return FALSE;
}

/* The <error/> child of a stanza: in the stanza's own namespace. */
static gboolean
is_stanza_error_child (const CwElement *stanza, const CwElement *child)
{
  return cw_element_is (child, "error", cw_element_get_ns (stanza));
}

CwElement *
cw_stanza_iq_get_payload (const CwElement *iq)
{
  CwElement *payload = NULL;

  g_return_val_if_fail (iq != NULL, NULL);
  for (CwElement *c = cw_element_first (iq); c != NULL; c = cw_element_next (c))
    {
      if (is_stanza_error_child (iq, c))
        continue;
      if (payload != NULL)
        return NULL;
      payload = c;
    }
  return payload;
}

/* ---- errors: shared by stanza and stream errors ------------------------ */

/* Conditions whose element content is an address to go to, not prose. */
static gboolean
carries_address (const gchar *condition)
{
  return strcmp (condition, "gone") == 0 || strcmp (condition, "redirect") == 0
         || strcmp (condition, "see-other-host") == 0;
}

static gboolean
is_stanza_condition (const gchar *name)
{
  return cw_stanza_error_from_name (name, NULL);
}

static gboolean
is_stream_condition (const gchar *name)
{
  return cw_stream_error_from_name (name, NULL);
}

/* The condition to send for @error in a domain whose conditions @known
 * recognises. Sets *text to what may be said about it. internal-server-error
 * and undefined-condition exist in both domains, so they are safe
 * fallbacks for either. */
static const gchar *
condition_for_error (const GError *error, gboolean (*known) (const gchar *), const gchar **text)
{
  const gchar *name = NULL;

  if (error->domain == CW_STANZA_ERROR)
    name = cw_stanza_error_to_name (error->code);
  else if (error->domain == CW_STREAM_ERROR)
    name = cw_stream_error_to_name (error->code);
  else
    {
      /* A local failure (I/O, storage, …): its message may carry paths or
       * other details that are none of the peer's business. */
      g_debug ("sending internal-server-error for %s %d: %s",
               g_quark_to_string (error->domain), error->code, error->message);
      *text = NULL;
      return "internal-server-error";
    }
  *text = error->message;
  return name != NULL && known (name) ? name : "undefined-condition";
}

/* <error xmlns=ns> holding <condition xmlns=cond_ns/> and, when @text says
 * more than the condition name, either <text/> or, for addresses, the
 * condition's content. */
static CwElement *
error_element_build (const gchar *ns, const gchar *cond_ns, const gchar *condition,
                     const gchar *text)
{
  CwElement *el = cw_element_new ("error", ns);
  CwElement *cond = cw_element_add (el, condition, cond_ns);

  if (text == NULL || *text == '\0' || strcmp (text, condition) == 0)
    return el;
  if (carries_address (condition))
    cw_element_append_text (cond, text, -1);
  else
    cw_element_add_text_child (el, "text", cond_ns, text);
  return el;
}

/* What an <error/> or <stream:error> holds. Pointers are into the tree. */
typedef struct
{
  CwElement *condition;     /* first known condition element */
  const gchar *unknown;     /* name of the first unknown one */
  const gchar *text;        /* content of the first <text/> */
  CwElement *app_specific;  /* first child outside @cond_ns */
} ErrorParts;

static void
error_parts_collect (CwElement *error_el, const gchar *cond_ns,
                     gboolean (*known) (const gchar *), ErrorParts *parts)
{
  memset (parts, 0, sizeof (*parts));
  for (CwElement *c = cw_element_first (error_el); c != NULL; c = cw_element_next (c))
    {
      if (!cw_element_is (c, NULL, cond_ns))
        {
          if (parts->app_specific == NULL)
            parts->app_specific = c;
        }
      else if (strcmp (c->name, "text") == 0)
        {
          /* Several <text/> in different xml:lang may come; the first is
           * as good a guess as any without knowing the user's locale. */
          if (parts->text == NULL)
            parts->text = cw_element_get_text (c);
        }
      else if (known (c->name))
        {
          if (parts->condition == NULL)
            parts->condition = c;
        }
      else if (parts->unknown == NULL)
        parts->unknown = c->name;
    }
}

/* The GError message: the address for address-carrying conditions, else
 * the <text/>, else the name of the condition as received. */
static gchar *
error_parts_message (ErrorParts *parts, const gchar *fallback)
{
  if (parts->condition != NULL && carries_address (parts->condition->name))
    {
      /* Addresses are tokens: a pretty-printing peer's whitespace is not
       * part of them. */
      g_autofree gchar *address = g_strstrip (g_strdup (cw_element_get_text (parts->condition)));

      if (*address != '\0')
        return g_steal_pointer (&address);
    }
  if (parts->text != NULL && *parts->text != '\0')
    return g_strdup (parts->text);
  if (parts->condition != NULL)
    return g_strdup (parts->condition->name);
  return g_strdup (parts->unknown != NULL ? parts->unknown : fallback);
}

/* ---- stanza errors ----------------------------------------------------- */

CwElement *
cw_stanza_error_element_new_full (CwStanzaError condition, CwStanzaErrorType type,
                                  const gchar *text, CwElement *app_specific)
{
  const gchar *name = cw_stanza_error_to_name (condition);
  const gchar *type_name = cw_stanza_error_type_to_name (type);
  CwElement *el;

  g_return_val_if_fail (name != NULL && type_name != NULL, NULL);
  /* No namespace of its own: added to a stanza, it takes the stanza's,
   * jabber:client or jabber:server. */
  el = error_element_build (NULL, CW_NS_STANZAS, name, text);
  cw_element_set_attr (el, "type", type_name);
  if (app_specific != NULL)
    cw_element_add_child (el, app_specific);
  return el;
}

CwElement *
cw_stanza_error_element_new (const GError *error)
{
  CwStanzaError code = CW_STANZA_ERROR_UNDEFINED_CONDITION;
  const gchar *text;
  const gchar *name;

  g_return_val_if_fail (error != NULL, NULL);
  name = condition_for_error (error, is_stanza_condition, &text);
  cw_stanza_error_from_name (name, &code);
  return cw_stanza_error_element_new_full (code, cw_stanza_error_default_type (code), text, NULL);
}

/* XEP-0086: numeric codes from before RFC 3920. 402 (payment-required) has
 * no RFC 6120 condition and stays undefined. */
static gboolean
condition_from_legacy_code (const gchar *code, CwStanzaError *condition)
{
  static const struct
  {
    guint16 code;
    CwStanzaError condition;
  } map[] = {
    { 302, CW_STANZA_ERROR_REDIRECT },
    { 400, CW_STANZA_ERROR_BAD_REQUEST },
    { 401, CW_STANZA_ERROR_NOT_AUTHORIZED },
    { 403, CW_STANZA_ERROR_FORBIDDEN },
    { 404, CW_STANZA_ERROR_ITEM_NOT_FOUND },
    { 405, CW_STANZA_ERROR_NOT_ALLOWED },
    { 406, CW_STANZA_ERROR_NOT_ACCEPTABLE },
    { 407, CW_STANZA_ERROR_REGISTRATION_REQUIRED },
    { 408, CW_STANZA_ERROR_REMOTE_SERVER_TIMEOUT },
    { 409, CW_STANZA_ERROR_CONFLICT },
    { 500, CW_STANZA_ERROR_INTERNAL_SERVER_ERROR },
    { 501, CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED },
    { 502, CW_STANZA_ERROR_SERVICE_UNAVAILABLE },
    { 503, CW_STANZA_ERROR_SERVICE_UNAVAILABLE },
    { 504, CW_STANZA_ERROR_REMOTE_SERVER_TIMEOUT },
    { 510, CW_STANZA_ERROR_SERVICE_UNAVAILABLE },
  };
  guint64 n;

  if (code == NULL || !g_ascii_string_to_unsigned (code, 10, 100, 599, &n, NULL))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (map[i].code == n)
      {
        *condition = map[i].condition;
        return TRUE;
      }
  return FALSE;
}

/* Finds the error in @el: @el itself when it is an <error/> (jabber:client,
 * jabber:server or no namespace, as cw_stanza_error_element_new() leaves
 * it), or the <error/> child of a type='error' stanza, which may be
 * missing. Returns FALSE when @el is not an error at all. */
static gboolean
find_stanza_error (CwElement *el, CwElement **error_el)
{
  const gchar *ns = cw_element_get_ns (el);

  *error_el = NULL;
  if (cw_element_is (el, "error", NULL)
      && (*ns == '\0' || strcmp (ns, CW_NS_CLIENT) == 0 || strcmp (ns, CW_NS_SERVER) == 0))
    {
      *error_el = el;
      return TRUE;
    }
  if (cw_stanza_get_kind (el) == CW_STANZA_KIND_OTHER
      || g_strcmp0 (cw_stanza_get_type (el), "error") != 0)
    return FALSE;
  *error_el = cw_element_get_child (el, "error", ns);
  return TRUE;
}

/* Interprets an <error/> (NULL when the stanza lacked one) into a condition
 * and a message (owned). */
static CwStanzaError
stanza_error_interpret (CwElement *error_el, ErrorParts *parts, gchar **message)
{
  CwStanzaError code = CW_STANZA_ERROR_UNDEFINED_CONDITION;
  g_autofree gchar *own = NULL;

  memset (parts, 0, sizeof (*parts));
  if (error_el == NULL)
    {
      *message = g_strdup (cw_stanza_error_to_name (code));
      return code;
    }
  error_parts_collect (error_el, CW_NS_STANZAS, is_stanza_condition, parts);
  if (parts->condition != NULL)
    cw_stanza_error_from_name (parts->condition->name, &code);
  else if (condition_from_legacy_code (cw_element_get_attr (error_el, "code"), &code))
    {
      /* Legacy errors carried their text as the <error/>'s own content. */
      own = g_strstrip (g_strdup (cw_element_get_text (error_el)));
      parts->unknown = NULL;  /* the code named the condition */
      if (parts->text == NULL && *own != '\0')
        {
          *message = g_steal_pointer (&own);
          return code;
        }
    }
  *message = error_parts_message (parts, cw_stanza_error_to_name (code));
  return code;
}

gboolean
cw_stanza_error_from_element_full (CwElement *el, CwStanzaErrorType *type,
                                   CwElement **app_specific, GError **error)
{
  CwElement *error_el;
  ErrorParts parts;
  g_autofree gchar *message = NULL;
  CwStanzaError code;

  g_return_val_if_fail (el != NULL, TRUE);
  if (!find_stanza_error (el, &error_el))
    return TRUE;
  code = stanza_error_interpret (error_el, &parts, &message);
  if (type != NULL)
    {
      const gchar *attr = error_el != NULL ? cw_element_get_attr (error_el, "type") : NULL;

      if (attr == NULL || !cw_stanza_error_type_from_name (attr, type))
        *type = cw_stanza_error_default_type (code);
    }
  if (app_specific != NULL)
    *app_specific = parts.app_specific;
  g_set_error_literal (error, CW_STANZA_ERROR, code, message);
  return FALSE;
}

gboolean
cw_stanza_error_from_element (CwElement *el, GError **error)
{
  return cw_stanza_error_from_element_full (el, NULL, NULL, error);
}

CwElement *
cw_stanza_error_reply_take (const CwElement *request, CwElement *error_el)
{
  g_autoptr (CwElement) owned = error_el;
  CwStanzaKind kind;
  const gchar *type;
  CwElement *reply;

  g_return_val_if_fail (request != NULL && error_el != NULL, NULL);
  kind = cw_stanza_get_kind (request);
  type = cw_stanza_get_type (request);
  /* Answering an error or a result with an error invites loops between
   * two peers that each dislike what the other sent. */
  if (kind == CW_STANZA_KIND_OTHER || g_strcmp0 (type, "error") == 0
      || (kind == CW_STANZA_KIND_IQ && g_strcmp0 (type, "result") == 0))
    return NULL;
  reply = cw_stanza_new (kind, cw_element_get_ns (request), "error",
                         cw_stanza_get_to (request), cw_stanza_get_from (request),
                         cw_stanza_get_id (request));
  if (kind == CW_STANZA_KIND_IQ)
    for (CwElement *c = cw_element_first (request); c != NULL; c = cw_element_next (c))
      if (!is_stanza_error_child (request, c))
        cw_element_add_child (reply, cw_element_copy (c));
  cw_element_add_child (reply, g_steal_pointer (&owned));
  return reply;
}

CwElement *
cw_stanza_error_reply (const CwElement *request, const GError *error)
{
  g_return_val_if_fail (request != NULL && error != NULL, NULL);
  return cw_stanza_error_reply_take (request, cw_stanza_error_element_new (error));
}

/* ---- stream errors ----------------------------------------------------- */

CwElement *
cw_stream_error_element_new (const GError *error)
{
  const gchar *text;
  const gchar *name;

  g_return_val_if_fail (error != NULL, NULL);
  name = condition_for_error (error, is_stream_condition, &text);
  return error_element_build (CW_NS_STREAM, CW_NS_STREAMS, name, text);
}

gboolean
cw_stream_error_from_element (CwElement *el, GError **error)
{
  CwStreamError code = CW_STREAM_ERROR_UNDEFINED_CONDITION;
  ErrorParts parts;
  g_autofree gchar *message = NULL;

  g_return_val_if_fail (el != NULL, TRUE);
  if (!cw_element_is (el, "error", CW_NS_STREAM))
    return TRUE;
  error_parts_collect (el, CW_NS_STREAMS, is_stream_condition, &parts);
  if (parts.condition != NULL)
    cw_stream_error_from_name (parts.condition->name, &code);
  message = error_parts_message (&parts, cw_stream_error_to_name (code));
  g_set_error_literal (error, CW_STREAM_ERROR, code, message);
  return FALSE;
}
