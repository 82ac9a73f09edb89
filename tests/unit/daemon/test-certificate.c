/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the gateway certificate checks, on PEMs made by tests/data/gateway/make-certs.sh. */
#include "config.h"

#include "daemon/certificate.h"

#include <string.h>

static gchar *
pem (const gchar *name)
{
  return g_test_build_filename (G_TEST_DIST, "tests", "data", "gateway", name, NULL);
}

/* Loads NAME's pair and expects @code with @words in the message. */
static void
assert_refused (const gchar *cert_name, const gchar *key_name, GDateTime *now,
                CwCertificateError code, const gchar *words)
{
  g_autofree gchar *cert = pem (cert_name);
  g_autofree gchar *key = pem (key_name);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) c = cw_certificate_load (cert, key, now, &error);

  g_assert_null (c);
  g_assert_error (error, CW_CERTIFICATE_ERROR, (gint) code);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_good_pair (void)
{
  g_autofree gchar *cert = pem ("good-cert.pem");
  g_autofree gchar *key = pem ("good-key.pem");
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) c = cw_certificate_load (cert, key, NULL, &error);
  g_autoptr (GDateTime) after = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (c);
  after = g_tls_certificate_get_not_valid_after (c);
  /* The committed test certificate must outlive the test suite. */
  g_assert_cmpint (g_date_time_get_year (after), >=, 2126);
}

static void
test_mismatched_key (void)
{
  g_autofree gchar *key = pem ("other-key.pem");
  g_autoptr (GDateTime) in_2020 = g_date_time_new_utc (2020, 6, 1, 0, 0, 0);

  assert_refused ("good-cert.pem", "other-key.pem", NULL, CW_CERTIFICATE_ERROR_KEY_MISMATCH,
                  "does not match the certificate");
  assert_refused ("good-cert.pem", "other-key.pem", NULL, CW_CERTIFICATE_ERROR_KEY_MISMATCH, key);
  /* A real pair, but not each other's. */
  assert_refused ("expired-cert.pem", "good-key.pem", in_2020, CW_CERTIFICATE_ERROR_KEY_MISMATCH,
                  "does not match");
}

static void
test_expired (void)
{
  g_autofree gchar *cert = pem ("expired-cert.pem");

  assert_refused ("expired-cert.pem", "expired-key.pem", NULL, CW_CERTIFICATE_ERROR_EXPIRED,
                  "expired on 2021-01-01");
  assert_refused ("expired-cert.pem", "expired-key.pem", NULL, CW_CERTIFICATE_ERROR_EXPIRED, cert);
}

/* The dates are checked against @now: the expired pair was fine in 2020,
 * and the good one (2000 to 2126) is not valid in 1999 nor in 2200. */
static void
test_dates (void)
{
  g_autofree gchar *cert = pem ("expired-cert.pem");
  g_autofree gchar *key = pem ("expired-key.pem");
  g_autoptr (GDateTime) in_2020 = g_date_time_new_utc (2020, 6, 1, 0, 0, 0);
  g_autoptr (GDateTime) in_1999 = g_date_time_new_utc (1999, 6, 1, 0, 0, 0);
  g_autoptr (GDateTime) in_2200 = g_date_time_new_utc (2200, 1, 1, 0, 0, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) c = cw_certificate_load (cert, key, in_2020, &error);

  g_assert_no_error (error);
  g_assert_nonnull (c);
  assert_refused ("good-cert.pem", "good-key.pem", in_1999, CW_CERTIFICATE_ERROR_NOT_YET_VALID,
                  "is not valid before 2000-01-01");
  assert_refused ("good-cert.pem", "good-key.pem", in_2200, CW_CERTIFICATE_ERROR_EXPIRED,
                  "expired on 2126-");
}

static void
test_missing_files (void)
{
  assert_refused ("no-such-cert.pem", "good-key.pem", NULL, CW_CERTIFICATE_ERROR_UNREADABLE,
                  "no-such-cert.pem: No such file or directory");
  assert_refused ("good-cert.pem", "no-such-key.pem", NULL, CW_CERTIFICATE_ERROR_KEY_UNREADABLE,
                  "no-such-key.pem: No such file or directory");
}

static void
test_not_pem (void)
{
  assert_refused ("not-pem.pem", "good-key.pem", NULL, CW_CERTIFICATE_ERROR_INVALID,
                  "not-pem.pem holds no PEM certificate");
  assert_refused ("good-cert.pem", "not-pem.pem", NULL, CW_CERTIFICATE_ERROR_KEY_INVALID,
                  "not-pem.pem holds no usable PEM private key");
  /* A certificate given where the key belongs is no key. */
  assert_refused ("good-cert.pem", "good-cert.pem", NULL, CW_CERTIFICATE_ERROR_KEY_INVALID,
                  "good-cert.pem holds no usable PEM private key");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/certificate/good-pair", test_good_pair);
  g_test_add_func ("/daemon/certificate/mismatched-key", test_mismatched_key);
  g_test_add_func ("/daemon/certificate/expired", test_expired);
  g_test_add_func ("/daemon/certificate/dates", test_dates);
  g_test_add_func ("/daemon/certificate/missing-files", test_missing_files);
  g_test_add_func ("/daemon/certificate/not-pem", test_not_pem);
  return g_test_run ();
}
