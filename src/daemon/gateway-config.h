/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGatewayConfig: the gateway's configuration file (GKeyFile), loaded and checked. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CW_GATEWAY_CONFIG_ERROR (cw_gateway_config_error_quark ())
GQuark cw_gateway_config_error_quark (void);

/* Why a configuration is refused. Every message starts "FILE:LINE: " (or
 * "FILE: " when no line is at fault, e.g. a missing section). Codes are
 * stable. */
typedef enum
{
  CW_GATEWAY_CONFIG_ERROR_UNREADABLE,    /* the file cannot be read */
  CW_GATEWAY_CONFIG_ERROR_SYNTAX,        /* not key-file syntax */
  CW_GATEWAY_CONFIG_ERROR_UNKNOWN_GROUP, /* a section we do not know (a typo?) */
  CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY,   /* a key we do not know (a typo?) */
  CW_GATEWAY_CONFIG_ERROR_MISSING_KEY,   /* a required key is absent */
  CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, /* a value of the wrong form or range */
  CW_GATEWAY_CONFIG_ERROR_CERTIFICATE,   /* certificate or key unusable (see CwCertificateError) */
} CwGatewayConfigError;

/* One listening address. */
typedef struct
{
  GInetAddress *address; /* owned, nullable: NULL is every address, IPv6 and IPv4 */
  guint16 port;          /* 0: any free port (for tests) */
} CwListenAddress;

/* Durations are in seconds, sizes in bytes; 0 in a limit means "no limit"
 * where chinwag.conf(5) says so. */
typedef struct
{
  gchar *path; /* owned: the file this came from */

  /* [gateway] */
  gchar *domain;  /* owned: normalised domainpart */
  gchar *storage; /* owned: absolute path of the SQLite database */

  /* [c2s] */
  GPtrArray *listen;            /* owned (CwListenAddress *): STARTTLS ports, may be empty */
  GPtrArray *direct_tls;        /* owned (CwListenAddress *): XEP-0368 ports, may be empty */
  gboolean require_tls;         /* no authentication before STARTTLS */
  gchar *certificate_file;      /* owned: absolute path */
  gchar *key_file;              /* owned: absolute path */
  GTlsCertificate *certificate; /* owned: loaded, in date, and matching key_file */
  gboolean plain;               /* offer SASL PLAIN (only ever inside TLS) */

  /* [registration] */
  gboolean registration;            /* XEP-0077 in-band registration */
  guint registration_throttle;      /* at most this many accounts per address ... */
  guint registration_throttle_time; /* ... per this many seconds */

  /* [limits] */
  gsize max_stanza_size;         /* after authentication */
  gsize max_stanza_size_preauth; /* before authentication */
  gsize rate;                    /* bytes/s read per connection, 0 unlimited */
  gsize burst;                   /* bytes read at once above the rate */
  guint auth_failures;           /* failed attempts before the stream is closed */
  guint auth_failure_delay;      /* seconds before a failure is answered */
  guint connections_per_address; /* 0 unlimited */
  guint negotiation_timeout;     /* seconds from connect to a bound resource */
  guint offline_cap;             /* offline messages kept per account, 0 none */
  guint ping_interval;           /* idle seconds before a XEP-0199 ping, 0 never */
  guint ping_timeout;            /* seconds a ping may go unanswered */
  guint resume_timeout;          /* XEP-0198: seconds a lost session waits, 0 never */
} CwGatewayConfig;

/* Reads and checks @path: unknown sections and keys, values, the domain,
 * the listen addresses, the certificate and its key. Relative paths in the
 * file are relative to the file's folder. Returns NULL and sets @error
 * (CW_GATEWAY_CONFIG_ERROR) with "FILE:LINE: reason" otherwise. */
CwGatewayConfig *cw_gateway_config_load (const gchar *path, GError **error);

void cw_gateway_config_free (CwGatewayConfig *config);

/* "[::1]:5222", "0.0.0.0:5222", "*:5222" */
gchar *cw_listen_address_to_string (const CwListenAddress *listen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwGatewayConfig, cw_gateway_config_free)

G_END_DECLS
