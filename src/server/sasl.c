/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwSaslServer: the mechanisms to offer and one negotiation's state machine (SCRAM, PLAIN). */
#include "config.h"
#include "server/sasl.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "common/jid.h"
#include "server/scram.h"

/* authzid NUL authcid NUL password: generous, and still bounded. */
#define MAX_PLAIN_LENGTH 4096

typedef enum
{
  STATE_NEW,
  STATE_PLAIN,       /* started without an initial response */
  STATE_SCRAM_FIRST, /* waiting for the client-first-message */
  STATE_SCRAM_FINAL, /* waiting for the client-final-message */
  STATE_DONE,        /* SUCCESS or FAILURE was returned */
} SaslState;

typedef enum
{
  MECH_SCRAM_SHA_256_PLUS,
  MECH_SCRAM_SHA_1_PLUS,
  MECH_SCRAM_SHA_256,
  MECH_SCRAM_SHA_1,
  MECH_PLAIN,
  N_MECHS,
} Mech;

/* Strongest first: the order they are offered in. */
static const struct
{
  const gchar *name;
  CwSaslHash hash;
  gboolean plus;
} mechs[N_MECHS] = {
  [MECH_SCRAM_SHA_256_PLUS] = { "SCRAM-SHA-256-PLUS", CW_SASL_HASH_SHA256, TRUE },
  [MECH_SCRAM_SHA_1_PLUS] = { "SCRAM-SHA-1-PLUS", CW_SASL_HASH_SHA1, TRUE },
  [MECH_SCRAM_SHA_256] = { "SCRAM-SHA-256", CW_SASL_HASH_SHA256, FALSE },
  [MECH_SCRAM_SHA_1] = { "SCRAM-SHA-1", CW_SASL_HASH_SHA1, FALSE },
  [MECH_PLAIN] = { "PLAIN", CW_SASL_HASH_SHA256, FALSE },
};

struct _CwSaslServer
{
  CwSaslLookupFunc lookup;
  gpointer lookup_data;
  CwSaslAuthorizeFunc authorize;
  gchar *domain;                      /* owned, nullable: normalised */
  gboolean secure;
  gchar *cb_type;                     /* owned, nullable: set only with cb_data */
  GBytes *cb_data;                    /* owned, nullable */
  const gchar *offered[N_MECHS + 1];  /* names from mechs[], NULL-terminated */
  gboolean offers[N_MECHS];
  SaslState state;
  Mech mech;
  CwScramServer *scram;               /* owned, nullable */
  gchar *candidate;                   /* owned, nullable: normalised authcid */
  gchar *username;                    /* owned, nullable: set on SUCCESS */
};

G_DEFINE_QUARK (cw-sasl-error-quark, cw_sasl_error)

const gchar *
cw_sasl_error_to_condition (CwSaslError code)
{
  static const gchar *const conditions[] = {
    [CW_SASL_ERROR_ABORTED] = "aborted",
    [CW_SASL_ERROR_ACCOUNT_DISABLED] = "account-disabled",
    [CW_SASL_ERROR_CREDENTIALS_EXPIRED] = "credentials-expired",
    [CW_SASL_ERROR_ENCRYPTION_REQUIRED] = "encryption-required",
    [CW_SASL_ERROR_INCORRECT_ENCODING] = "incorrect-encoding",
    [CW_SASL_ERROR_INVALID_AUTHZID] = "invalid-authzid",
    [CW_SASL_ERROR_INVALID_MECHANISM] = "invalid-mechanism",
    [CW_SASL_ERROR_MALFORMED_REQUEST] = "malformed-request",
    [CW_SASL_ERROR_MECHANISM_TOO_WEAK] = "mechanism-too-weak",
    [CW_SASL_ERROR_NOT_AUTHORIZED] = "not-authorized",
    [CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE] = "temporary-auth-failure",
  };

  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (conditions), "not-authorized");
  return conditions[code];
}

CwSaslServer *
cw_sasl_server_new (const CwSaslServerConfig *config)
{
  CwSaslServer *self;
  guint n = 0;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_new0 (CwSaslServer, 1);
  self->lookup = config->lookup;
  self->lookup_data = config->lookup_data;
  self->authorize = config->authorize;
  if (config->domain != NULL)
    self->domain = cw_jid_normalize (config->domain, NULL);
  self->secure = config->secure;
  if (config->cb_type != NULL && config->cb_data != NULL)
    {
      self->cb_type = g_strdup (config->cb_type);
      self->cb_data = g_bytes_ref (config->cb_data);
    }
  for (Mech m = 0; m < N_MECHS; m++)
    {
      self->offers[m] = (m != MECH_PLAIN || (self->secure && !config->no_plain))
                        && (!mechs[m].plus || self->cb_data != NULL);
      if (self->offers[m])
        self->offered[n++] = mechs[m].name;
    }
  self->offered[n] = NULL;
  return self;
}

void
cw_sasl_server_free (CwSaslServer *self)
{
  if (self == NULL)
    return;
  g_free (self->domain);
  g_free (self->cb_type);
  g_clear_pointer (&self->cb_data, g_bytes_unref);
  g_clear_pointer (&self->scram, cw_scram_server_free);
  g_free (self->candidate);
  g_free (self->username);
  g_free (self);
}

const gchar *const *
cw_sasl_server_get_mechanisms (CwSaslServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->offered;
}

const gchar *
cw_sasl_server_get_username (CwSaslServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->username;
}

/* Ends the negotiation: nothing more is accepted after a failure. */
static CwSaslStep
fail_with (CwSaslServer *self, GError **error, GError *cause)
{
  self->state = STATE_DONE;
  g_clear_pointer (&self->scram, cw_scram_server_free);
  g_clear_pointer (&self->candidate, g_free);
  g_propagate_error (error, cause);
  return CW_SASL_STEP_FAILURE;
}

static CwSaslStep
fail (CwSaslServer *self, GError **error, CwSaslError code, const gchar *message)
{
  return fail_with (self, error, g_error_new_literal (CW_SASL_ERROR, code, message));
}

static CwSaslStep
succeed (CwSaslServer *self, GError **error)
{
  GError *cause = NULL;

  if (self->authorize != NULL && !self->authorize (self->candidate, self->lookup_data, &cause))
    return fail_with (self, error, cause);
  self->state = STATE_DONE;
  g_clear_pointer (&self->scram, cw_scram_server_free);
  self->username = g_steal_pointer (&self->candidate);
  return CW_SASL_STEP_SUCCESS;
}

/* RFC 6120 §6.3.8: no authzid, or the bare JID of the account itself. */
static gboolean
authzid_allowed (CwSaslServer *self, const gchar *username, const gchar *authzid)
{
  g_autoptr (CwJid) jid = NULL;

  if (*authzid == '\0')
    return TRUE;
  if (username == NULL || self->domain == NULL)
    return FALSE;
  jid = cw_jid_parse (authzid, NULL);
  return jid != NULL && cw_jid_is_bare (jid)
         && g_strcmp0 (cw_jid_get_local (jid), username) == 0
         && strcmp (cw_jid_get_domain (jid), self->domain) == 0;
}

/* The account's credentials for @hash, NULL when there is none. Unusable
 * stored credentials are a server problem, reported as such. */
static gboolean
lookup (CwSaslServer *self, const gchar *username, CwSaslHash hash,
        CwScramCredentials **creds, GError **error)
{
  *creds = NULL;
  if (username == NULL || self->lookup == NULL)
    return TRUE;
  *creds = self->lookup (username, hash, self->lookup_data);
  if (*creds != NULL && !cw_scram_credentials_valid (*creds, hash))
    {
      g_warning ("The stored %s credentials of an account are unusable",
                 hash == CW_SASL_HASH_SHA1 ? "SHA-1" : "SHA-256");
      g_clear_pointer (creds, cw_scram_credentials_free);
      g_set_error_literal (error, CW_SASL_ERROR, CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE,
                           _("The account cannot log in at the moment"));
      return FALSE;
    }
  return TRUE;
}

/* ---- PLAIN (RFC 4616) --------------------------------------------------- */

/* Splits "authzid NUL authcid NUL password" into its three parts. */
static gboolean
split_plain (GBytes *response, gchar **authzid, gchar **authcid, gchar **password)
{
  gsize len = 0;
  const gchar *data = response != NULL ? g_bytes_get_data (response, &len) : NULL;
  const gchar *end = data + len;
  const gchar *nul1, *nul2;

  if (len == 0 || len > MAX_PLAIN_LENGTH)
    return FALSE;
  nul1 = memchr (data, '\0', len);
  nul2 = nul1 != NULL ? memchr (nul1 + 1, '\0', end - nul1 - 1) : NULL;
  if (nul2 == NULL || memchr (nul2 + 1, '\0', end - nul2 - 1) != NULL)
    return FALSE;
  /* Each part on its own: the validator stops at a NUL. */
  if (!g_utf8_validate_len (data, nul1 - data, NULL)
      || !g_utf8_validate_len (nul1 + 1, nul2 - nul1 - 1, NULL)
      || !g_utf8_validate_len (nul2 + 1, end - nul2 - 1, NULL))
    return FALSE;
  *authzid = g_strndup (data, nul1 - data);
  *authcid = g_strndup (nul1 + 1, nul2 - nul1 - 1);
  *password = g_strndup (nul2 + 1, end - nul2 - 1);
  return TRUE;
}

/* PLAIN checks the password against the stored SCRAM keys: the newest hash
 * the account has, made-up keys for no account, so both cost one PBKDF2. */
static CwSaslStep
step_plain (CwSaslServer *self, GBytes *response, GError **error)
{
  g_autofree gchar *authzid = NULL;
  g_autofree gchar *authcid = NULL;
  g_auto (CwScramSecret) password = NULL;
  g_autoptr (CwScramCredentials) creds = NULL;
  GError *cause = NULL;
  gboolean known;

  if (!split_plain (response, &authzid, &authcid, &password))
    return fail (self, error, CW_SASL_ERROR_MALFORMED_REQUEST,
                 _("The PLAIN message is malformed"));
  self->candidate = cw_jid_prep_localpart (authcid, NULL);
  if (!authzid_allowed (self, self->candidate, authzid))
    return fail (self, error, CW_SASL_ERROR_INVALID_AUTHZID,
                 _("The authorization identity is not allowed"));
  if (!lookup (self, self->candidate, CW_SASL_HASH_SHA256, &creds, &cause)
      || (creds == NULL && !lookup (self, self->candidate, CW_SASL_HASH_SHA1, &creds, &cause)))
    return fail_with (self, error, cause);
  known = creds != NULL;
  if (!known)
    creds = cw_scram_credentials_made_up (CW_SASL_HASH_SHA256, self->candidate);
  if (!cw_scram_credentials_check_password (creds, password) || !known)
    return fail (self, error, CW_SASL_ERROR_NOT_AUTHORIZED, _("Authentication failed"));
  return succeed (self, error);
}

/* ---- SCRAM -------------------------------------------------------------- */

static CwSaslStep
step_scram_first (CwSaslServer *self, GBytes *response, GBytes **out, GError **error)
{
  CwScramCredentials *creds = NULL;
  GError *cause = NULL;

  if (!cw_scram_server_parse_first (self->scram, response, &cause))
    return fail_with (self, error, cause);
  /* A name that cannot be a localpart cannot be an account: it runs on
   * like an unknown user. */
  self->candidate = cw_jid_prep_localpart (cw_scram_server_get_username (self->scram), NULL);
  if (!authzid_allowed (self, self->candidate, cw_scram_server_get_authzid (self->scram)))
    return fail (self, error, CW_SASL_ERROR_INVALID_AUTHZID,
                 _("The authorization identity is not allowed"));
  if (!lookup (self, self->candidate, mechs[self->mech].hash, &creds, &cause))
    return fail_with (self, error, cause);
  *out = cw_scram_server_first (self->scram, creds);
  self->state = STATE_SCRAM_FINAL;
  return CW_SASL_STEP_CONTINUE;
}

static CwSaslStep
step_scram_final (CwSaslServer *self, GBytes *response, GBytes **out, GError **error)
{
  GError *cause = NULL;
  GBytes *final = cw_scram_server_final (self->scram, response, &cause);

  if (final == NULL)
    return fail_with (self, error, cause);
  if (succeed (self, error) != CW_SASL_STEP_SUCCESS)
    {
      g_bytes_unref (final);
      return CW_SASL_STEP_FAILURE;
    }
  *out = final;
  return CW_SASL_STEP_SUCCESS;
}

/* ---- the state machine -------------------------------------------------- */

static CwSaslStep
dispatch (CwSaslServer *self, GBytes *response, GBytes **out, GError **error)
{
  switch (self->state)
    {
    case STATE_PLAIN:
      return step_plain (self, response, error);
    case STATE_SCRAM_FIRST:
      return step_scram_first (self, response, out, error);
    case STATE_SCRAM_FINAL:
      return step_scram_final (self, response, out, error);
    case STATE_NEW:
    case STATE_DONE:
    default:
      return fail (self, error, CW_SASL_ERROR_MALFORMED_REQUEST,
                   _("No SASL negotiation is in progress"));
    }
}

static gboolean
find_mechanism (CwSaslServer *self, const gchar *name, Mech *mech)
{
  for (Mech m = 0; m < N_MECHS; m++)
    if (self->offers[m] && strcmp (mechs[m].name, name) == 0)
      {
        *mech = m;
        return TRUE;
      }
  return FALSE;
}

CwSaslStep
cw_sasl_server_start (CwSaslServer *self, const gchar *mechanism, GBytes *initial_response,
                      GBytes **out, GError **error)
{
  g_autoptr (GBytes) ignored = NULL;

  g_return_val_if_fail (self != NULL, CW_SASL_STEP_FAILURE);
  g_return_val_if_fail (error == NULL || *error == NULL, CW_SASL_STEP_FAILURE);

  out = out != NULL ? out : &ignored;
  *out = NULL;
  if (self->state != STATE_NEW)
    return fail (self, error, CW_SASL_ERROR_MALFORMED_REQUEST,
                 _("The SASL negotiation has already started"));
  /* An <auth/> without a mechanism attribute is a client's error too. */
  if (mechanism == NULL || !find_mechanism (self, mechanism, &self->mech))
    {
      if (g_strcmp0 (mechanism, "PLAIN") == 0 && !self->secure)
        return fail (self, error, CW_SASL_ERROR_ENCRYPTION_REQUIRED,
                     _("PLAIN is offered only on an encrypted stream"));
      return fail (self, error, CW_SASL_ERROR_INVALID_MECHANISM,
                   _("The mechanism is not offered"));
    }
  if (self->mech == MECH_PLAIN)
    self->state = STATE_PLAIN;
  else
    {
      self->scram = cw_scram_server_new (mechs[self->mech].hash, mechs[self->mech].plus,
                                         self->cb_type, self->cb_data);
      self->state = STATE_SCRAM_FIRST;
    }
  if (initial_response == NULL)
    {
      *out = g_bytes_new (NULL, 0);
      return CW_SASL_STEP_CONTINUE;
    }
  return dispatch (self, initial_response, out, error);
}

CwSaslStep
cw_sasl_server_step (CwSaslServer *self, GBytes *response, GBytes **out, GError **error)
{
  g_autoptr (GBytes) ignored = NULL;

  g_return_val_if_fail (self != NULL, CW_SASL_STEP_FAILURE);
  g_return_val_if_fail (error == NULL || *error == NULL, CW_SASL_STEP_FAILURE);

  out = out != NULL ? out : &ignored;
  *out = NULL;
  return dispatch (self, response, out, error);
}
