/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwServerLimits: every limit a gateway enforces on client connections, in one place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* Largest stanza before authentication and after it (bytes); crossing
   * one is a policy-violation stream error. */
  gsize max_stanza_size_preauth;
  gsize max_stanza_size;
  /* From accept to a bound resource; then connection-timeout. */
  guint negotiation_timeout_ms;
  /* Token bucket on what a client sends after authentication: the rate
   * (bytes per second, 0 = unlimited) and the burst (bucket size). When the
   * bucket is empty the server stops reading, so TCP slows the client. */
  gsize rate_bytes_per_sec;
  gsize rate_burst_bytes;
  /* Simultaneous connections from one address (0 = unlimited). */
  guint max_connections_per_address;
  /* Failed SASL attempts on one connection before it is dropped, and the
   * delay before each <failure/> is sent (slows password guessing). */
  guint max_auth_failures;
  guint auth_failure_delay_ms;
  /* Server-to-client XEP-0199 pings: interval of silence before one is
   * sent and how long the answer may take (0 interval = off). */
  guint ping_interval_ms;
  guint ping_timeout_ms;
  /* Offline messages (XEP-0160) kept per account; more bounce. */
  guint offline_cap;
  /* XEP-0198: how long (seconds) a session whose connection died without
   * </stream:stream> keeps its resource for a <resume/> (0 = no resumption). */
  guint sm_resume_timeout;
} CwServerLimits;

#define CW_SERVER_DEFAULT_MAX_STANZA_SIZE_PREAUTH (10 * 1024)
#define CW_SERVER_DEFAULT_MAX_STANZA_SIZE (256 * 1024)
#define CW_SERVER_DEFAULT_NEGOTIATION_TIMEOUT_MS 30000
#define CW_SERVER_DEFAULT_RATE_BYTES_PER_SEC (64 * 1024)
#define CW_SERVER_DEFAULT_RATE_BURST_BYTES (512 * 1024)
#define CW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 20
#define CW_SERVER_DEFAULT_MAX_AUTH_FAILURES 3
#define CW_SERVER_DEFAULT_AUTH_FAILURE_DELAY_MS 1000
#define CW_SERVER_DEFAULT_PING_INTERVAL_MS (5 * 60 * 1000)
#define CW_SERVER_DEFAULT_PING_TIMEOUT_MS (60 * 1000)
#define CW_SERVER_DEFAULT_OFFLINE_CAP 500
#define CW_SERVER_DEFAULT_SM_RESUME_TIMEOUT 300

/* Fills @limits with the defaults above. */
static inline void
cw_server_limits_init_default (CwServerLimits *limits)
{
  limits->max_stanza_size_preauth = CW_SERVER_DEFAULT_MAX_STANZA_SIZE_PREAUTH;
  limits->max_stanza_size = CW_SERVER_DEFAULT_MAX_STANZA_SIZE;
  limits->negotiation_timeout_ms = CW_SERVER_DEFAULT_NEGOTIATION_TIMEOUT_MS;
  limits->rate_bytes_per_sec = CW_SERVER_DEFAULT_RATE_BYTES_PER_SEC;
  limits->rate_burst_bytes = CW_SERVER_DEFAULT_RATE_BURST_BYTES;
  limits->max_connections_per_address = CW_SERVER_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  limits->max_auth_failures = CW_SERVER_DEFAULT_MAX_AUTH_FAILURES;
  limits->auth_failure_delay_ms = CW_SERVER_DEFAULT_AUTH_FAILURE_DELAY_MS;
  limits->ping_interval_ms = CW_SERVER_DEFAULT_PING_INTERVAL_MS;
  limits->ping_timeout_ms = CW_SERVER_DEFAULT_PING_TIMEOUT_MS;
  limits->offline_cap = CW_SERVER_DEFAULT_OFFLINE_CAP;
  limits->sm_resume_timeout = CW_SERVER_DEFAULT_SM_RESUME_TIMEOUT;
}

G_END_DECLS
