/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwSaslServer: one SASL negotiation on the server side (SCRAM-SHA-1/256[-PLUS], PLAIN). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Why a negotiation failed: one code per RFC 6120 §6.5 condition, so the
 * c2s layer can write <failure><CONDITION/></failure> from the code. The
 * message is for logs and the optional <text/>; it never says whether the
 * account exists. */
typedef enum
{
  CW_SASL_ERROR_ABORTED,                /* aborted */
  CW_SASL_ERROR_ACCOUNT_DISABLED,       /* account-disabled */
  CW_SASL_ERROR_CREDENTIALS_EXPIRED,    /* credentials-expired */
  CW_SASL_ERROR_ENCRYPTION_REQUIRED,    /* encryption-required */
  CW_SASL_ERROR_INCORRECT_ENCODING,     /* incorrect-encoding */
  CW_SASL_ERROR_INVALID_AUTHZID,        /* invalid-authzid */
  CW_SASL_ERROR_INVALID_MECHANISM,      /* invalid-mechanism */
  CW_SASL_ERROR_MALFORMED_REQUEST,      /* malformed-request */
  CW_SASL_ERROR_MECHANISM_TOO_WEAK,     /* mechanism-too-weak */
  CW_SASL_ERROR_NOT_AUTHORIZED,         /* not-authorized */
  CW_SASL_ERROR_TEMPORARY_AUTH_FAILURE, /* temporary-auth-failure */
} CwSaslError;

#define CW_SASL_ERROR (cw_sasl_error_quark ())
GQuark cw_sasl_error_quark (void);

/* Returns: (transfer none): the RFC 6120 element name for @code. */
const gchar *cw_sasl_error_to_condition (CwSaslError code);

typedef enum
{
  CW_SASL_HASH_SHA1,
  CW_SASL_HASH_SHA256,
} CwSaslHash;

/* What an account stores for one SCRAM hash (RFC 5802 §3): never the
 * password. Keys are the hash's output size (20 or 32 bytes). */
typedef struct
{
  CwSaslHash hash;
  GBytes *salt;       /* owned */
  guint iterations;
  GBytes *stored_key; /* owned: H(ClientKey) */
  GBytes *server_key; /* owned: HMAC(SaltedPassword, "Server Key") */
} CwScramCredentials;

void cw_scram_credentials_free (CwScramCredentials *creds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScramCredentials, cw_scram_credentials_free)

/* The iteration count new credentials get (Prosody and ejabberd use 4096). */
#define CW_SCRAM_DEFAULT_ITERATIONS 4096

/**
 * cw_scram_credentials_derive:
 * @password: UTF-8; normalised (an approximation of SASLprep, RFC 4013:
 *   non-ASCII spaces mapped to U+0020, the "commonly mapped to nothing"
 *   characters removed, NFKC; control characters refused) before hashing
 * @salt: (nullable): NULL for 16 fresh random bytes
 * @iterations: 0 for CW_SCRAM_DEFAULT_ITERATIONS
 *
 * Returns: (transfer full) (nullable): the credentials, or NULL with
 *   CW_SASL_ERROR_MALFORMED_REQUEST when @password is empty or invalid.
 */
CwScramCredentials *cw_scram_credentials_derive (CwSaslHash hash, const gchar *password,
                                                 GBytes *salt, guint iterations, GError **error);

/**
 * CwSaslLookupFunc:
 * @username: the authentication identity, already normalised as a JID
 *   localpart (case-folded, NFC)
 *
 * Returns: (transfer full) (nullable): the account's credentials for
 *   @hash, or NULL when there is no such account. The server then runs the
 *   exchange with made-up credentials, so that an unknown user cannot be
 *   told from a wrong password.
 */
typedef CwScramCredentials *(*CwSaslLookupFunc) (const gchar *username, CwSaslHash hash,
                                                 gpointer user_data);

/**
 * CwSaslAuthorizeFunc:
 * @username: an account whose proof was just verified (normalised localpart)
 *
 * The last word on a successful exchange, e.g. for a disabled account:
 * returns FALSE with a CW_SASL_ERROR (CW_SASL_ERROR_ACCOUNT_DISABLED) to
 * turn the success into that failure. Asked only after a correct proof, so
 * a guesser learns nothing from it.
 */
typedef gboolean (*CwSaslAuthorizeFunc) (const gchar *username, gpointer user_data,
                                         GError **error);

typedef struct
{
  CwSaslLookupFunc lookup;
  gpointer lookup_data;
  /* Our domain: an authzid other than "" or "<username>@<domain>" fails
   * with CW_SASL_ERROR_INVALID_AUTHZID. Not owned. */
  const gchar *domain;
  /* TRUE once the stream is encrypted: PLAIN is offered only then. */
  gboolean secure;
  /* Channel binding (RFC 5929, RFC 9266): the -PLUS variants are offered
   * only when both are set. @cb_type is "tls-exporter",
   * "tls-server-end-point" or "tls-unique". Not owned; must outlive the
   * CwSaslServer. */
  const gchar *cb_type;
  GBytes *cb_data;
  /* Never offer PLAIN, even on an encrypted stream. */
  gboolean no_plain;
  /* Nullable; called with @lookup_data. */
  CwSaslAuthorizeFunc authorize;
} CwSaslServerConfig;

typedef enum
{
  CW_SASL_STEP_CONTINUE, /* send the challenge, wait for a response */
  CW_SASL_STEP_SUCCESS,  /* send <success> with the optional data */
  CW_SASL_STEP_FAILURE,  /* send <failure> for the error's code */
} CwSaslStep;

typedef struct _CwSaslServer CwSaslServer;

/* @config is copied (its GBytes referenced). */
CwSaslServer *cw_sasl_server_new (const CwSaslServerConfig *config);
void cw_sasl_server_free (CwSaslServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwSaslServer, cw_sasl_server_free)

/* Returns: (transfer none): the mechanisms to offer, strongest first,
 * NULL-terminated: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS, SCRAM-SHA-256,
 * SCRAM-SHA-1, PLAIN, each only when allowed by the config. */
const gchar *const *cw_sasl_server_get_mechanisms (CwSaslServer *self);

/**
 * cw_sasl_server_start:
 * @mechanism: (nullable): what the client chose; one not offered, or NULL
 *   (no mechanism attribute), fails with CW_SASL_ERROR_INVALID_MECHANISM
 *   (PLAIN on an unencrypted stream: CW_SASL_ERROR_ENCRYPTION_REQUIRED)
 * @initial_response: (nullable): the decoded initial response; NULL when
 *   the client sent none, an empty GBytes for "="
 * @out: (out) (transfer full) (nullable): the challenge for CONTINUE, the
 *   additional data for SUCCESS (SCRAM's server-final-message)
 *
 * A client-first-message whose gs2 header claims channel binding support
 * ("y") while we offered -PLUS is refused (a downgrade, RFC 5802 §6).
 * A second start, or any call after SUCCESS or FAILURE, fails with
 * CW_SASL_ERROR_MALFORMED_REQUEST.
 */
CwSaslStep cw_sasl_server_start (CwSaslServer *self, const gchar *mechanism,
                                 GBytes *initial_response, GBytes **out, GError **error);

/* The next client response (decoded). Same @out and errors as start. */
CwSaslStep cw_sasl_server_step (CwSaslServer *self, GBytes *response, GBytes **out,
                                GError **error);

/* Returns: (transfer none) (nullable): after SUCCESS, the authenticated
 * username (normalised localpart); NULL before. */
const gchar *cw_sasl_server_get_username (CwSaslServer *self);

G_END_DECLS
