/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XMPP stream and stanza error conditions (RFC 6120 §4.9, §8.3) as GError domains. */
#include "config.h"
#include "common/xmpp-error.h"

#include <string.h>

G_DEFINE_QUARK (cw-stream-error-quark, cw_stream_error)
G_DEFINE_QUARK (cw-stanza-error-quark, cw_stanza_error)

/* Indexed by CwStreamError; the static asserts below keep the tables in
 * step with the enums. */
static const gchar *const stream_names[] = {
  "bad-format",
  "bad-namespace-prefix",
  "conflict",
  "connection-timeout",
  "host-gone",
  "host-unknown",
  "improper-addressing",
  "internal-server-error",
  "invalid-from",
  "invalid-namespace",
  "invalid-xml",
  "not-authorized",
  "not-well-formed",
  "policy-violation",
  "remote-connection-failed",
  "reset",
  "resource-constraint",
  "restricted-xml",
  "see-other-host",
  "system-shutdown",
  "undefined-condition",
  "unsupported-encoding",
  "unsupported-feature",
  "unsupported-stanza-type",
  "unsupported-version",
};
G_STATIC_ASSERT (G_N_ELEMENTS (stream_names) == CW_STREAM_ERROR_UNSUPPORTED_VERSION + 1);

typedef struct
{
  const gchar *name;
  CwStanzaErrorType type;  /* the type of the condition's example in §8.3.3 */
} StanzaCondition;

static const StanzaCondition stanza_conditions[] = {
  { "bad-request", CW_STANZA_ERROR_TYPE_MODIFY },
  { "conflict", CW_STANZA_ERROR_TYPE_CANCEL },
  { "feature-not-implemented", CW_STANZA_ERROR_TYPE_CANCEL },
  { "forbidden", CW_STANZA_ERROR_TYPE_AUTH },
  { "gone", CW_STANZA_ERROR_TYPE_CANCEL },
  { "internal-server-error", CW_STANZA_ERROR_TYPE_CANCEL },
  { "item-not-found", CW_STANZA_ERROR_TYPE_CANCEL },
  { "jid-malformed", CW_STANZA_ERROR_TYPE_MODIFY },
  { "not-acceptable", CW_STANZA_ERROR_TYPE_MODIFY },
  { "not-allowed", CW_STANZA_ERROR_TYPE_CANCEL },
  { "not-authorized", CW_STANZA_ERROR_TYPE_AUTH },
  { "policy-violation", CW_STANZA_ERROR_TYPE_MODIFY },
  { "recipient-unavailable", CW_STANZA_ERROR_TYPE_WAIT },
  { "redirect", CW_STANZA_ERROR_TYPE_MODIFY },
  { "registration-required", CW_STANZA_ERROR_TYPE_AUTH },
  { "remote-server-not-found", CW_STANZA_ERROR_TYPE_CANCEL },
  { "remote-server-timeout", CW_STANZA_ERROR_TYPE_WAIT },
  { "resource-constraint", CW_STANZA_ERROR_TYPE_WAIT },
  { "service-unavailable", CW_STANZA_ERROR_TYPE_CANCEL },
  { "subscription-required", CW_STANZA_ERROR_TYPE_AUTH },
  { "undefined-condition", CW_STANZA_ERROR_TYPE_MODIFY },
  { "unexpected-request", CW_STANZA_ERROR_TYPE_WAIT },
};
G_STATIC_ASSERT (G_N_ELEMENTS (stanza_conditions) == CW_STANZA_ERROR_UNEXPECTED_REQUEST + 1);

static const gchar *const type_names[] = {
  "auth",
  "cancel",
  "continue",
  "modify",
  "wait",
};
G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == CW_STANZA_ERROR_TYPE_WAIT + 1);

/* Index of @name in @names, or -1. The tables are a few dozen short
 * strings, so a linear scan beats building a hash table. */
static gint
lookup (const gchar *const *names, gsize n_names, const gchar *name)
{
  for (gsize i = 0; i < n_names; i++)
    if (strcmp (names[i], name) == 0)
      return (gint) i;
  return -1;
}

const gchar *
cw_stream_error_to_name (CwStreamError code)
{
  if ((guint) code >= G_N_ELEMENTS (stream_names))
    return NULL;
  return stream_names[code];
}

gboolean
cw_stream_error_from_name (const gchar *name, CwStreamError *code)
{
  gint i;

  g_return_val_if_fail (name != NULL, FALSE);
  i = lookup (stream_names, G_N_ELEMENTS (stream_names), name);
  if (i < 0)
    return FALSE;
  if (code != NULL)
    *code = (CwStreamError) i;
  return TRUE;
}

const gchar *
cw_stanza_error_to_name (CwStanzaError code)
{
  if ((guint) code >= G_N_ELEMENTS (stanza_conditions))
    return NULL;
  return stanza_conditions[code].name;
}

gboolean
cw_stanza_error_from_name (const gchar *name, CwStanzaError *code)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (stanza_conditions); i++)
    if (strcmp (stanza_conditions[i].name, name) == 0)
      {
        if (code != NULL)
          *code = (CwStanzaError) i;
        return TRUE;
      }
  return FALSE;
}

const gchar *
cw_stanza_error_type_to_name (CwStanzaErrorType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return NULL;
  return type_names[type];
}

gboolean
cw_stanza_error_type_from_name (const gchar *name, CwStanzaErrorType *type)
{
  gint i;

  g_return_val_if_fail (name != NULL, FALSE);
  i = lookup (type_names, G_N_ELEMENTS (type_names), name);
  if (i < 0)
    return FALSE;
  if (type != NULL)
    *type = (CwStanzaErrorType) i;
  return TRUE;
}

CwStanzaErrorType
cw_stanza_error_default_type (CwStanzaError code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (stanza_conditions),
                        CW_STANZA_ERROR_TYPE_CANCEL);
  return stanza_conditions[code].type;
}
