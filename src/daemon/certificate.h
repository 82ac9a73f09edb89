/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The gateway's TLS certificate: loaded from PEM files and checked before use. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_CERTIFICATE_ERROR (cw_certificate_error_quark ())
GQuark cw_certificate_error_quark (void);

/* Why a certificate cannot be used. Codes are stable. */
typedef enum
{
  CW_CERTIFICATE_ERROR_UNREADABLE,     /* the certificate file is missing or unreadable */
  CW_CERTIFICATE_ERROR_INVALID,        /* it holds no PEM certificate */
  CW_CERTIFICATE_ERROR_KEY_UNREADABLE, /* the key file is missing or unreadable */
  CW_CERTIFICATE_ERROR_KEY_INVALID,    /* it holds no usable PEM private key */
  CW_CERTIFICATE_ERROR_EXPIRED,       /* its notAfter is in the past */
  CW_CERTIFICATE_ERROR_NOT_YET_VALID, /* its notBefore is in the future */
  CW_CERTIFICATE_ERROR_KEY_MISMATCH,  /* the key does not belong to the certificate */
} CwCertificateError;

/* Loads the certificate (chain) in @cert_file and the private key in
 * @key_file, both PEM, and checks that the certificate is valid at @now
 * (NULL: the current time) and that the key belongs to it: a TLS handshake
 * with itself in memory proves the key can sign for the certificate.
 * Errors (CW_CERTIFICATE_ERROR) name the file at fault; G_TLS_ERROR_UNAVAILABLE
 * when GIO has no TLS backend (glib-networking is not installed). */
GTlsCertificate *cw_certificate_load (const gchar *cert_file, const gchar *key_file,
                                      GDateTime *now, GError **error);

/* Only the two checks, for a certificate already loaded. */
gboolean cw_certificate_check_validity (GTlsCertificate *certificate, const gchar *cert_file,
                                        GDateTime *now, GError **error);
gboolean cw_certificate_check_key (GTlsCertificate *certificate, const gchar *cert_file,
                                   const gchar *key_file, GError **error);

G_END_DECLS
