/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwJid: parsing, validation, normalisation and comparison of JIDs (RFC 7622, XEP-0106). */
#include "config.h"
#include "common/jid.h"

#include <arpa/inet.h>
#include <glib/gi18n-lib.h>
#include <string.h>

/* Normalisation can shrink a part (NFC composition, IDNA dropping ignorable
 * code points), so the raw text may exceed the limit a little and still be
 * valid. Anything beyond this bound is refused before any work is done:
 * IDNA's Punycode step is quadratic in the length of a label. */
#define RAW_PART_LIMIT (4 * CW_JID_MAX_PART_LENGTH)

/* DNS label limit (RFC 1035 §2.3.4), applied to the A-label form. */
#define MAX_LABEL_LENGTH 63

struct _CwJid
{
  gatomicrefcount ref_count;
  gchar *local;     /* owned, nullable: case-folded, NFC localpart */
  gchar *domain;    /* owned: lower-case U-label form or IP literal */
  gchar *resource;  /* owned, nullable: NFC resourcepart */
  gchar *bare;      /* owned: "local@domain" or "domain" */
  gchar *full;      /* owned: bare plus "/resource" when there is one */
};

typedef enum
{
  PART_LOCAL,
  PART_DOMAIN,
  PART_RESOURCE,
} JidPart;

G_DEFINE_QUARK (cw-jid-error-quark, cw_jid_error)

static const gchar *
part_name (JidPart part)
{
  switch (part)
    {
    case PART_LOCAL:
      return _("localpart");
    case PART_DOMAIN:
      return _("domainpart");
    case PART_RESOURCE:
    default:
      return _("resourcepart");
    }
}

/* Checks shared by every part, on the raw text before normalising it. */
static gboolean
check_raw (const gchar *raw, JidPart part, GError **error)
{
  if (*raw == '\0')
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_EMPTY_PART,
                   _("The %s is empty"), part_name (part));
      return FALSE;
    }
  if (strlen (raw) > RAW_PART_LIMIT)
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_TOO_LONG,
                   _("The %s is longer than %d bytes"), part_name (part),
                   CW_JID_MAX_PART_LENGTH);
      return FALSE;
    }
  if (!g_utf8_validate (raw, -1, NULL))
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_INVALID_UTF8,
                   _("The %s is not valid UTF-8"), part_name (part));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_length (const gchar *prepared, JidPart part, GError **error)
{
  if (*prepared == '\0')
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_EMPTY_PART,
                   _("The %s is empty"), part_name (part));
      return FALSE;
    }
  if (strlen (prepared) > CW_JID_MAX_PART_LENGTH)
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_TOO_LONG,
                   _("The %s is longer than %d bytes"), part_name (part),
                   CW_JID_MAX_PART_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* RFC 7622 §3.3.1 forbids these in a localpart; XEP-0106 escapes them. */
static gboolean
is_local_forbidden (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_SPACE_SEPARATOR:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      /* PRECIS IdentifierClass has no spaces at all, not only U+0020. */
      return TRUE;
    default:
      return c < 0x80 && strchr ("\"&'/:<>@", (gchar) c) != NULL;
    }
}

/* Run on the normalised text, so what is stored is what was checked (the
 * domain is also checked raw, before GLib's IDNA code sees it). Control
 * characters (Cc: C0, DEL and C1) are refused in every part: PRECIS
 * disallows them in both the Identifier and Freeform classes. */
static gboolean
check_chars (const gchar *s, JidPart part, GError **error)
{
  for (const gchar *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_CONTROL
          || (part == PART_LOCAL && is_local_forbidden (c)))
        {
          g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_FORBIDDEN_CHAR,
                       _("The %s contains the forbidden character U+%04X"),
                       part_name (part), c);
          return FALSE;
        }
    }
  return TRUE;
}

/* A practical approximation of the PRECIS UsernameCaseMapped profile
 * (RFC 8265 §3.3) with GLib only: full Unicode case folding then NFC. It
 * skips the width mapping and the PRECIS code point tables, so a few exotic
 * code points that PRECIS refuses are accepted. The inner NFD follows
 * Unicode's canonical caseless matching (D145): folding must see decomposed
 * text, or a precomposed character and its decomposition fold differently.
 * The per-character tolower after folding picks one side for Cherokee:
 * Unicode folds its lower-case letters to upper case, but GLib folds the
 * upper-case ones with tolower, so g_utf8_casefold alone flips between the
 * two forms and a normalised localpart would not parse to itself. */
static gchar *
fold_local (const gchar *s)
{
  g_autofree gchar *nfd = g_utf8_normalize (s, -1, G_NORMALIZE_NFD);
  g_autofree gchar *folded = g_utf8_casefold (nfd, -1);
  g_autoptr (GString) lower = g_string_sized_new (strlen (folded));

  for (const gchar *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    g_string_append_unichar (lower, g_unichar_tolower (g_utf8_get_char (p)));
  return g_utf8_normalize (lower->str, -1, G_NORMALIZE_NFC);
}

static gchar *
prepare_local (const gchar *raw, GError **error)
{
  g_autofree gchar *folded = NULL;

  if (!check_raw (raw, PART_LOCAL, error))
    return NULL;
  folded = fold_local (raw);
  if (!check_chars (folded, PART_LOCAL, error)
      || !check_length (folded, PART_LOCAL, error))
    return NULL;
  return g_steal_pointer (&folded);
}

static gchar *
prepare_resource (const gchar *raw, GError **error)
{
  g_autofree gchar *nfc = NULL;

  if (!check_raw (raw, PART_RESOURCE, error))
    return NULL;
  /* RFC 7622 §3.4: OpaqueString, so never case-folded. */
  nfc = g_utf8_normalize (raw, -1, G_NORMALIZE_NFC);
  if (!check_chars (nfc, PART_RESOURCE, error)
      || !check_length (nfc, PART_RESOURCE, error))
    return NULL;
  return g_steal_pointer (&nfc);
}

static gboolean
set_invalid_domain (GError **error, const gchar *why)
{
  g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_INVALID_DOMAIN,
               _("The domainpart is not valid: %s"), why);
  return FALSE;
}

/* "[v6]" (RFC 7622 §3.2 via RFC 3986's IP-literal), written in the
 * canonical RFC 5952 form so that "[::1]" and "[0:0::1]" compare equal.
 * Zone identifiers and IPvFuture are refused. */
static gchar *
prepare_ip_literal (const gchar *s, GError **error)
{
  gsize len = strlen (s);
  g_autofree gchar *inner = NULL;
  struct in6_addr addr;
  gchar buf[INET6_ADDRSTRLEN];

  if (len < 2 || s[len - 1] != ']')
    {
      set_invalid_domain (error, _("unterminated IPv6 literal"));
      return NULL;
    }
  inner = g_strndup (s + 1, len - 2);
  if (inet_pton (AF_INET6, inner, &addr) != 1
      || inet_ntop (AF_INET6, &addr, buf, sizeof buf) == NULL)
    {
      set_invalid_domain (error, _("bad IPv6 address"));
      return NULL;
    }
  return g_strdup_printf ("[%s]", buf);
}

/* Every label of the ASCII (A-label) form must be an LDH label: letters,
 * digits and inner hyphens, 1 to 63 bytes. GLib's IDNA functions do not
 * check this themselves; without it "a b", "b@c" or "a..b" would pass. */
static gboolean
check_ldh_labels (const gchar *ascii, GError **error)
{
  g_auto (GStrv) labels = g_strsplit (ascii, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      const gchar *label = labels[i];
      gsize len = strlen (label);

      if (len == 0)
        return set_invalid_domain (error, _("empty label"));
      if (len > MAX_LABEL_LENGTH)
        return set_invalid_domain (error, _("label longer than 63 bytes"));
      if (label[0] == '-' || label[len - 1] == '-')
        return set_invalid_domain (error, _("label begins or ends with a hyphen"));
      for (const gchar *p = label; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '-')
          return set_invalid_domain (error, _("character not allowed in a host name"));
    }
  return TRUE;
}

/* Length of the IDNA label separator at @p (RFC 3490 §3.1: '.', U+3002,
 * U+FF0E, U+FF61), or 0 when there is none. */
static gsize
idna_dot_length (const gchar *p)
{
  if (*p == '.')
    return 1;
  if (strncmp (p, "\xe3\x80\x82", 3) == 0 || strncmp (p, "\xef\xbc\x8e", 3) == 0
      || strncmp (p, "\xef\xbd\xa1", 3) == 0)
    return 3;
  return 0;
}

/* Applies a GLib IDNA function label by label and joins the results with
 * '.'. GLib refuses whole host names of more than about 1020 bytes, but
 * RFC 7622 allows 1023; labels are short, so this way only labels meet
 * GLib's limit. An empty label maps to "" for check_ldh_labels to refuse. */
static gchar *
map_labels (const gchar *name, gchar *(*map) (const gchar *))
{
  g_autoptr (GString) out = g_string_new (NULL);
  const gchar *start = name;
  const gchar *p = name;

  for (;;)
    {
      gsize dot = idna_dot_length (p);

      if (*p == '\0' || dot > 0)
        {
          g_autofree gchar *label = g_strndup (start, p - start);
          g_autofree gchar *mapped = map (label);

          if (mapped == NULL)
            return NULL;
          if (start != name)
            g_string_append_c (out, '.');
          g_string_append (out, mapped);
          if (*p == '\0')
            break;
          start = p = p + dot;
        }
      else
        p = g_utf8_next_char (p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A host name, possibly internationalised: stored as lower-case U-labels.
 * Requiring that the Unicode form maps back to the very same A-labels
 * refuses bogus "xn--" labels (bad Punycode, or decoding to text that IDNA
 * would map differently, such as upper case) and makes parsing idempotent.
 * GLib implements IDNA2003 (nameprep), so e.g. "ß" maps to "ss". */
static gchar *
prepare_hostname (const gchar *s, GError **error)
{
  g_autofree gchar *ascii = map_labels (s, g_hostname_to_ascii);
  g_autofree gchar *unicode = NULL;
  g_autofree gchar *again = NULL;

  if (ascii == NULL)
    {
      set_invalid_domain (error, _("not an internationalised domain name"));
      return NULL;
    }
  if (!check_ldh_labels (ascii, error))
    return NULL;
  unicode = map_labels (ascii, g_hostname_to_unicode);
  if (unicode != NULL && g_utf8_validate (unicode, -1, NULL))
    again = map_labels (unicode, g_hostname_to_ascii);
  if (again == NULL || strcmp (again, ascii) != 0)
    {
      set_invalid_domain (error, _("malformed IDN A-label"));
      return NULL;
    }
  return g_steal_pointer (&unicode);
}

static gchar *
prepare_domain (const gchar *raw, GError **error)
{
  g_autofree gchar *stripped = NULL;
  g_autofree gchar *prepared = NULL;
  gsize len;

  if (!check_raw (raw, PART_DOMAIN, error)
      || !check_chars (raw, PART_DOMAIN, error))
    return NULL;
  /* RFC 7622 §3.2: a final dot is stripped before the JID is used. */
  len = strlen (raw);
  stripped = g_strndup (raw, raw[len - 1] == '.' ? len - 1 : len);
  if (*stripped == '\0')
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_EMPTY_PART,
                   _("The %s is empty"), part_name (PART_DOMAIN));
      return NULL;
    }

  if (stripped[0] == '[')
    prepared = prepare_ip_literal (stripped, error);
  else if (g_hostname_is_ip_address (stripped) && strchr (stripped, ':') == NULL)
    prepared = g_strdup (stripped);  /* dotted-quad IPv4 */
  else
    prepared = prepare_hostname (stripped, error);

  if (prepared == NULL
      || !check_chars (prepared, PART_DOMAIN, error)
      || !check_length (prepared, PART_DOMAIN, error))
    return NULL;
  return g_steal_pointer (&prepared);
}

/* Takes ownership of already prepared parts. */
static CwJid *
jid_new_take (gchar *local, gchar *domain, gchar *resource)
{
  CwJid *jid = g_new0 (CwJid, 1);

  g_atomic_ref_count_init (&jid->ref_count);
  jid->local = local;
  jid->domain = domain;
  jid->resource = resource;
  jid->bare = local != NULL ? g_strconcat (local, "@", domain, NULL) : g_strdup (domain);
  jid->full = resource != NULL ? g_strconcat (jid->bare, "/", resource, NULL)
                               : g_strdup (jid->bare);
  return jid;
}

/**
 * cw_jid_new:
 * @local: (nullable): localpart, already XEP-0106 escaped if need be
 * @domain: domainpart
 * @resource: (nullable): resourcepart
 * @error: return location for a CW_JID_ERROR
 *
 * Returns: (transfer full) (nullable): the normalised JID, or NULL on error
 */
CwJid *
cw_jid_new (const gchar *local, const gchar *domain, const gchar *resource,
            GError **error)
{
  g_autofree gchar *l = NULL;
  g_autofree gchar *d = NULL;
  g_autofree gchar *r = NULL;

  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Same order as the string reads, so the first bad part is reported. */
  if (local != NULL && (l = prepare_local (local, error)) == NULL)
    return NULL;
  if ((d = prepare_domain (domain, error)) == NULL)
    return NULL;
  if (resource != NULL && (r = prepare_resource (resource, error)) == NULL)
    return NULL;
  return jid_new_take (g_steal_pointer (&l), g_steal_pointer (&d), g_steal_pointer (&r));
}

/**
 * cw_jid_parse:
 * @str: "[local@]domain[/resource]"
 * @error: return location for a CW_JID_ERROR
 *
 * Splits as RFC 7622 §3.1 says: the resourcepart is everything after the
 * first '/', so it may itself hold '/' and '@'; the localpart is what
 * precedes the first '@' before that.
 *
 * Returns: (transfer full) (nullable): the normalised JID, or NULL on error
 */
CwJid *
cw_jid_parse (const gchar *str, GError **error)
{
  const gchar *slash;
  const gchar *at;
  const gchar *domain_start;
  gsize bare_len;
  g_autofree gchar *local = NULL;
  g_autofree gchar *domain = NULL;

  g_return_val_if_fail (str != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  slash = strchr (str, '/');
  bare_len = slash != NULL ? (gsize) (slash - str) : strlen (str);
  /* '@' and '/' never occur inside a UTF-8 multi-byte sequence, so
   * splitting on bytes is safe even before the parts are validated. */
  at = memchr (str, '@', bare_len);
  if (at != NULL)
    local = g_strndup (str, at - str);
  domain_start = at != NULL ? at + 1 : str;
  domain = g_strndup (domain_start, str + bare_len - domain_start);

  return cw_jid_new (local, domain, slash != NULL ? slash + 1 : NULL, error);
}

gchar *
cw_jid_prep_localpart (const gchar *raw, GError **error)
{
  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return prepare_local (raw, error);
}

CwJid *
cw_jid_ref (CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  g_atomic_ref_count_inc (&jid->ref_count);
  return jid;
}

void
cw_jid_unref (CwJid *jid)
{
  g_return_if_fail (jid != NULL);

  if (!g_atomic_ref_count_dec (&jid->ref_count))
    return;
  g_free (jid->local);
  g_free (jid->domain);
  g_free (jid->resource);
  g_free (jid->bare);
  g_free (jid->full);
  g_free (jid);
}

const gchar *
cw_jid_get_local (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);
  return jid->local;
}

const gchar *
cw_jid_get_domain (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);
  return jid->domain;
}

const gchar *
cw_jid_get_resource (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);
  return jid->resource;
}

const gchar *
cw_jid_to_string (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);
  return jid->full;
}

const gchar *
cw_jid_get_bare_string (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);
  return jid->bare;
}

gboolean
cw_jid_is_bare (const CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, FALSE);
  return jid->resource == NULL;
}

CwJid *
cw_jid_get_bare (CwJid *jid)
{
  g_return_val_if_fail (jid != NULL, NULL);

  if (jid->resource == NULL)
    return cw_jid_ref (jid);
  /* The parts are already prepared: no need to validate them again. */
  return jid_new_take (g_strdup (jid->local), g_strdup (jid->domain), NULL);
}

/* The parts cannot contain the separators that would make two different
 * part triples print alike ('@' and '/' are refused in the localpart and
 * domainpart), so comparing the normalised strings compares the parts. */
gboolean
cw_jid_equal (const CwJid *a, const CwJid *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  return a == b || strcmp (a->full, b->full) == 0;
}

gboolean
cw_jid_equal_bare (const CwJid *a, const CwJid *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  return a == b || strcmp (a->bare, b->bare) == 0;
}

guint
cw_jid_hash (gconstpointer jid)
{
  g_return_val_if_fail (jid != NULL, 0);
  return g_str_hash (((const CwJid *) jid)->full);
}

gboolean
cw_jid_equal_func (gconstpointer a, gconstpointer b)
{
  return cw_jid_equal (a, b);
}

gchar *
cw_jid_normalize (const gchar *str, GError **error)
{
  g_autoptr (CwJid) jid = cw_jid_parse (str, error);

  return jid != NULL ? g_strdup (jid->full) : NULL;
}

/* XEP-0106 §3: the nine characters a localpart cannot hold, then the
 * escape character itself. Codes are lower case: the XEP makes case
 * significant, so "\2F" is not an escape sequence. */
static const struct
{
  gchar c;
  gchar code[3];
} escapes[] = {
  { ' ', "20" }, { '"', "22" }, { '&', "26" }, { '\'', "27" }, { '/', "2f" },
  { ':', "3a" }, { '<', "3c" }, { '>', "3e" }, { '@', "40" }, { '\\', "5c" },
};

#define BACKSLASH_INDEX (G_N_ELEMENTS (escapes) - 1)

/* Index in escapes[] of the sequence @p starts (just after a backslash),
 * or -1 when it is partial or not one of the ten. */
static gint
escape_sequence_at (const gchar *p)
{
  if (p[0] == '\0' || p[1] == '\0')
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (escapes); i++)
    if (p[0] == escapes[i].code[0] && p[1] == escapes[i].code[1])
      return i;
  return -1;
}

static gint
disallowed_char_index (gchar c)
{
  for (guint i = 0; i < BACKSLASH_INDEX; i++)
    if (escapes[i].c == c)
      return i;
  return -1;
}

/**
 * cw_jid_escape_local:
 * @raw: the unescaped localpart, e.g. a link-local "juliet@capulet"
 * @error: return location for a CW_JID_ERROR
 *
 * Follows XEP-0106 §4.1 rules 6 and 7 and §4.3: a backslash is escaped to
 * \5c only where it starts one of the ten sequences, so partial or unknown
 * sequences ("\2plus", "foo\bar") pass through unchanged. (The XEP's
 * example table rows 9 to 11 escape every backslash, contradicting those
 * normative rules; the rules win.)
 *
 * Returns: (transfer full) (nullable): the escaped localpart
 */
gchar *
cw_jid_escape_local (const gchar *raw, GError **error)
{
  g_autoptr (GString) out = NULL;
  g_autofree gchar *check = NULL;
  gsize len;

  g_return_val_if_fail (raw != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = strlen (raw);
  if (len > 0 && (raw[0] == ' ' || raw[len - 1] == ' '))
    {
      g_set_error (error, CW_JID_ERROR, CW_JID_ERROR_FORBIDDEN_CHAR,
                   _("An escaped localpart cannot begin or end with a space"));
      return NULL;
    }
  out = g_string_sized_new (len + 16);
  for (const gchar *p = raw; *p != '\0'; p++)
    {
      gint i = *p == '\\' ? (escape_sequence_at (p + 1) >= 0 ? (gint) BACKSLASH_INDEX : -1)
                          : disallowed_char_index (*p);

      if (i >= 0)
        g_string_append_printf (out, "\\%s", escapes[i].code);
      else
        g_string_append_c (out, *p);
    }
  /* Promise a usable localpart: refuses control characters, other spaces,
   * invalid UTF-8 and results too long once escaped. */
  check = prepare_local (out->str, error);
  if (check == NULL)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * cw_jid_unescape_local:
 * @escaped: a localpart, normally from cw_jid_get_local()
 *
 * Returns: (transfer full): the localpart for display, see jid.h
 */
gchar *
cw_jid_unescape_local (const gchar *escaped)
{
  gsize len;
  GString *out;

  g_return_val_if_fail (escaped != NULL, NULL);

  len = strlen (escaped);
  out = g_string_sized_new (len);
  for (gsize i = 0; i < len;)
    {
      gint k = escaped[i] == '\\' ? escape_sequence_at (escaped + i + 1) : -1;

      /* XEP-0106 §4.1 rule 6: \20 cannot start or end an escaped localpart,
       * so there it is not an escape sequence. */
      if (k >= 0 && escapes[k].c == ' ' && (i == 0 || i + 3 == len))
        k = -1;
      if (k >= 0)
        {
          g_string_append_c (out, escapes[k].c);
          i += 3;
        }
      else
        {
          g_string_append_c (out, escaped[i]);
          i++;
        }
    }
  return g_string_free (out, FALSE);
}
