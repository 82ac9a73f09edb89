/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlTxt: the XEP-0174 presence TXT record, encoded to and decoded from DNS-SD strings. */
#include "config.h"
#include "ll/txt-record.h"

#include <string.h>

#define REPLACEMENT_CHAR "\357\277\275" /* U+FFFD */

typedef enum
{
  KIND_TXTVERS,
  KIND_PORT,
  KIND_STATUS,
  KIND_TEXT, /* human text: repaired */
  KIND_ID,   /* identifier: dropped unless clean */
} FieldKind;

typedef struct
{
  const gchar *key;
  FieldKind kind;
  gsize offset;      /* of the gchar * in CwLlTxt, for TEXT and ID */
  gboolean personal; /* left out unless publish_personal */
} Field;

/* In publishing order. Keys are lowercase: matching is case-insensitive. */
static const Field fields[] = {
  { "txtvers", KIND_TXTVERS, 0, FALSE },
  { "port.p2pj", KIND_PORT, 0, FALSE },
  { "status", KIND_STATUS, 0, FALSE },
  { "msg", KIND_TEXT, G_STRUCT_OFFSET (CwLlTxt, msg), FALSE },
  { "nick", KIND_TEXT, G_STRUCT_OFFSET (CwLlTxt, nick), FALSE },
  { "1st", KIND_TEXT, G_STRUCT_OFFSET (CwLlTxt, first), TRUE },
  { "last", KIND_TEXT, G_STRUCT_OFFSET (CwLlTxt, last), TRUE },
  { "email", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, email), TRUE },
  { "jid", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, jid), TRUE },
  { "node", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, node), FALSE },
  { "hash", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, hash), FALSE },
  { "ver", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, ver), FALSE },
  { "ext", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, ext), FALSE },
  { "phsh", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, phsh), FALSE },
  { "vc", KIND_ID, G_STRUCT_OFFSET (CwLlTxt, vc), FALSE },
};

static const gchar *const status_names[] = { "avail", "away", "dnd" };

static inline gchar **
field_string (CwLlTxt *txt, const Field *f)
{
  return G_STRUCT_MEMBER_P (txt, f->offset);
}

static inline const gchar *
field_string_const (const CwLlTxt *txt, const Field *f)
{
  return G_STRUCT_MEMBER (const gchar *, txt, f->offset);
}

const gchar *
cw_ll_status_to_string (CwLlStatus status)
{
  g_return_val_if_fail ((guint)status < G_N_ELEMENTS (status_names), "avail");
  return status_names[status];
}

static CwLlStatus
status_from_bytes (const gchar *str, gsize len)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (strlen (status_names[i]) == len && g_ascii_strncasecmp (str, status_names[i], len) == 0)
      return i;
  return CW_LL_STATUS_AVAIL;
}

CwLlStatus
cw_ll_status_from_string (const gchar *str)
{
  return str != NULL ? status_from_bytes (str, strlen (str)) : CW_LL_STATUS_AVAIL;
}

CwLlTxt *
cw_ll_txt_new (void)
{
  return g_new0 (CwLlTxt, 1);
}

CwLlTxt *
cw_ll_txt_copy (const CwLlTxt *txt)
{
  CwLlTxt *copy;

  g_return_val_if_fail (txt != NULL, NULL);
  copy = g_memdup2 (txt, sizeof *txt);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].kind == KIND_TEXT || fields[i].kind == KIND_ID)
      *field_string (copy, &fields[i]) = g_strdup (field_string_const (txt, &fields[i]));
  return copy;
}

void
cw_ll_txt_free (CwLlTxt *txt)
{
  if (txt == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].kind == KIND_TEXT || fields[i].kind == KIND_ID)
      g_free (*field_string (txt, &fields[i]));
  g_free (txt);
}

gboolean
cw_ll_txt_equal (const CwLlTxt *a, const CwLlTxt *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->txtvers != b->txtvers || a->port_p2pj != b->port_p2pj || a->status != b->status)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if ((fields[i].kind == KIND_TEXT || fields[i].kind == KIND_ID)
        && g_strcmp0 (field_string_const (a, &fields[i]), field_string_const (b, &fields[i])) != 0)
      return FALSE;
  return TRUE;
}

/* Characters XML 1.0 cannot carry, plus DEL and C1 controls, which a
 * terminal would interpret. */
static gboolean
is_unwanted_char (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff;
}

/* Repairs human text; see cw_ll_txt_decode(). */
static gchar *
clean_text (const gchar *data, gsize len)
{
  GString *out = g_string_sized_new (len);
  const gchar *p = data, *end = data + len;

  while (p < end)
    {
      /* NUL, truncated and invalid sequences all come back negative. */
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0)
        {
          g_string_append (out, REPLACEMENT_CHAR);
          p++;
          continue;
        }
      if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (out, ' ');
      else if (is_unwanted_char (c))
        g_string_append (out, REPLACEMENT_CHAR);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

/* TRUE when @data is valid UTF-8 with no NUL or unwanted character. */
static gboolean
is_clean (const gchar *data, gsize len)
{
  const gchar *p = data, *end = data + len;

  if (!g_utf8_validate_len (data, len, NULL))
    return FALSE;
  for (; p < end; p = g_utf8_next_char (p))
    if (is_unwanted_char (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Plain decimal, no sign, no spaces; FALSE past @max. */
static gboolean
parse_decimal (const gchar *data, gsize len, guint max, guint *out)
{
  guint64 v = 0;

  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (data[i]))
        return FALSE;
      v = v * 10 + (data[i] - '0');
      if (v > max)
        return FALSE;
    }
  *out = (guint)v;
  return TRUE;
}

/* RFC 6763 §6.4: printable US-ASCII, '=' excluded, at least one byte. */
static gboolean
is_valid_key (const gchar *key, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar)key[i] < 0x20 || (guchar)key[i] > 0x7e || key[i] == '=')
      return FALSE;
  return TRUE;
}

static gint
find_field (const gchar *key, gsize len)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (strlen (fields[i].key) == len && g_ascii_strncasecmp (key, fields[i].key, len) == 0)
      return i;
  return -1;
}

/* @value is NULL for a boolean attribute (no '='). */
static void
set_field (CwLlTxt *txt, const Field *f, const gchar *value, gsize len)
{
  guint n = 0;

  if (value == NULL || len == 0)
    return;
  switch (f->kind)
    {
      case KIND_TXTVERS:
        if (parse_decimal (value, len, G_MAXUINT16, &n))
          txt->txtvers = n;
        break;
      case KIND_PORT:
        if (parse_decimal (value, len, G_MAXUINT16, &n))
          txt->port_p2pj = n;
        break;
      case KIND_STATUS:
        txt->status = status_from_bytes (value, len);
        break;
      case KIND_TEXT:
        *field_string (txt, f) = clean_text (value, len);
        break;
      case KIND_ID:
        if (is_clean (value, len))
          *field_string (txt, f) = g_strndup (value, len);
        else
          g_debug ("TXT '%s' value is not clean UTF-8: ignored", f->key);
        break;
      default:
        g_assert_not_reached ();
    }
}

static void
decode_string (CwLlTxt *txt, GBytes *bytes, guint32 *seen)
{
  gsize len = 0;
  const gchar *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  const gchar *eq;
  gsize key_len;
  gint i;

  /* An empty string is how DNS says "no attributes"; longer than 255
   * cannot come off the wire, so it is not ours to interpret. */
  if (len == 0 || len > CW_LL_TXT_MAX_STRING)
    return;
  eq = memchr (data, '=', len);
  key_len = eq != NULL ? (gsize)(eq - data) : len;
  if (!is_valid_key (data, key_len))
    return;
  i = find_field (data, key_len);
  if (i < 0 || (*seen & (1u << i)) != 0)
    return;
  *seen |= 1u << i;
  if (eq != NULL)
    set_field (txt, &fields[i], eq + 1, len - key_len - 1);
}

CwLlTxt *
cw_ll_txt_decode (GPtrArray *strings, GError **error)
{
  CwLlTxt *txt;
  guint32 seen = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (fields) <= 32);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  txt = cw_ll_txt_new ();
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    decode_string (txt, g_ptr_array_index (strings, i), &seen);
  return txt;
}

static void
add_string (GPtrArray *out, const gchar *key, const gchar *value, gsize value_len)
{
  gsize key_len = strlen (key);
  guint8 *buf = g_malloc (key_len + 1 + value_len);

  memcpy (buf, key, key_len);
  buf[key_len] = '=';
  memcpy (buf + key_len + 1, value, value_len);
  g_ptr_array_add (out, g_bytes_new_take (buf, key_len + 1 + value_len));
}

/* Longest prefix of valid UTF-8 @str within @max bytes, ending on a
 * character boundary. */
static gsize
utf8_prefix_len (const gchar *str, gsize len, gsize max)
{
  gsize cut;

  if (len <= max)
    return len;
  cut = max;
  while (cut > 0 && ((guchar)str[cut] & 0xc0) == 0x80)
    cut--;
  return cut;
}

static void
encode_string_field (GPtrArray *out, const Field *f, const gchar *value)
{
  gsize room = CW_LL_TXT_MAX_STRING - strlen (f->key) - 1;
  gsize len;

  if (value == NULL || *value == '\0')
    return;
  len = strlen (value);
  if (f->kind == KIND_TEXT)
    {
      g_autofree gchar *clean = clean_text (value, len);

      len = utf8_prefix_len (clean, strlen (clean), room);
      if (len > 0)
        add_string (out, f->key, clean, len);
      return;
    }
  if (!is_clean (value, len))
    g_debug ("not publishing TXT '%s': not clean UTF-8", f->key);
  else if (len > room)
    g_debug ("not publishing TXT '%s': %" G_GSIZE_FORMAT " bytes do not fit", f->key, len);
  else
    add_string (out, f->key, value, len);
}

GPtrArray *
cw_ll_txt_encode (const CwLlTxt *txt, gboolean publish_personal)
{
  GPtrArray *out;

  g_return_val_if_fail (txt != NULL, NULL);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      g_autofree gchar *num = NULL;

      if (f->personal && !publish_personal)
        continue;
      switch (f->kind)
        {
          case KIND_TXTVERS:
            /* We write version 1 whatever a decoded record said. */
            add_string (out, f->key, "1", 1);
            break;
          case KIND_PORT:
            if (txt->port_p2pj == 0)
              break;
            num = g_strdup_printf ("%u", (guint)txt->port_p2pj);
            add_string (out, f->key, num, strlen (num));
            break;
          case KIND_STATUS:
            add_string (out, f->key, cw_ll_status_to_string (txt->status),
                        strlen (cw_ll_status_to_string (txt->status)));
            break;
          case KIND_TEXT:
          case KIND_ID:
            encode_string_field (out, f, field_string_const (txt, f));
            break;
          default:
            g_assert_not_reached ();
        }
    }
  return out;
}
