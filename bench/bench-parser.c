/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XML parser benchmark: CwReader and CwWriter against bare expat on a realistic stanza mix. */
#include "config.h"

#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/namespaces.h"
#include "xml/reader.h"
#include "xml/writer.h"

/* Same separator and triplet setting as reader.c, so the baseline does the
 * same namespace work inside expat. Its handlers are empty. */
#define NS_SEP '\x1f'

#define ROSTER_ITEMS 500
/* Stanzas per simulated session; each one opens with the roster result. */
#define ROSTER_EVERY 2000
#define N_CONTACTS ROSTER_ITEMS
#define STREAM_CLOSE "</stream:stream>"
#define MAX_ROUNDS 64

typedef enum
{
  KIND_MESSAGE,     /* chat message: body, thread, <active/>, sometimes a receipt request */
  KIND_CHAT_STATE,  /* standalone chat state notification */
  KIND_PRESENCE,    /* presence with caps */
  KIND_DISCO,       /* disco#info result */
  KIND_ROSTER,      /* roster result with ROSTER_ITEMS items */
  N_KINDS
} StanzaKind;

static const gchar *const kind_names[N_KINDS] = {
  "chat message", "chat state", "presence+caps", "disco#info result", "roster result (500 items)",
};

typedef enum
{
  PATH_EXPAT,      /* bare expat, empty handlers: the practical limit */
  PATH_TREE,       /* CwReader: trees, every event popped */
  PATH_SERIALISE,  /* CwReader, then CwWriter on every stanza */
  N_PATHS
} BenchPath;

static const gchar *const path_names[N_PATHS] = {
  "bare expat (baseline)", "CwReader, trees", "CwReader + CwWriter",
};
static const gchar *const path_ids[N_PATHS] = { "expat", "tree", "serialise" };
/* Process names of the children (15 bytes at most), so that a profile can
 * tell them from the parent, which only generates the input:
 *   perf report --sort comm,dso,sym */
static const gchar *const child_names[N_PATHS] = { "bench-expat", "bench-tree", "bench-serialise" };

typedef struct
{
  GString *buf;                     /* owned: the whole stream */
  gsize stanza_bytes;               /* bytes between the header and the close tag */
  guint64 n_stanzas;
  guint64 kind_count[N_KINDS];
  guint64 kind_bytes[N_KINDS];
} Input;

typedef struct
{
  GRand *rand;                      /* owned */
  gchar *contacts[N_CONTACTS];      /* owned: bare JIDs */
  gchar *names[N_CONTACTS];         /* owned: display names */
  gchar *threads[N_CONTACTS];       /* owned: one conversation thread per contact */
  gchar *caps_ver[8];               /* owned: a few client versions seen */
} Gen;

/* What a child process reports back through its pipe. */
typedef struct
{
  gboolean ok;
  gdouble wall;       /* seconds */
  gdouble cpu;        /* seconds of user + system time */
  guint64 stanzas;    /* stanzas popped (not counted by the baseline) */
  guint64 out_bytes;  /* bytes the writer produced */
  glong start_rss;    /* KiB resident right after fork (the inherited input) */
  glong peak_rss;     /* KiB, ru_maxrss at the end */
} RunResult;

static const gchar *const words[] = {
  "ok", "yes", "no", "the", "a", "to", "and", "meeting", "tomorrow", "at", "noon", "lunch",
  "sounds", "good", "see", "you", "there", "thanks", "build", "is", "green", "again", "did",
  "your", "patch", "land", "reviewing", "now", "later", "can", "we", "talk", "about", "it",
  "café", "naïve", "déjà", "vu", "über", "Straße", "日本語", "テスト", "привет", "mañana",
  "🙂", "👍", "🎉", "R&D", "<3", "a<b", "x>y", "it's", "\"quoted\"", "50%", "#42",
  "https://example.org/wiki/Some_Page?x=1&y=2",
};

static const gchar *const first_names[] = {
  "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
  "José", "Zoë", "Łukasz", "Søren", "Chloé", "Mateo", "Yuki", "Olga", "Priya", "Seán", "Björn",
};

static const gchar *const last_names[] = {
  "Smith", "O'Brien", "Müller", "Ångström", "García", "Nakamura", "Kowalski", "Dubois",
  "Novák", "Rossi", "van der Berg", "Okafor", "Lee", "Ivanova", "Haddad", "Brown",
};

static const gchar *const groups[] = {
  "Friends", "Work", "Family", "Open source", "Café crew", "Climbing & hiking",
};

static const gchar *const features[] = {
  CW_NS_DISCO_INFO, CW_NS_DISCO_ITEMS, CW_NS_CAPS, CW_NS_CHATSTATES, CW_NS_RECEIPTS,
  CW_NS_PING, CW_NS_TIME, CW_NS_VERSION, CW_NS_DELAY, "http://jabber.org/protocol/xhtml-im",
  "urn:xmpp:jingle:1", "urn:xmpp:jingle:apps:file-transfer:5", "urn:xmpp:jingle:transports:s5b:1",
  "urn:xmpp:jingle:transports:ibb:1", "http://jabber.org/protocol/si",
  "http://jabber.org/protocol/si/profile/file-transfer", "http://jabber.org/protocol/bytestreams",
  "http://jabber.org/protocol/ibb", "urn:xmpp:message-correct:0", "urn:xmpp:chat-markers:0",
  "urn:xmpp:avatar:metadata+notify", "http://jabber.org/protocol/nick+notify",
  "urn:xmpp:hints", "jabber:x:data", "vcard-temp",
};

static const gchar *const chat_states[] = { "composing", "paused", "inactive", "gone" };
static const gchar *const shows[] = { "away", "chat", "dnd", "xa" };
static const gchar *const subscriptions[] = { "both", "both", "both", "to", "from", "none" };

#define PICK(g, array) ((array)[g_rand_int_range ((g)->rand, 0, G_N_ELEMENTS (array))])

static gboolean
chance (Gen *g, gdouble p)
{
  return g_rand_double (g->rand) < p;
}

static gchar *
make_uuid (Gen *g)
{
  return g_strdup_printf ("%08x-%04x-4%03x-%04x-%08x%04x", g_rand_int (g->rand),
                          g_rand_int (g->rand) & 0xffff, g_rand_int (g->rand) & 0xfff,
                          0x8000 | (g_rand_int (g->rand) & 0x3fff), g_rand_int (g->rand),
                          g_rand_int (g->rand) & 0xffff);
}

static Gen *
gen_new (guint32 seed)
{
  Gen *g = g_new0 (Gen, 1);

  g->rand = g_rand_new_with_seed (seed);
  for (guint i = 0; i < N_CONTACTS; i++)
    {
      const gchar *first = PICK (g, first_names);
      g_autofree gchar *user = g_utf8_strdown (first, -1);

      /* Non-ASCII first names keep their bytes in the localpart: JIDs are UTF-8. */
      g->contacts[i] = g_strdup_printf ("%s%u@host-%u.local", user, i, i % 37);
      g->names[i] = g_strdup_printf ("%s %s", first, PICK (g, last_names));
      g->threads[i] = make_uuid (g);
    }
  for (guint i = 0; i < G_N_ELEMENTS (g->caps_ver); i++)
    {
      guint8 digest[20];

      for (guint j = 0; j < sizeof digest; j++)
        digest[j] = g_rand_int (g->rand) & 0xff;
      g->caps_ver[i] = g_base64_encode (digest, sizeof digest);
    }
  return g;
}

static void
gen_free (Gen *g)
{
  for (guint i = 0; i < N_CONTACTS; i++)
    {
      g_free (g->contacts[i]);
      g_free (g->names[i]);
      g_free (g->threads[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (g->caps_ver); i++)
    g_free (g->caps_ver[i]);
  g_rand_free (g->rand);
  g_free (g);
}

/* Attributes and text are written exactly as CwWriter writes them, so the
 * serialising path can check that it reproduced every stanza byte. */
static void
put_attr (GString *out, const gchar *name, const gchar *value)
{
  g_string_append_printf (out, " %s='", name);
  cw_writer_append_escaped (out, value, TRUE);
  g_string_append_c (out, '\'');
}

static void
put_text_child (GString *out, const gchar *name, const gchar *text)
{
  g_string_append_printf (out, "<%s>", name);
  cw_writer_append_escaped (out, text, FALSE);
  g_string_append_printf (out, "</%s>", name);
}

static void
put_id (Gen *g, GString *out)
{
  g_autofree gchar *id = make_uuid (g);

  put_attr (out, "id", id);
}

static gchar *
make_sentence (Gen *g)
{
  GString *s = g_string_new (NULL);
  /* Mostly short lines, sometimes a paragraph. */
  guint n = chance (g, 0.1) ? g_rand_int_range (g->rand, 20, 80) : g_rand_int_range (g->rand, 1, 13);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, chance (g, 0.03) ? '\n' : ' ');
      g_string_append (s, PICK (g, words));
    }
  return g_string_free (s, FALSE);
}

static void
gen_message (Gen *g, GString *out, const gchar *self, gboolean with_body)
{
  guint c = g_rand_int_range (g->rand, 0, N_CONTACTS);

  g_string_append (out, "<message");
  put_attr (out, "type", "chat");
  put_attr (out, "from", g->contacts[c]);
  put_attr (out, "to", self);
  put_id (g, out);
  g_string_append_c (out, '>');
  if (with_body)
    {
      g_autofree gchar *body = make_sentence (g);

      put_text_child (out, "body", body);
      put_text_child (out, "thread", g->threads[c]);
      g_string_append (out, "<active xmlns='" CW_NS_CHATSTATES "'/>");
      if (chance (g, 0.5))
        g_string_append (out, "<request xmlns='" CW_NS_RECEIPTS "'/>");
    }
  else
    {
      g_string_append_printf (out, "<%s xmlns='" CW_NS_CHATSTATES "'/>", PICK (g, chat_states));
      put_text_child (out, "thread", g->threads[c]);
    }
  g_string_append (out, "</message>");
}

static void
gen_presence (Gen *g, GString *out)
{
  guint c = g_rand_int_range (g->rand, 0, N_CONTACTS);

  g_string_append (out, "<presence");
  put_attr (out, "from", g->contacts[c]);
  put_id (g, out);
  g_string_append_c (out, '>');
  if (chance (g, 0.5))
    put_text_child (out, "show", PICK (g, shows));
  if (chance (g, 0.6))
    {
      g_autofree gchar *status = make_sentence (g);

      put_text_child (out, "status", status);
    }
  g_string_append_printf (out, "<priority>%d</priority>", g_rand_int_range (g->rand, -1, 10));
  g_string_append (out, "<c xmlns='" CW_NS_CAPS "'");
  put_attr (out, "hash", "sha-1");
  put_attr (out, "node", "https://chinwag.example/caps");
  put_attr (out, "ver", PICK (g, g->caps_ver));
  g_string_append (out, "/>");
  if (chance (g, 0.3))
    {
      g_string_append (out, "<x xmlns='vcard-temp:x:update'><photo>");
      for (guint i = 0; i < 5; i++)
        g_string_append_printf (out, "%08x", g_rand_int (g->rand));
      g_string_append (out, "</photo></x>");
    }
  g_string_append (out, "</presence>");
}

static void
gen_disco (Gen *g, GString *out, const gchar *self)
{
  guint c = g_rand_int_range (g->rand, 0, N_CONTACTS);
  guint n = g_rand_int_range (g->rand, 8, G_N_ELEMENTS (features) + 1);
  g_autofree gchar *node = g_strdup_printf ("https://chinwag.example/caps#%s", PICK (g, g->caps_ver));

  g_string_append (out, "<iq");
  put_attr (out, "type", "result");
  put_attr (out, "from", g->contacts[c]);
  put_attr (out, "to", self);
  put_id (g, out);
  g_string_append (out, "><query xmlns='" CW_NS_DISCO_INFO "'");
  put_attr (out, "node", node);
  g_string_append (out, "><identity category='client' type='pc' name='chinwag 0.1'/>");
  for (guint i = 0; i < n; i++)
    {
      g_string_append (out, "<feature");
      put_attr (out, "var", features[i]);
      g_string_append (out, "/>");
    }
  g_string_append (out, "</query></iq>");
}

static void
gen_roster (Gen *g, GString *out, const gchar *self)
{
  g_string_append (out, "<iq");
  put_attr (out, "type", "result");
  put_attr (out, "to", self);
  put_id (g, out);
  g_string_append_printf (out, "><query xmlns='" CW_NS_ROSTER "' ver='ver%u'>", g_rand_int (g->rand));
  for (guint i = 0; i < ROSTER_ITEMS; i++)
    {
      guint n_groups = g_rand_int_range (g->rand, 0, 3);

      g_string_append (out, "<item");
      put_attr (out, "jid", g->contacts[i]);
      if (chance (g, 0.8))
        put_attr (out, "name", g->names[i]);
      put_attr (out, "subscription", PICK (g, subscriptions));
      if (chance (g, 0.05))
        put_attr (out, "ask", "subscribe");
      if (n_groups == 0)
        {
          g_string_append (out, "/>");
          continue;
        }
      g_string_append_c (out, '>');
      for (guint j = 0; j < n_groups; j++)
        put_text_child (out, "group", PICK (g, groups));
      g_string_append (out, "</item>");
    }
  g_string_append (out, "</query></iq>");
}

static StanzaKind
pick_kind (Gen *g, guint64 index)
{
  gdouble x;

  if (index % ROSTER_EVERY == 0)
    return KIND_ROSTER;
  x = g_rand_double (g->rand);
  if (x < 0.55)
    return KIND_MESSAGE;
  if (x < 0.70)
    return KIND_CHAT_STATE;
  if (x < 0.92)
    return KIND_PRESENCE;
  return KIND_DISCO;
}

/* Builds one stream of about @target bytes: header, stanzas, close tag. */
static void
input_generate (Input *in, gsize target, guint32 seed)
{
  static const gchar self[] = "me@laptop.local";
  Gen *g = gen_new (seed);
  gsize header_len;

  memset (in, 0, sizeof *in);
  in->buf = g_string_sized_new (target + 256 * 1024);
  g_string_append (in->buf, "<?xml version='1.0'?><stream:stream xmlns='" CW_NS_CLIENT "'"
                            " xmlns:stream='" CW_NS_STREAM "' from='peer@desk.local'"
                            " to='me@laptop.local' version='1.0'>");
  header_len = in->buf->len;
  while (in->buf->len + strlen (STREAM_CLOSE) < target)
    {
      StanzaKind kind = pick_kind (g, in->n_stanzas);
      gsize before = in->buf->len;

      switch (kind)
        {
        case KIND_MESSAGE:
          gen_message (g, in->buf, self, TRUE);
          break;
        case KIND_CHAT_STATE:
          gen_message (g, in->buf, self, FALSE);
          break;
        case KIND_PRESENCE:
          gen_presence (g, in->buf);
          break;
        case KIND_DISCO:
          gen_disco (g, in->buf, self);
          break;
        case KIND_ROSTER:
        case N_KINDS:
        default:
          gen_roster (g, in->buf, self);
          break;
        }
      in->kind_count[kind]++;
      in->kind_bytes[kind] += in->buf->len - before;
      in->n_stanzas++;
    }
  in->stanza_bytes = in->buf->len - header_len;
  g_string_append (in->buf, STREAM_CLOSE);
  gen_free (g);
}

/* Chunk sizes 1..@max, uniformly, from their own seeded GRand: every path
 * sees exactly the same feeds. */
static GArray *
make_chunks (gsize total, guint max, guint32 seed)
{
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed ^ 0x5eed);
  gsize done = 0;

  while (done < total)
    {
      guint n = MIN ((gsize) g_rand_int_range (rand, 1, (gint32) max + 1), total - done);

      g_array_append_val (chunks, n);
      done += n;
    }
  return chunks;
}

static gdouble
wall_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gdouble
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static glong
max_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static void XMLCALL
expat_start (void *data, const XML_Char *name, const XML_Char **atts)
{
}

static void XMLCALL
expat_end (void *data, const XML_Char *name)
{
}

static void XMLCALL
expat_text (void *data, const XML_Char *s, int len)
{
}

static gboolean
run_expat (const Input *in, const GArray *chunks)
{
  XML_Parser p = XML_ParserCreateNS ("UTF-8", NS_SEP);
  const gchar *data = in->buf->str;
  gboolean ok = TRUE;

  XML_SetReturnNSTriplet (p, XML_TRUE);
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
  /* As reader.c sets it (Debian backports it without a version bump). */
  XML_SetReparseDeferralEnabled (p, XML_TRUE);
#endif
  XML_SetElementHandler (p, expat_start, expat_end);
  XML_SetCharacterDataHandler (p, expat_text);
  for (guint i = 0; i < chunks->len && ok; i++)
    {
      guint n = g_array_index (chunks, guint, i);

      ok = XML_Parse (p, data, (int) n, XML_FALSE) == XML_STATUS_OK;
      data += n;
    }
  ok = ok && XML_Parse (p, NULL, 0, XML_TRUE) == XML_STATUS_OK;
  if (!ok)
    g_printerr ("expat: %s at line %lu\n", XML_ErrorString (XML_GetErrorCode (p)),
                XML_GetCurrentLineNumber (p));
  XML_ParserFree (p);
  return ok;
}

static gboolean
run_reader (const Input *in, const GArray *chunks, gboolean serialise, RunResult *res)
{
  g_autoptr (CwReader) reader = cw_reader_new (CW_READER_MODE_STREAM, NULL);
  g_autoptr (GString) out = g_string_sized_new (4096);
  const gchar *data = in->buf->str;
  gboolean closed = FALSE;

  for (guint i = 0; i < chunks->len; i++)
    {
      guint n = g_array_index (chunks, guint, i);
      g_autoptr (GError) error = NULL;
      CwReaderEventType type;
      CwElement *el;

      if (!cw_reader_feed (reader, data, n, &error))
        {
          g_printerr ("CwReader: %s\n", error->message);
          return FALSE;
        }
      data += n;
      while ((type = cw_reader_pop (reader, &el)) != CW_READER_EVENT_NONE)
        {
          if (type == CW_READER_EVENT_STANZA)
            {
              res->stanzas++;
              if (serialise)
                {
                  /* One stanza at a time, as it would go to a socket. */
                  g_string_truncate (out, 0);
                  cw_writer_append_stanza (out, el, CW_NS_CLIENT);
                  res->out_bytes += out->len;
                }
            }
          else if (type == CW_READER_EVENT_STREAM_CLOSE)
            closed = TRUE;
          g_clear_pointer (&el, cw_element_unref);
        }
    }
  if (!closed)
    g_printerr ("CwReader: no stream close event\n");
  return closed;
}

/* The first read of each inherited page through the child's new page
 * tables is slow under some hypervisors (about 20 ms for 20 MiB on the
 * machine in BENCHMARKS.md, in every path alike). Bytes from a socket are
 * in memory that is already mapped, so pay this before the clock starts. */
static void
pretouch (const gchar *data, gsize len)
{
  volatile gchar sink = 0;

  for (gsize i = 0; i < len; i += 4096)
    sink += data[i];
}

/* Runs one path in a fresh child so that ru_maxrss is that path's own peak
 * (a forked child starts from its current RSS, not the parent's peak). */
static gboolean
run_in_child (BenchPath path, const Input *in, const GArray *chunks, RunResult *res)
{
  int fds[2];
  pid_t pid;
  int status;
  gsize got = 0;

  if (pipe (fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      RunResult r = { 0 };
      gdouble w0, c0;

      close (fds[0]);
      prctl (PR_SET_NAME, child_names[path]);
      r.start_rss = max_rss_kib ();
      pretouch (in->buf->str, in->buf->len);
      w0 = wall_now ();
      c0 = cpu_now ();
      if (path == PATH_EXPAT)
        r.ok = run_expat (in, chunks);
      else
        r.ok = run_reader (in, chunks, path == PATH_SERIALISE, &r);
      r.cpu = cpu_now () - c0;
      r.wall = wall_now () - w0;
      r.peak_rss = max_rss_kib ();
      if (write (fds[1], &r, sizeof r) != sizeof r)
        _exit (2);
      _exit (0);
    }
  close (fds[1]);
  while (got < sizeof *res)
    {
      gssize n = read (fds[0], (gchar *) res + got, sizeof *res - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += n;
    }
  close (fds[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return got == sizeof *res && WIFEXITED (status) && WEXITSTATUS (status) == 0 && res->ok;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median (gdouble *values, guint n)
{
  qsort (values, n, sizeof *values, compare_double);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static gdouble
min_value (const gdouble *values, guint n)
{
  gdouble m = values[0];

  for (guint i = 1; i < n; i++)
    m = MIN (m, values[i]);
  return m;
}

static void
print_input (const Input *in, const GArray *chunks, guint chunk_max, guint32 seed)
{
  g_print ("input: %" G_GSIZE_FORMAT " bytes (%.2f MiB) generated in memory, seed %u\n",
           in->buf->len, in->buf->len / 1048576.0, seed);
  g_print ("       %" G_GUINT64_FORMAT " stanzas, %.0f bytes per stanza on average; fed in %u chunks "
           "of 1..%u bytes (uniform)\n",
           in->n_stanzas, (gdouble) in->stanza_bytes / in->n_stanzas, chunks->len, chunk_max);
  g_print ("mix:   %-27s %9s %8s %8s\n", "kind", "stanzas", "% count", "% bytes");
  for (guint k = 0; k < N_KINDS; k++)
    g_print ("       %-27s %9" G_GUINT64_FORMAT " %7.1f%% %7.1f%%\n", kind_names[k],
             in->kind_count[k], 100.0 * in->kind_count[k] / in->n_stanzas,
             100.0 * in->kind_bytes[k] / in->stanza_bytes);
}

/* Options, and per path the samples of every round. */
typedef struct
{
  gdouble size_mib;
  gint rounds;
  gint chunk_max;
  gint seed;
  gchar *only;                   /* owned, nullable */
  gchar *dump;                   /* owned, nullable */
  gboolean run[N_PATHS];
  gdouble wall[N_PATHS][MAX_ROUNDS];
  gdouble cpu[N_PATHS][MAX_ROUNDS];
  glong start_rss[N_PATHS];      /* KiB */
  glong peak_rss[N_PATHS];       /* KiB, highest over the rounds */
  guint64 out_bytes;
} Bench;

static gboolean
parse_options (Bench *b, int *argc, char ***argv)
{
  const GOptionEntry entries[] = {
    { "size", 's', 0, G_OPTION_ARG_DOUBLE, &b->size_mib, "Input size in MiB (default 20)", "MIB" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &b->rounds, "Timed rounds per path (default 5)", "N" },
    { "chunk-max", 'c', 0, G_OPTION_ARG_INT, &b->chunk_max, "Largest feed in bytes (default 4096)", "BYTES" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &b->seed, "Seed for the input and the chunk sizes (default 1)", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &b->only, "Run one path: expat, tree or serialise (for profiling)", "PATH" },
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &b->dump, "Write the generated input to FILE and exit", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- XML parser benchmark");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  if (b->rounds < 1 || b->rounds > MAX_ROUNDS || b->chunk_max < 1 || b->chunk_max > 16 * 1048576
      || b->size_mib <= 0 || b->size_mib > 4096)
    {
      g_printerr ("need 1 <= rounds <= %d, 1 <= chunk-max <= 16 MiB, 0 < size <= 4096 MiB\n", MAX_ROUNDS);
      return FALSE;
    }
  for (guint p = 0; p < N_PATHS; p++)
    b->run[p] = b->only == NULL || strcmp (b->only, path_ids[p]) == 0;
  if (!b->run[PATH_EXPAT] && !b->run[PATH_TREE] && !b->run[PATH_SERIALISE])
    {
      g_printerr ("--only takes expat, tree or serialise\n");
      return FALSE;
    }
  return TRUE;
}

/* Rounds outside, paths inside: a slow spell on the machine hits every
 * path alike instead of skewing one of them. */
static gboolean
run_rounds (Bench *b, const Input *in, const GArray *chunks)
{
  for (gint r = 0; r < b->rounds; r++)
    for (guint p = 0; p < N_PATHS; p++)
      {
        RunResult res = { 0 };

        if (!b->run[p])
          continue;
        if (!run_in_child (p, in, chunks, &res))
          {
            g_printerr ("%s failed\n", path_names[p]);
            return FALSE;
          }
        if (p != PATH_EXPAT && res.stanzas != in->n_stanzas)
          {
            g_printerr ("%s: %" G_GUINT64_FORMAT " stanzas popped, %" G_GUINT64_FORMAT " generated\n",
                        path_names[p], res.stanzas, in->n_stanzas);
            return FALSE;
          }
        if (p == PATH_SERIALISE)
          b->out_bytes = res.out_bytes;
        b->wall[p][r] = res.wall;
        b->cpu[p][r] = res.cpu;
        b->start_rss[p] = res.start_rss;
        b->peak_rss[p] = MAX (b->peak_rss[p], res.peak_rss);
      }
  return TRUE;
}

static void
print_results (Bench *b, const Input *in)
{
  gdouble med_wall[N_PATHS] = { 0 }, med_cpu[N_PATHS] = { 0 };

  g_print ("%-22s %10s %7s %9s %9s %10s %11s\n", "median of rounds", "stanzas/s", "MB/s",
           "best MB/s", "time", "peak RSS", "over input");
  for (guint p = 0; p < N_PATHS; p++)
    {
      gdouble t;

      if (!b->run[p])
        continue;
      med_wall[p] = median (b->wall[p], b->rounds);
      /* CPU time, not wall time: the runs are single-threaded, and other
       * work on the machine mostly adds waiting for a core. */
      med_cpu[p] = median (b->cpu[p], b->rounds);
      t = med_cpu[p];
      g_print ("%-22s %10.0f %7.1f %9.1f", path_names[p], in->n_stanzas / t, in->buf->len / t / 1e6,
               in->buf->len / min_value (b->cpu[p], b->rounds) / 1e6);
      if (b->run[PATH_EXPAT])
        g_print (" %8.2fx", t / med_cpu[PATH_EXPAT]);
      else
        g_print (" %9s", "-");
      g_print (" %6.1f MiB %7.1f MiB\n", b->peak_rss[p] / 1024.0,
               (b->peak_rss[p] - b->start_rss[p]) / 1024.0);
    }
  g_print ("\nFrom CPU time (user + system) of each run. MB = 10^6 input bytes;\n"
           "time = median CPU time relative to bare expat;\n"
           "over input = peak RSS minus what the child inherited (input buffer, GLib).\n"
           "median CPU / wall seconds per round:");
  for (guint p = 0; p < N_PATHS; p++)
    if (b->run[p])
      g_print (" %s %.3f/%.3f", path_ids[p], med_cpu[p], med_wall[p]);
  g_print ("\n");
  if (b->run[PATH_SERIALISE])
    g_print ("writer output: %" G_GUINT64_FORMAT " bytes for %" G_GSIZE_FORMAT " bytes of input stanzas (%s)\n",
             b->out_bytes, in->stanza_bytes, b->out_bytes == in->stanza_bytes ? "same size" : "DIFFERENT SIZE");
  for (guint p = 0; p < N_PATHS; p++)
    if (b->run[p] && med_wall[p] > med_cpu[p] * 1.1)
      {
        g_print ("note: wall time exceeded CPU time by more than 10%%: the machine was busy,\n"
                 "      CPU times may be inflated too (shared caches); rerun when it is idle\n");
        break;
      }
}

int
main (int argc, char **argv)
{
  Bench b = { .size_mib = 20.0, .rounds = 5, .chunk_max = 4096, .seed = 1 };
  g_autoptr (GArray) chunks = NULL;
  g_autoptr (GError) error = NULL;
  Input in;
  int status = 0;

  if (!parse_options (&b, &argc, &argv))
    return 2;
  input_generate (&in, (gsize) (b.size_mib * 1048576.0), (guint32) b.seed);
  if (b.dump != NULL)
    {
      if (!g_file_set_contents (b.dump, in.buf->str, in.buf->len, &error))
        {
          g_printerr ("%s\n", error->message);
          status = 1;
        }
    }
  else
    {
      chunks = make_chunks (in.buf->len, (guint) b.chunk_max, (guint32) b.seed);
      print_input (&in, chunks, (guint) b.chunk_max, (guint32) b.seed);
      g_print ("%s; %d rounds, paths interleaved, every run in its own child process\n\n",
               XML_ExpatVersion (), b.rounds);
      if (run_rounds (&b, &in, chunks))
        print_results (&b, &in);
      else
        status = 1;
    }
  g_string_free (in.buf, TRUE);
  g_free (b.only);
  g_free (b.dump);
  return status;
}
