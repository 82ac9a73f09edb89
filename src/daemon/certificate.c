/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The gateway's TLS certificate: PEM loading, validity dates and a key that matches. */
#include "config.h"

#include "daemon/certificate.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A handshake with ourselves over a socketpair never needs longer; the
 * bound only keeps a broken TLS backend from hanging the start-up. */
#define HANDSHAKE_TIMEOUT_S 10

G_DEFINE_QUARK (cw-certificate-error-quark, cw_certificate_error)

/* The private key is a secret: wiped before it is freed. */
typedef struct
{
  gchar *data;
  gsize length;
} Secret;

static void
secret_clear (Secret *s)
{
  if (s->data != NULL)
    sodium_memzero (s->data, s->length);
  g_clear_pointer (&s->data, g_free);
  s->length = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Secret, secret_clear)

static gboolean
read_file (const gchar *path, CwCertificateError code_unreadable, Secret *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &out->data, &out->length, &local_error))
    {
      int code = local_error->code == G_FILE_ERROR_NOENT   ? ENOENT
                 : local_error->code == G_FILE_ERROR_ACCES ? EACCES
                 : local_error->code == G_FILE_ERROR_ISDIR ? EISDIR
                                                           : 0;

      /* GLib's message repeats the path; the plain reason reads better. */
      g_set_error (error, CW_CERTIFICATE_ERROR, code_unreadable, _("cannot read %s: %s"), path,
                   code != 0 ? g_strerror (code) : local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- validity ------------------------------------------------------------ */

gboolean
cw_certificate_check_validity (GTlsCertificate *certificate, const gchar *cert_file,
                               GDateTime *now, GError **error)
{
  g_autoptr (GDateTime) current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  g_autoptr (GDateTime) before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr (GDateTime) after = g_tls_certificate_get_not_valid_after (certificate);

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  if (after != NULL && g_date_time_compare (current, after) > 0)
    {
      g_autofree gchar *when = g_date_time_format_iso8601 (after);

      g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_EXPIRED,
                   _("the certificate %s expired on %s"), cert_file, when);
      return FALSE;
    }
  if (before != NULL && g_date_time_compare (current, before) < 0)
    {
      g_autofree gchar *when = g_date_time_format_iso8601 (before);

      g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_NOT_YET_VALID,
                   _("the certificate %s is not valid before %s"), cert_file, when);
      return FALSE;
    }
  return TRUE;
}

/* ---- the key matches: a handshake with ourselves --------------------------- */

typedef struct
{
  GError *error; /* owned: the first failure of either side */
  guint pending;
} Handshake;

static void
on_handshake_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Handshake *h = data;
  g_autoptr (GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), res, &error)
      && h->error == NULL)
    h->error = g_steal_pointer (&error);
  h->pending--;
}

/* The client checks nothing but the signature: a self-signed certificate
 * or one for another name is fine here, a key that is not its own is not. */
static gboolean
on_accept_certificate (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors,
                       gpointer data)
{
  return TRUE;
}

static gboolean
on_timeout (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static GIOStream *
stream_from_fd (int fd, GError **error)
{
  GSocket *socket = g_socket_new_from_fd (fd, error);
  GIOStream *stream;

  if (socket == NULL)
    return NULL;
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  g_object_unref (socket);
  return stream;
}

static gboolean
make_pair (GIOStream **a, GIOStream **b, GError **error)
{
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "socketpair: %s",
                   g_strerror (errno));
      return FALSE;
    }
  *a = stream_from_fd (fds[0], error);
  if (*a == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  *b = stream_from_fd (fds[1], error);
  if (*b == NULL)
    {
      close (fds[1]);
      g_clear_object (a);
      return FALSE;
    }
  return TRUE;
}

static gboolean
self_handshake (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GIOStream) a = NULL;
  g_autoptr (GIOStream) b = NULL;
  g_autoptr (GIOStream) server = NULL;
  g_autoptr (GIOStream) client = NULL;
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (HANDSHAKE_TIMEOUT_S);
  Handshake h = { NULL, 2 };

  if (!make_pair (&a, &b, error)
      || (server = g_tls_server_connection_new (a, certificate, error)) == NULL
      || (client = g_tls_client_connection_new (b, NULL, error)) == NULL)
    return FALSE;
  g_signal_connect (client, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, on_timeout, cancellable, NULL);
  g_source_attach (timeout, context);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (server), G_PRIORITY_DEFAULT, cancellable,
                                    on_handshake_done, &h);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client), G_PRIORITY_DEFAULT, cancellable,
                                    on_handshake_done, &h);
  while (h.pending > 0)
    {
      /* One side failing leaves the other waiting for bytes: end it. */
      if (h.error != NULL)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  g_io_stream_close (server, NULL, NULL);
  g_io_stream_close (client, NULL, NULL);
  g_main_context_pop_thread_default (context);
  if (h.error != NULL)
    {
      g_propagate_error (error, h.error);
      return FALSE;
    }
  return TRUE;
}

gboolean
cw_certificate_check_key (GTlsCertificate *certificate, const gchar *cert_file,
                          const gchar *key_file, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  if (self_handshake (certificate, &local_error))
    return TRUE;
  /* No TLS backend (glib-networking) is no fault of the key. */
  if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE))
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE,
                   _("cannot check %s: %s (is glib-networking installed?)"), key_file,
                   local_error->message);
      return FALSE;
    }
  g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_KEY_MISMATCH,
               _("the key %s does not match the certificate %s (a TLS handshake with it "
                 "failed: %s)"), key_file, cert_file, local_error->message);
  return FALSE;
}

/* ---- loading ------------------------------------------------------------- */

/* Parsed alone first, so that a bad file is named rightly. */
static GTlsCertificate *
parse (const gchar *cert_file, const gchar *key_file, const Secret *cert, const Secret *key,
       GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GTlsCertificate) alone = g_tls_certificate_new_from_pem (cert->data,
                                                                      (gssize) cert->length,
                                                                      &local_error);
  g_auto (Secret) both = { NULL, 0 };
  GTlsCertificate *certificate;

  if (alone == NULL && g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE))
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE,
                   _("cannot check %s: %s (is glib-networking installed?)"), cert_file,
                   local_error->message);
      return NULL;
    }
  if (alone == NULL)
    {
      g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_INVALID,
                   _("%s holds no PEM certificate: %s"), cert_file, local_error->message);
      return NULL;
    }
  /* GIO takes a certificate without its key; a server cannot. */
  if (g_strstr_len (key->data, (gssize) key->length, "PRIVATE KEY-----") == NULL)
    {
      g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_KEY_INVALID,
                   _("%s holds no usable PEM private key: %s"), key_file,
                   _("no “BEGIN PRIVATE KEY” block"));
      return NULL;
    }
  both.length = cert->length + 1 + key->length;
  both.data = g_malloc (both.length + 1);
  memcpy (both.data, cert->data, cert->length);
  both.data[cert->length] = '\n';
  memcpy (both.data + cert->length + 1, key->data, key->length);
  both.data[both.length] = '\0';
  certificate = g_tls_certificate_new_from_pem (both.data, (gssize) both.length, &local_error);
  if (certificate == NULL)
    g_set_error (error, CW_CERTIFICATE_ERROR, CW_CERTIFICATE_ERROR_KEY_INVALID,
                 _("%s holds no usable PEM private key: %s"), key_file, local_error->message);
  return certificate;
}

GTlsCertificate *
cw_certificate_load (const gchar *cert_file, const gchar *key_file, GDateTime *now,
                     GError **error)
{
  g_auto (Secret) cert = { NULL, 0 };
  g_auto (Secret) key = { NULL, 0 };
  g_autoptr (GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (cert_file != NULL && key_file != NULL, NULL);
  if (!read_file (cert_file, CW_CERTIFICATE_ERROR_UNREADABLE, &cert, error)
      || !read_file (key_file, CW_CERTIFICATE_ERROR_KEY_UNREADABLE, &key, error))
    return NULL;
  certificate = parse (cert_file, key_file, &cert, &key, error);
  if (certificate == NULL || !cw_certificate_check_validity (certificate, cert_file, now, error)
      || !cw_certificate_check_key (certificate, cert_file, key_file, error))
    return NULL;
  return g_steal_pointer (&certificate);
}
