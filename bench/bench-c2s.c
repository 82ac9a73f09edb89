/* SPDX-License-Identifier: GPL-3.0-or-later */
/* c2s load generator: login rate, idle connections held and pair throughput, PLAIN over STARTTLS. */
#include "config.h"

#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* A deliberately small XMPP client: it finds the few tokens each step waits
 * for by substring search. The servers are trusted here, and a real parser
 * would cost the load generator more CPU than the servers under test. */

#define READ_CHUNK 4096
#define PING_ID "cwbp1"
#define MSG_END "</message>"
#define STREAM_HEAD \
  "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' " \
  "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

typedef enum
{
  ST_CONNECTING,
  ST_FEATURES_PLAIN, /* waiting for the first features (starttls) */
  ST_PROCEED,
  ST_HANDSHAKE,
  ST_FEATURES_TLS, /* waiting for features inside TLS (mechanisms) */
  ST_AUTH,
  ST_FEATURES_AUTHED, /* waiting for features after SASL (bind) */
  ST_BIND,
  ST_PING, /* presence sent, waiting for the ping result */
  ST_READY,
  ST_DEAD /* failed or closed: waits for its pending operations */
} ConnState;

typedef struct
{
  gint64 rss_kb;
  gint64 cpu_ticks; /* user + system */
} ProcSample;

typedef struct Bench Bench;
typedef struct Conn Conn;

struct Conn
{
  Bench *bench;          /* unowned */
  guint account;         /* account number: user <prefix><account> */
  ConnState state;
  guint ops;             /* async operations in flight */
  gboolean tls_after_write;
  gboolean writing_busy;
  GSocketConnection *tcp; /* owned */
  GIOStream *io;         /* owned: tcp, then the TLS connection */
  GCancellable *cancel;  /* owned */
  GString *in;           /* owned: received, not yet consumed */
  GString *out;          /* owned: queued for the next write */
  GString *writing;      /* owned: the write in flight */
  Conn *peer;            /* unowned: the other side of a throughput pair */
  guint8 rbuf[READ_CHUNK];
};

typedef enum { PHASE_LOGIN, PHASE_HOLD } PhaseKind;

struct Bench
{
  /* options */
  gchar *host;
  gint port;
  gchar *domain;
  gchar *prefix;
  gchar *password;
  gint logins, inflight, idle, pairs, seconds, window, timeout;
  gint first_account;
  gint rss_cap_mb;
  gchar **server_pids;
  /* run state */
  GMainLoop *loop;
  GSocketClient *client;
  GSocketConnectable *addr;
  PhaseKind kind;
  guint next_account;
  gint target, launched, ready, failed;
  gboolean timed_out;
  gboolean active; /* a phase is launching logins */
  gboolean capped; /* the idle ramp stopped at the server RSS cap */
  GPtrArray *held; /* owned (Conn *): connections kept open */
  gboolean measuring;
  guint64 delivered;
  gchar *first_error;
  ProcSample cpu_mark;
  gdouble self_mark;
};

static void conn_read (Conn *c);
static void conn_flush (Conn *c);
static void phase_launch (Bench *b);
static void bench_on_ready (Bench *b, Conn *c);
static void bench_on_failed (Bench *b, Conn *c);

/* ---- server memory and CPU ------------------------------------------------------- */

static gboolean
proc_read (const gchar *pid, gint *ppid, ProcSample *out)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree gchar *text = NULL;
  g_autofree gchar *stat = NULL;
  g_auto (GStrv) f = NULL;
  const gchar *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  p = strstr (text, "\nVmRSS:");
  out->rss_kb = p ? g_ascii_strtoll (p + 7, NULL, 10) : 0;
  g_free (path);
  path = g_strdup_printf ("/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (p = strrchr (stat, ')')) == NULL)
    return FALSE;
  f = g_strsplit (p + 2, " ", 16); /* f[0] is field 3, the state */
  if (g_strv_length (f) < 14)
    return FALSE;
  *ppid = atoi (f[1]);
  out->cpu_ticks = g_ascii_strtoll (f[11], NULL, 10) + g_ascii_strtoll (f[12], NULL, 10);
  return TRUE;
}

/* RSS and CPU of the given processes and all their descendants: ejabberd is a
 * beam.smp below a shell and su. */
static ProcSample
server_sample (gchar **pids)
{
  g_autoptr (GHashTable) parent = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) samples = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GHashTable) in_tree = g_hash_table_new (NULL, NULL);
  g_autoptr (GDir) dir = g_dir_open ("/proc", 0, NULL);
  const gchar *name;
  GHashTableIter it;
  gpointer key, value;
  gboolean grew = TRUE;
  ProcSample total = { 0, 0 };

  for (gchar **p = pids; p && *p; p++)
    g_hash_table_add (in_tree, GINT_TO_POINTER (atoi (*p)));
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      gint ppid;
      ProcSample one;
      if (!g_ascii_isdigit (name[0]) || !proc_read (name, &ppid, &one))
        continue;
      g_hash_table_insert (parent, GINT_TO_POINTER (atoi (name)), GINT_TO_POINTER (ppid));
      g_hash_table_insert (samples, GINT_TO_POINTER (atoi (name)), g_memdup2 (&one, sizeof one));
    }
  while (grew)
    {
      grew = FALSE;
      g_hash_table_iter_init (&it, parent);
      while (g_hash_table_iter_next (&it, &key, &value))
        if (!g_hash_table_contains (in_tree, key) && g_hash_table_contains (in_tree, value))
          grew = g_hash_table_add (in_tree, key) || grew;
    }
  g_hash_table_iter_init (&it, in_tree);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      ProcSample *one = g_hash_table_lookup (samples, key);
      total.rss_kb += one ? one->rss_kb : 0;
      total.cpu_ticks += one ? one->cpu_ticks : 0;
    }
  return total;
}

static gdouble
self_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds the server and this load generator spent since the last call. */
static void
report_cpu (Bench *b, const gchar *name)
{
  ProcSample now = server_sample (b->server_pids);
  gdouble self = self_cpu_seconds ();

  if (b->server_pids)
    printf ("RESULT %s_server_cpu_s %.2f\n", name,
            (gdouble) (now.cpu_ticks - b->cpu_mark.cpu_ticks) / sysconf (_SC_CLK_TCK));
  printf ("RESULT %s_client_cpu_s %.2f\n", name, self - b->self_mark);
  b->cpu_mark = now;
  b->self_mark = self;
}

/* ---- one connection ------------------------------------------------------------- */

static void
conn_free (Conn *c)
{
  g_clear_object (&c->io);
  g_clear_object (&c->tcp);
  g_clear_object (&c->cancel);
  g_string_free (c->in, TRUE);
  g_string_free (c->out, TRUE);
  g_string_free (c->writing, TRUE);
  g_free (c);
}

/* Drops an operation's hold, freeing a dead connection with the last one.
 * Callbacks keep their hold while they work, since that work may close it. */
static void
conn_op_done (Conn *c)
{
  if (--c->ops == 0 && c->state == ST_DEAD)
    conn_free (c);
}

/* TRUE (and the hold dropped) when a callback finds its connection dead. */
static gboolean
conn_op_dead (Conn *c)
{
  if (c->state != ST_DEAD)
    return FALSE;
  conn_op_done (c);
  return TRUE;
}

/* Abrupt close: the fd goes when the last pending operation has returned. */
static void
conn_close (Conn *c)
{
  if (c->state == ST_DEAD)
    return;
  c->state = ST_DEAD;
  if (c->peer)
    c->peer->peer = NULL;
  c->peer = NULL;
  g_cancellable_cancel (c->cancel);
  if (c->ops == 0)
    conn_free (c);
}

static void
conn_fail (Conn *c, const gchar *why)
{
  Bench *b = c->bench;

  if (c->state == ST_DEAD)
    return;
  if (b->first_error == NULL)
    b->first_error = g_strdup_printf ("account %u, step %d: %s", c->account, c->state, why);
  bench_on_failed (b, c);
  conn_close (c);
}

static void
conn_send (Conn *c, const gchar *text)
{
  g_string_append (c->out, text);
  conn_flush (c);
}

static void
conn_send_head (Conn *c)
{
  g_autofree gchar *head = g_strdup_printf (STREAM_HEAD, c->bench->domain);
  conn_send (c, head);
}

static gboolean
accept_any_certificate (void)
{
  return TRUE; /* the bench instances use a throwaway self-signed certificate */
}

static void
on_handshake (GObject *src, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (src), res, &error);

  if (conn_op_dead (c))
    return;
  if (!ok)
    conn_fail (c, error->message);
  else
    {
      c->state = ST_FEATURES_TLS;
      conn_send_head (c);
      conn_read (c);
    }
  conn_op_done (c);
}

static void
conn_start_tls (Conn *c)
{
  g_autoptr (GError) error = NULL;
  /* No CA store, set at construction: loading the system one costs each
   * connection more than the servers' whole handshake. */
  GIOStream *tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                                   NULL, &error, "base-io-stream", c->tcp, "database", NULL, NULL);

  if (tls == NULL)
    return conn_fail (c, error->message);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_clear_object (&c->io);
  c->io = tls;
  c->state = ST_HANDSHAKE;
  c->ops++;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, c->cancel,
                                    on_handshake, c);
}

static void
on_written (GObject *src, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (src), res, NULL, &error);

  c->writing_busy = FALSE;
  if (conn_op_dead (c))
    return;
  g_string_truncate (c->writing, 0);
  if (!ok)
    conn_fail (c, error->message);
  else if (c->tls_after_write)
    {
      c->tls_after_write = FALSE;
      conn_start_tls (c);
    }
  else
    conn_flush (c);
  conn_op_done (c);
}

static void
conn_flush (Conn *c)
{
  GString *swap;

  if (c->writing_busy || c->out->len == 0 || c->state == ST_HANDSHAKE || c->state == ST_DEAD)
    return;
  swap = c->writing;
  c->writing = c->out;
  c->out = swap;
  c->writing_busy = TRUE;
  c->ops++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (c->io), c->writing->str,
                                   c->writing->len, G_PRIORITY_DEFAULT, c->cancel, on_written, c);
}

/* Consumes TOKEN and everything before it; FALSE while it has not arrived. */
static gboolean
take_until (GString *in, const gchar *token)
{
  const gchar *at = strstr (in->str, token);

  if (at == NULL)
    return FALSE;
  g_string_erase (in, 0, (at - in->str) + strlen (token));
  return TRUE;
}

static void
conn_send_auth (Conn *c)
{
  Bench *b = c->bench;
  g_autofree gchar *user = g_strdup_printf ("%s%u", b->prefix, c->account);
  gsize ulen = strlen (user), plen = strlen (b->password);
  g_autofree guchar *raw = g_malloc (ulen + plen + 2);
  g_autofree gchar *b64 = NULL;
  g_autofree gchar *stanza = NULL;

  raw[0] = 0;
  memcpy (raw + 1, user, ulen);
  raw[ulen + 1] = 0;
  memcpy (raw + ulen + 2, b->password, plen);
  b64 = g_base64_encode (raw, ulen + plen + 2);
  stanza = g_strdup_printf ("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", b64);
  conn_send (c, stanza);
}

static void
conn_send_bind (Conn *c)
{
  g_autofree gchar *stanza = g_strdup_printf (
    "<iq type='set' id='cwbb1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>r%u</resource></bind></iq>", c->account);
  conn_send (c, stanza);
}

static void
conn_send_presence_and_ping (Conn *c)
{
  g_autofree gchar *stanza = g_strdup_printf (
    "<presence/><iq type='get' id='" PING_ID "' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>",
    c->bench->domain);
  conn_send (c, stanza);
}

static void
conn_send_messages (Conn *c, guint64 n)
{
  Bench *b = c->bench;
  g_autofree gchar *stanza = NULL;

  if (c->peer == NULL || n == 0)
    return;
  stanza = g_strdup_printf ("<message to='%s%u@%s/r%u' type='chat'><body>The quick brown fox "
                            "jumps over the lazy dog, again and again.</body></message>",
                            b->prefix, c->peer->account, b->domain, c->peer->account);
  for (guint64 i = 0; i < n; i++)
    g_string_append (c->out, stanza);
  conn_flush (c);
}

/* Counts whole messages; the peer answers each with one of its own. */
static void
conn_count_messages (Conn *c)
{
  const gchar *p = c->in->str, *at;
  guint64 n = 0;
  gsize keep;

  while ((at = strstr (p, MSG_END)) != NULL)
    {
      n++;
      p = at + strlen (MSG_END);
    }
  keep = MIN (strlen (p), strlen (MSG_END) - 1);
  g_string_erase (c->in, 0, c->in->len - keep);
  if (c->bench->measuring)
    c->bench->delivered += n;
  conn_send_messages (c, n);
}

/* One step of the login state machine; FALSE when it needs more input. */
static gboolean
conn_step (Conn *c)
{
  switch (c->state)
    {
    case ST_FEATURES_PLAIN:
      if (!take_until (c->in, "</stream:features>"))
        return FALSE;
      c->state = ST_PROCEED;
      conn_send (c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      return TRUE;
    case ST_PROCEED:
      if (!take_until (c->in, "<proceed"))
        return FALSE;
      g_string_truncate (c->in, 0);
      if (c->writing_busy)
        c->tls_after_write = TRUE;
      else
        conn_start_tls (c);
      return FALSE;
    case ST_FEATURES_TLS:
      if (!take_until (c->in, "</stream:features>"))
        return FALSE;
      c->state = ST_AUTH;
      conn_send_auth (c);
      return TRUE;
    case ST_AUTH:
      if (strstr (c->in->str, "<failure"))
        {
          conn_fail (c, "SASL PLAIN refused");
          return FALSE;
        }
      if (!take_until (c->in, "<success"))
        return FALSE;
      g_string_truncate (c->in, 0);
      c->state = ST_FEATURES_AUTHED;
      conn_send_head (c);
      return FALSE;
    case ST_FEATURES_AUTHED:
      if (!take_until (c->in, "</stream:features>"))
        return FALSE;
      c->state = ST_BIND;
      conn_send_bind (c);
      return TRUE;
    case ST_BIND:
      if (!take_until (c->in, "cwbb1"))
        return FALSE;
      c->state = ST_PING;
      conn_send_presence_and_ping (c);
      return TRUE;
    case ST_PING:
      if (!take_until (c->in, PING_ID))
        return FALSE;
      g_string_truncate (c->in, 0);
      c->state = ST_READY;
      bench_on_ready (c->bench, c);
      return FALSE;
    case ST_READY:
      conn_count_messages (c);
      return FALSE;
    default:
      return FALSE;
    }
}

static void
conn_process (Conn *c)
{
  if (strstr (c->in->str, "<stream:error") || strstr (c->in->str, "</stream:stream>"))
    return conn_fail (c, c->in->str);
  while (c->state != ST_DEAD && conn_step (c))
    ;
}

static void
on_read (GObject *src, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (src), res, &error);

  if (conn_op_dead (c))
    return;
  if (n <= 0)
    conn_fail (c, error ? error->message : "connection closed by the server");
  else
    {
      g_string_append_len (c->in, (const gchar *) c->rbuf, n);
      conn_process (c);
      if (c->state != ST_DEAD && c->state != ST_HANDSHAKE && !c->tls_after_write)
        conn_read (c);
    }
  conn_op_done (c);
}

static void
conn_read (Conn *c)
{
  c->ops++;
  g_input_stream_read_async (g_io_stream_get_input_stream (c->io), c->rbuf, sizeof c->rbuf,
                             G_PRIORITY_DEFAULT, c->cancel, on_read, c);
}

static void
on_connected (GObject *src, GAsyncResult *res, gpointer data)
{
  Conn *c = data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *tcp = g_socket_client_connect_finish (G_SOCKET_CLIENT (src), res, &error);

  if (conn_op_dead (c))
    {
      g_clear_object (&tcp);
      return;
    }
  if (tcp == NULL)
    conn_fail (c, error->message);
  else
    {
      /* as interactive clients do: no Nagle delay on small stanzas */
      g_socket_set_option (g_socket_connection_get_socket (tcp), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      /* the client's timeout was for connecting: idle connections stay */
      g_socket_set_timeout (g_socket_connection_get_socket (tcp), 0);
      c->tcp = tcp;
      c->io = g_object_ref (G_IO_STREAM (tcp));
      c->state = ST_FEATURES_PLAIN;
      conn_send_head (c);
      conn_read (c);
    }
  conn_op_done (c);
}

static Conn *
conn_start (Bench *b, guint account)
{
  Conn *c = g_new0 (Conn, 1);

  c->bench = b;
  c->account = account;
  c->cancel = g_cancellable_new ();
  c->in = g_string_new (NULL);
  c->out = g_string_new (NULL);
  c->writing = g_string_new (NULL);
  c->ops++;
  g_socket_client_connect_async (b->client, b->addr, c->cancel, on_connected, c);
  return c;
}

/* ---- phases ----------------------------------------------------------------------- */

static void
bench_on_failed (Bench *b, Conn *c)
{
  if (c->state == ST_READY)
    {
      g_ptr_array_remove_fast (b->held, c); /* a held connection was dropped */
      b->ready--;
    }
  b->failed++;
  phase_launch (b);
}

/* The idle ramp stops launching once the server has grown past the cap, so
 * that a server heavy per connection cannot take the machine down. */
static void
check_rss_cap (Bench *b)
{
  if (b->server_pids == NULL || b->rss_cap_mb <= 0 || b->ready % 100 != 0)
    return;
  if (server_sample (b->server_pids).rss_kb / 1024 < b->rss_cap_mb)
    return;
  b->capped = TRUE;
  b->target = b->launched;
}

static void
bench_on_ready (Bench *b, Conn *c)
{
  b->ready++;
  if (b->kind == PHASE_HOLD)
    {
      g_ptr_array_add (b->held, c);
      if (b->active && b->launched < b->target)
        check_rss_cap (b);
    }
  else
    conn_close (c);
  phase_launch (b);
}

/* Keeps INFLIGHT logins going until TARGET were started; quits when all ended. */
static void
phase_launch (Bench *b)
{
  if (!b->active)
    return;
  while (b->launched < b->target && b->launched - b->ready - b->failed < b->inflight)
    {
      b->launched++;
      conn_start (b, b->next_account++);
    }
  if (b->ready + b->failed >= b->target)
    g_main_loop_quit (b->loop);
}

static gboolean
on_deadline (gpointer data)
{
  Bench *b = data;

  b->timed_out = TRUE;
  g_main_loop_quit (b->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
run_for (Bench *b, guint ms)
{
  g_timeout_add (ms, quit_loop, b->loop);
  g_main_loop_run (b->loop);
}

/* Runs N logins; the connections stay open in KIND_HOLD. Returns seconds taken. */
static gdouble
phase_run (Bench *b, PhaseKind kind, gint n)
{
  gint64 t0 = g_get_monotonic_time ();
  guint deadline;

  b->kind = kind;
  b->target = n;
  b->launched = b->ready = b->failed = 0;
  b->timed_out = FALSE;
  deadline = g_timeout_add_seconds (b->timeout, on_deadline, b);
  b->active = TRUE;
  phase_launch (b);
  if (b->ready + b->failed < b->target)
    g_main_loop_run (b->loop);
  b->active = FALSE;
  if (!b->timed_out)
    g_source_remove (deadline);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static void
close_held (Bench *b)
{
  while (b->held->len > 0)
    conn_close (g_ptr_array_steal_index_fast (b->held, b->held->len - 1));
  run_for (b, 500); /* let the cancelled operations return */
}

static void
report_phase (Bench *b, const gchar *name)
{
  printf ("RESULT %s_ok %d\nRESULT %s_failed %d\n", name, b->ready, name, b->failed);
  if (b->timed_out)
    printf ("RESULT %s_timed_out 1\n", name);
  if (b->first_error)
    {
      g_autofree gchar *one = g_strdelimit (g_strndup (b->first_error, 200), "\r\n", ' ');
      printf ("# first error in %s: %s\n", name, one);
      g_clear_pointer (&b->first_error, g_free);
    }
}

static void
phase_logins (Bench *b)
{
  gdouble secs;

  report_cpu (b, "start");
  secs = phase_run (b, PHASE_LOGIN, b->logins);
  report_phase (b, "login");
  report_cpu (b, "login");
  printf ("RESULT login_seconds %.2f\nRESULT login_rate %.1f\n", secs, b->ready / secs);
  fflush (stdout);
}

static void
phase_throughput (Bench *b)
{
  gdouble secs;

  phase_run (b, PHASE_HOLD, 2 * b->pairs);
  report_phase (b, "pair_login");
  for (guint i = 0; i + 1 < b->held->len; i += 2)
    {
      Conn *x = b->held->pdata[i], *y = b->held->pdata[i + 1];
      x->peer = y;
      y->peer = x;
    }
  for (guint i = 0; i < b->held->len; i++)
    conn_send_messages (b->held->pdata[i], b->window);
  run_for (b, 1000); /* warm-up, not counted */
  b->delivered = 0;
  b->measuring = TRUE;
  report_cpu (b, "warmup");
  {
    gint64 t0 = g_get_monotonic_time ();
    run_for (b, b->seconds * 1000);
    secs = (g_get_monotonic_time () - t0) / 1e6;
  }
  b->measuring = FALSE;
  report_cpu (b, "msgs");
  printf ("RESULT pairs %u\nRESULT msgs_delivered %" G_GUINT64_FORMAT "\nRESULT msgs_rate %.1f\n",
          b->held->len / 2, b->delivered, b->delivered / secs);
  fflush (stdout);
  close_held (b);
}

static void
phase_idle (Bench *b)
{
  gint64 before, after;
  gdouble secs;

  run_for (b, 2000); /* let the server release what earlier phases left */
  before = server_sample (b->server_pids).rss_kb;
  secs = phase_run (b, PHASE_HOLD, b->idle);
  report_phase (b, "idle_login");
  run_for (b, 3000); /* settle: anything the server drops goes now */
  after = server_sample (b->server_pids).rss_kb;
  if (b->capped)
    printf ("# idle ramp stopped: server RSS reached --rss-cap %d MB\nRESULT idle_rss_capped 1\n",
            b->rss_cap_mb);
  printf ("RESULT idle_target %d\nRESULT idle_held %u\nRESULT idle_ramp_seconds %.2f\n",
          b->idle, b->held->len, secs);
  if (b->server_pids && b->held->len > 0)
    printf ("RESULT rss_before_kb %" G_GINT64_FORMAT "\nRESULT rss_after_kb %" G_GINT64_FORMAT
            "\nRESULT idle_kb_per_conn %.2f\n", before, after,
            (gdouble) (after - before) / b->held->len);
  fflush (stdout);
  close_held (b);
}

/* ---- main --------------------------------------------------------------------------- */

static void
raise_fd_limit (Bench *b)
{
  struct rlimit rl;
  rlim_t need = (rlim_t) MAX (b->idle, 2 * b->pairs) + 64;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  rl.rlim_cur = rl.rlim_max;
  setrlimit (RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need)
    {
      fprintf (stderr, "bench-c2s: open file limit %lu is below the %lu needed; idle target "
               "lowered\n", (unsigned long) rl.rlim_cur, (unsigned long) need);
      b->idle = MAX (0, (gint) rl.rlim_cur - 64 - 2 * b->pairs);
    }
}

static gboolean
parse_options (Bench *b, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &b->host, "Server address (127.0.0.1)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &b->port, "c2s port (5222)", "PORT" },
    { "domain", 'd', 0, G_OPTION_ARG_STRING, &b->domain, "XMPP domain (localhost)", "DOMAIN" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &b->prefix, "Account name prefix (b): b1, b2, ...", "P" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &b->password, "Password of every account (pw)", "PW" },
    { "logins", 'n', 0, G_OPTION_ARG_INT, &b->logins, "Logins for the login rate (2000; 0 skips)", "N" },
    { "inflight", 'k', 0, G_OPTION_ARG_INT, &b->inflight, "Logins in flight at once (50)", "K" },
    { "idle", 'c', 0, G_OPTION_ARG_INT, &b->idle, "Idle connections to hold (5000; 0 skips)", "C" },
    { "pairs", 'P', 0, G_OPTION_ARG_INT, &b->pairs, "Message pairs (50; 0 skips)", "P" },
    { "seconds", 't', 0, G_OPTION_ARG_INT, &b->seconds, "Seconds of message exchange (10)", "T" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &b->window, "Messages in flight per direction (16)", "W" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &b->timeout, "Seconds allowed per phase (300)", "S" },
    { "rss-cap", 0, 0, G_OPTION_ARG_INT, &b->rss_cap_mb,
      "Stop the idle ramp when the server's RSS passes this (8192 MB; 0: no cap)", "MB" },
    { "server-pid", 0, 0, G_OPTION_ARG_STRING_ARRAY, &b->server_pids,
      "Server process whose RSS (with its descendants) is measured; repeatable", "PID" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- XMPP c2s load generator");
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, "Accounts PREFIX1..PREFIXm must exist with one password, "
                                "m = the larger of logins and 2*pairs + idle.\n"
                                "Prints one \"RESULT name value\" line per figure.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      fprintf (stderr, "bench-c2s: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Bench b = { .port = 5222, .logins = 2000, .inflight = 50, .idle = 5000, .pairs = 50,
              .seconds = 10, .window = 16, .timeout = 300, .rss_cap_mb = 8192 };

  if (!parse_options (&b, &argc, &argv))
    return 2;
  b.host = b.host ? b.host : g_strdup ("127.0.0.1");
  b.domain = b.domain ? b.domain : g_strdup ("localhost");
  b.prefix = b.prefix ? b.prefix : g_strdup ("b");
  b.password = b.password ? b.password : g_strdup ("pw");
  b.inflight = MAX (b.inflight, 1);
  raise_fd_limit (&b);
  b.loop = g_main_loop_new (NULL, FALSE);
  b.client = g_socket_client_new ();
  g_socket_client_set_timeout (b.client, 30);
  b.addr = g_network_address_new (b.host, b.port);
  b.held = g_ptr_array_new ();
  if (b.logins > 0)
    {
      b.next_account = 1;
      phase_logins (&b);
    }
  b.next_account = 1; /* the pairs and the idle connections never overlap */
  if (b.pairs > 0)
    phase_throughput (&b);
  if (b.idle > 0)
    phase_idle (&b);
  g_ptr_array_unref (b.held);
  g_object_unref (b.addr);
  g_object_unref (b.client);
  g_main_loop_unref (b.loop);
  g_free (b.host);
  g_free (b.domain);
  g_free (b.prefix);
  g_free (b.password);
  g_strfreev (b.server_pids);
  return 0;
}
