/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XMPP stream and stanza error conditions (RFC 6120 §4.9, §8.3) as GError domains. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 6120 §4.9.3 stream error conditions. Codes are stable; order follows
 * the RFC. */
typedef enum
{
  CW_STREAM_ERROR_BAD_FORMAT,
  CW_STREAM_ERROR_BAD_NAMESPACE_PREFIX,
  CW_STREAM_ERROR_CONFLICT,
  CW_STREAM_ERROR_CONNECTION_TIMEOUT,
  CW_STREAM_ERROR_HOST_GONE,
  CW_STREAM_ERROR_HOST_UNKNOWN,
  CW_STREAM_ERROR_IMPROPER_ADDRESSING,
  CW_STREAM_ERROR_INTERNAL_SERVER_ERROR,
  CW_STREAM_ERROR_INVALID_FROM,
  CW_STREAM_ERROR_INVALID_NAMESPACE,
  CW_STREAM_ERROR_INVALID_XML,
  CW_STREAM_ERROR_NOT_AUTHORIZED,
  CW_STREAM_ERROR_NOT_WELL_FORMED,
  CW_STREAM_ERROR_POLICY_VIOLATION,
  CW_STREAM_ERROR_REMOTE_CONNECTION_FAILED,
  CW_STREAM_ERROR_RESET,
  CW_STREAM_ERROR_RESOURCE_CONSTRAINT,
  CW_STREAM_ERROR_RESTRICTED_XML,
  CW_STREAM_ERROR_SEE_OTHER_HOST,
  CW_STREAM_ERROR_SYSTEM_SHUTDOWN,
  CW_STREAM_ERROR_UNDEFINED_CONDITION,
  CW_STREAM_ERROR_UNSUPPORTED_ENCODING,
  CW_STREAM_ERROR_UNSUPPORTED_FEATURE,
  CW_STREAM_ERROR_UNSUPPORTED_STANZA_TYPE,
  CW_STREAM_ERROR_UNSUPPORTED_VERSION,
} CwStreamError;

/* RFC 6120 §8.3.3 stanza error conditions. */
typedef enum
{
  CW_STANZA_ERROR_BAD_REQUEST,
  CW_STANZA_ERROR_CONFLICT,
  CW_STANZA_ERROR_FEATURE_NOT_IMPLEMENTED,
  CW_STANZA_ERROR_FORBIDDEN,
  CW_STANZA_ERROR_GONE,
  CW_STANZA_ERROR_INTERNAL_SERVER_ERROR,
  CW_STANZA_ERROR_ITEM_NOT_FOUND,
  CW_STANZA_ERROR_JID_MALFORMED,
  CW_STANZA_ERROR_NOT_ACCEPTABLE,
  CW_STANZA_ERROR_NOT_ALLOWED,
  CW_STANZA_ERROR_NOT_AUTHORIZED,
  CW_STANZA_ERROR_POLICY_VIOLATION,
  CW_STANZA_ERROR_RECIPIENT_UNAVAILABLE,
  CW_STANZA_ERROR_REDIRECT,
  CW_STANZA_ERROR_REGISTRATION_REQUIRED,
  CW_STANZA_ERROR_REMOTE_SERVER_NOT_FOUND,
  CW_STANZA_ERROR_REMOTE_SERVER_TIMEOUT,
  CW_STANZA_ERROR_RESOURCE_CONSTRAINT,
  CW_STANZA_ERROR_SERVICE_UNAVAILABLE,
  CW_STANZA_ERROR_SUBSCRIPTION_REQUIRED,
  CW_STANZA_ERROR_UNDEFINED_CONDITION,
  CW_STANZA_ERROR_UNEXPECTED_REQUEST,
} CwStanzaError;

/* RFC 6120 §8.3.2 error types. */
typedef enum
{
  CW_STANZA_ERROR_TYPE_AUTH,
  CW_STANZA_ERROR_TYPE_CANCEL,
  CW_STANZA_ERROR_TYPE_CONTINUE,
  CW_STANZA_ERROR_TYPE_MODIFY,
  CW_STANZA_ERROR_TYPE_WAIT,
} CwStanzaErrorType;

#define CW_STREAM_ERROR (cw_stream_error_quark ())
#define CW_STANZA_ERROR (cw_stanza_error_quark ())
GQuark cw_stream_error_quark (void);
GQuark cw_stanza_error_quark (void);

/* Condition element names ("not-well-formed") <-> codes. from_name returns
 * FALSE for an unknown name. */
const gchar *cw_stream_error_to_name (CwStreamError code);
gboolean cw_stream_error_from_name (const gchar *name, CwStreamError *code);
const gchar *cw_stanza_error_to_name (CwStanzaError code);
gboolean cw_stanza_error_from_name (const gchar *name, CwStanzaError *code);
const gchar *cw_stanza_error_type_to_name (CwStanzaErrorType type);
gboolean cw_stanza_error_type_from_name (const gchar *name, CwStanzaErrorType *type);
/* The type RFC 6120 §8.3.3 gives each condition in its examples. */
CwStanzaErrorType cw_stanza_error_default_type (CwStanzaError code);

G_END_DECLS
