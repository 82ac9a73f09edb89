/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGatewayConfig: chinwag.conf(5) read, checked key by key, refused with FILE:LINE: reason. */
#include "config.h"

#include "daemon/gateway-config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "common/jid.h"
#include "daemon/certificate.h"

G_DEFINE_QUARK (cw-gateway-config-error-quark, cw_gateway_config_error)

/* ---- the keys ------------------------------------------------------------- */

typedef struct _KeyDef KeyDef;

/* Parses @value into its field of @config; on failure sets @error to the
 * reason alone (the caller adds FILE:LINE and the key). */
typedef gboolean (*ParseFunc) (const KeyDef *def, const gchar *value, CwGatewayConfig *config,
                               const gchar *dir, GError **error);

struct _KeyDef
{
  const gchar *group;
  const gchar *key;
  ParseFunc parse;
  gsize offset;       /* of the field in CwGatewayConfig */
  const gchar *value; /* the default, parsed as a value in the file would be;
                       * NULL: required */
  guint64 min, max;   /* range of numbers, sizes and durations */
};

static gboolean parse_domain (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                              GError **);
static gboolean parse_path (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                            GError **);
static gboolean parse_listen (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                              GError **);
static gboolean parse_bool (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                            GError **);
static gboolean parse_throttle (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                                GError **);
static gboolean parse_size (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                            GError **);
static gboolean parse_duration (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                                GError **);
static gboolean parse_count (const KeyDef *, const gchar *, CwGatewayConfig *, const gchar *,
                             GError **);

#define FIELD(f) G_STRUCT_OFFSET (CwGatewayConfig, f)
#define KIB G_GUINT64_CONSTANT (1024)
#define MIB (KIB * KIB)

/* Keep in step with man/chinwag.conf.5 and data/chinwag.conf. */
static const KeyDef keys[] = {
  { "gateway", "domain", parse_domain, FIELD (domain), NULL, 0, 0 },
  { "gateway", "storage", parse_path, FIELD (storage), CW_LOCALSTATEDIR "/lib/chinwag/gateway.db",
    0, 0 },
  { "c2s", "listen", parse_listen, FIELD (listen), "*:5222", 0, 0 },
  { "c2s", "direct_tls", parse_listen, FIELD (direct_tls), "*:5223", 0, 0 },
  { "c2s", "require_tls", parse_bool, FIELD (require_tls), "true", 0, 0 },
  { "c2s", "certificate", parse_path, FIELD (certificate_file), NULL, 0, 0 },
  { "c2s", "key", parse_path, FIELD (key_file), NULL, 0, 0 },
  { "c2s", "plain", parse_bool, FIELD (plain), "true", 0, 0 },
  { "registration", "enabled", parse_bool, FIELD (registration), "false", 0, 0 },
  { "registration", "throttle_per_address", parse_throttle, FIELD (registration_throttle),
    "1/10 min", 1, 30 * 24 * 3600 },
  { "limits", "max_stanza_size", parse_size, FIELD (max_stanza_size), "256 KiB", 1 * KIB,
    64 * MIB },
  { "limits", "max_stanza_size_preauth", parse_size, FIELD (max_stanza_size_preauth), "10 KiB",
    1 * KIB, 64 * MIB },
  { "limits", "rate", parse_size, FIELD (rate), "10 KiB", 0, 1024 * MIB },
  { "limits", "burst", parse_size, FIELD (burst), "20 KiB", 0, 1024 * MIB },
  { "limits", "auth_failures", parse_count, FIELD (auth_failures), "5", 1, 1000 },
  { "limits", "auth_failure_delay", parse_duration, FIELD (auth_failure_delay), "2 s", 0, 60 },
  { "limits", "connections_per_address", parse_count, FIELD (connections_per_address), "10", 0,
    1000000 },
  { "limits", "negotiation_timeout", parse_duration, FIELD (negotiation_timeout), "30 s", 1,
    3600 },
  { "limits", "offline_cap", parse_count, FIELD (offline_cap), "500", 0, 1000000 },
  { "limits", "ping_interval", parse_duration, FIELD (ping_interval), "5 min", 0, 24 * 3600 },
  { "limits", "ping_timeout", parse_duration, FIELD (ping_timeout), "1 min", 1, 3600 },
  { "limits", "resume_timeout", parse_duration, FIELD (resume_timeout), "5 min", 0, 24 * 3600 },
};

static const gchar *const groups[] = { "gateway", "c2s", "registration", "limits", NULL };

/* ---- value parsers --------------------------------------------------------- */

static gboolean
parse_domain (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
              GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CwJid) jid = NULL;

  if (strchr (value, '@') != NULL || strchr (value, '/') != NULL)
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("“%s” is not a domain: a domain has no “@” or “/”"), value);
      return FALSE;
    }
  jid = cw_jid_new (NULL, value, NULL, &local_error);
  if (jid == NULL)
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("“%s” is not a valid domain: %s"), value, local_error->message);
      return FALSE;
    }
  *(gchar **) field = g_strdup (cw_jid_get_domain (jid));
  return TRUE;
}

static gboolean
parse_path (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
            GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  if (*value == '\0')
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("the path is empty"));
      return FALSE;
    }
  *(gchar **) field = g_path_is_absolute (value) ? g_strdup (value)
                                                 : g_build_filename (dir, value, NULL);
  return TRUE;
}

static void
listen_address_free (gpointer data)
{
  CwListenAddress *l = data;

  g_clear_object (&l->address);
  g_free (l);
}

/* "[v6]:port", "v4:port", "*:port" or ":port" (every address). */
static CwListenAddress *
parse_one_listen (const gchar *item, GError **error)
{
  const gchar *colon = strrchr (item, ':');
  g_autofree gchar *host = NULL;
  g_autoptr (GInetAddress) address = NULL;
  guint64 port;
  CwListenAddress *l;

  if (colon == NULL
      || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto bad;
  host = g_strndup (item, (gsize) (colon - item));
  if (host[0] == '[' && host[strlen (host) - 1] == ']' && strlen (host) > 2)
    {
      host[strlen (host) - 1] = '\0';
      address = g_inet_address_new_from_string (host + 1);
      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        goto bad;
    }
  else if (*host != '\0' && strcmp (host, "*") != 0)
    {
      address = g_inet_address_new_from_string (host);
      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
        goto bad;
    }
  l = g_new0 (CwListenAddress, 1);
  l->address = g_steal_pointer (&address);
  l->port = (guint16) port;
  return l;

bad:
  g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
               _("“%s” is not a listen address: expected ADDRESS:PORT with an IPv4 address, "
                 "an IPv6 address in brackets or * for every address, and a port from 0 "
                 "to 65535, such as [::1]:5222, 192.0.2.1:5222 or *:5222"), item);
  return NULL;
}

/* A list separated by commas, semicolons or spaces; empty is allowed. */
static gboolean
parse_listen (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
              GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  g_auto (GStrv) items = g_strsplit_set (value, ",; \t", -1);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (listen_address_free);

  for (guint i = 0; items[i] != NULL; i++)
    {
      CwListenAddress *l;

      if (*items[i] == '\0')
        continue;
      l = parse_one_listen (items[i], error);
      if (l == NULL)
        return FALSE;
      g_ptr_array_add (list, l);
    }
  *(GPtrArray **) field = g_steal_pointer (&list);
  return TRUE;
}

static gboolean
parse_bool (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
            GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  static const gchar *const yes[] = { "true", "yes", "on", "1" };
  static const gchar *const no[] = { "false", "no", "off", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (g_ascii_strcasecmp (value, yes[i]) == 0 || g_ascii_strcasecmp (value, no[i]) == 0)
      {
        *(gboolean *) field = g_ascii_strcasecmp (value, yes[i]) == 0;
        return TRUE;
      }
  g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
               _("expected true or false, not “%s”"), value);
  return FALSE;
}

typedef struct
{
  const gchar *suffix;
  guint64 factor;
} Unit;

static const Unit size_units[] = {
  { "", 1 }, { "B", 1 }, { "KiB", KIB }, { "MiB", MIB }, { "GiB", MIB * KIB },
};

static const Unit duration_units[] = {
  { "", 1 }, { "s", 1 }, { "min", 60 }, { "h", 3600 },
};

/* "NUMBER[ ]UNIT" within [min, max] once multiplied; FALSE without error
 * when the form is wrong, so that each caller says what it expected. */
static gboolean
parse_number (const gchar *value, const Unit *units, gsize n_units, guint64 *out)
{
  const gchar *end = value;
  g_autofree gchar *digits = NULL;
  guint64 n;

  while (g_ascii_isdigit (*end))
    end++;
  if (end == value)
    return FALSE;
  digits = g_strndup (value, (gsize) (end - value));
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64 / (MIB * KIB), &n, NULL))
    return FALSE;
  while (*end == ' ')
    end++;
  for (gsize i = 0; i < n_units; i++)
    if (strcmp (end, units[i].suffix) == 0)
      {
        *out = n * units[i].factor;
        return TRUE;
      }
  return FALSE;
}

static gboolean
check_range (const KeyDef *def, const gchar *value, guint64 n, GError **error)
{
  /* Numbers as strings: xgettext cannot see through G_GUINT64_FORMAT. */
  g_autofree gchar *min = NULL;
  g_autofree gchar *max = NULL;

  if (n >= def->min && n <= def->max)
    return TRUE;
  min = g_strdup_printf ("%" G_GUINT64_FORMAT, def->min);
  max = g_strdup_printf ("%" G_GUINT64_FORMAT, def->max);
  g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
               _("“%s” is out of range: from %s to %s (in bytes or seconds)"), value, min, max);
  return FALSE;
}

static gboolean
parse_size (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
            GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  guint64 n;

  if (!parse_number (value, size_units, G_N_ELEMENTS (size_units), &n))
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("expected a size such as 262144, 256 KiB or 1 MiB, not “%s”"), value);
      return FALSE;
    }
  if (!check_range (def, value, n, error))
    return FALSE;
  *(gsize *) field = (gsize) n;
  return TRUE;
}

static gboolean
parse_seconds (const KeyDef *def, const gchar *value, guint *out, GError **error)
{
  guint64 n;

  if (!parse_number (value, duration_units, G_N_ELEMENTS (duration_units), &n))
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("expected a duration such as 30, 30 s, 5 min or 1 h, not “%s”"), value);
      return FALSE;
    }
  if (!check_range (def, value, n, error))
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

static gboolean
parse_duration (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
                GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  return parse_seconds (def, value, field, error);
}

static gboolean
parse_count (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
             GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, def->offset);
  guint64 n;

  if (!parse_number (value, size_units, 1, &n))
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("expected a whole number, not “%s”"), value);
      return FALSE;
    }
  if (!check_range (def, value, n, error))
    return FALSE;
  *(guint *) field = (guint) n;
  return TRUE;
}

/* "COUNT/DURATION": registration_throttle per registration_throttle_time. */
static gboolean
parse_throttle (const KeyDef *def, const gchar *value, CwGatewayConfig *config, const gchar *dir,
                GError **error)
{
  const gchar *slash = strchr (value, '/');
  g_autofree gchar *count = slash != NULL ? g_strstrip (g_strndup (value, (gsize) (slash - value)))
                                          : NULL;
  const gchar *time = slash != NULL ? slash + 1 : NULL;
  const KeyDef count_def = { .offset = FIELD (registration_throttle), .min = 1, .max = 1000000 };
  guint64 n;

  while (time != NULL && *time == ' ')
    time++;
  if (count == NULL || !parse_number (count, size_units, 1, &n)
      || !parse_number (time, duration_units, G_N_ELEMENTS (duration_units), &n))
    {
      g_set_error (error, CW_GATEWAY_CONFIG_ERROR, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE,
                   _("expected COUNT/DURATION such as 1/600 or 1/10 min, not “%s”"), value);
      return FALSE;
    }
  return parse_count (&count_def, count, config, dir, error)
         && parse_seconds (def, time, &config->registration_throttle_time, error);
}

/* ---- the file -------------------------------------------------------------- */

typedef struct
{
  const gchar *path;
  gchar *dir;         /* owned: where relative paths start */
  GKeyFile *file;     /* owned */
  GHashTable *lines;  /* owned: "group" and "group\nkey" -> line number (GUINT_TO_POINTER) */
  const gchar *group; /* while scanning: the current section, in lines' keys */
} Loader;

static void G_GNUC_PRINTF (5, 6)
fail (const Loader *ld, guint line, CwGatewayConfigError code, GError **error,
      const gchar *format, ...)
{
  g_autofree gchar *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, CW_GATEWAY_CONFIG_ERROR, (gint) code, "%s:%u: %s", ld->path, line, reason);
  else
    g_set_error (error, CW_GATEWAY_CONFIG_ERROR, (gint) code, "%s: %s", ld->path, reason);
}

/* The line of @key in @group (its last one, which GKeyFile keeps), or of
 * the section header when @key is NULL; 0 when absent. */
static guint
line_of (const Loader *ld, const gchar *group, const gchar *key)
{
  g_autofree gchar *k = key != NULL ? g_strdup_printf ("%s\n%s", group, key) : g_strdup (group);

  return GPOINTER_TO_UINT (g_hash_table_lookup (ld->lines, k));
}

/* One line of the file: remembers where sections and keys are, and names
 * the line GKeyFile would refuse without saying where. */
static gboolean
scan_line (Loader *ld, gchar *text, guint n, GError **error)
{
  gchar *p = g_strstrip (text);
  gchar *end;

  if (*p == '\0' || *p == '#')
    return TRUE;
  if (*p == '[')
    {
      end = strchr (p, ']');
      if (end == NULL || end[1] != '\0' || end == p + 1)
        {
          fail (ld, n, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error,
                _("a section header is a name in brackets, such as [c2s], not “%s”"), p);
          return FALSE;
        }
      *end = '\0';
      ld->group = p + 1; /* lives as long as the scan's copy of the text */
      if (!g_hash_table_contains (ld->lines, ld->group))
        g_hash_table_insert (ld->lines, g_strdup (ld->group), GUINT_TO_POINTER (n));
      return TRUE;
    }
  end = strchr (p, '=');
  if (end == NULL || end == p)
    {
      fail (ld, n, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error,
            _("expected KEY = VALUE, a [section] or a # comment, not “%s”"), p);
      return FALSE;
    }
  if (ld->group == NULL)
    {
      fail (ld, n, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error,
            _("“%s” comes before the first [section]"), p);
      return FALSE;
    }
  *end = '\0';
  /* GKeyFile hides "key[locale]" from its list of keys, so no other check sees it. */
  if (strchr (g_strchomp (p), '[') != NULL)
    {
      fail (ld, n, CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, error,
            _("unknown key “%s”: values here are not translated"), p);
      return FALSE;
    }
  g_hash_table_insert (ld->lines, g_strdup_printf ("%s\n%s", ld->group, p),
                       GUINT_TO_POINTER (n));
  return TRUE;
}

static gboolean
scan (Loader *ld, const gchar *contents, GError **error)
{
  g_auto (GStrv) text = g_strsplit (contents, "\n", -1);

  for (guint i = 0; text[i] != NULL; i++)
    {
      if (!g_utf8_validate (text[i], -1, NULL))
        {
          fail (ld, i + 1, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error, _("the line is not UTF-8 text"));
          return FALSE;
        }
      if (!scan_line (ld, text[i], i + 1, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_and_parse (Loader *ld, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (ld->path, &contents, &length, &local_error))
    {
      fail (ld, 0, CW_GATEWAY_CONFIG_ERROR_UNREADABLE, error, "%s", local_error->message);
      return FALSE;
    }
  if (memchr (contents, '\0', length) != NULL)
    {
      fail (ld, 0, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error, _("the file is not text"));
      return FALSE;
    }
  if (!scan (ld, contents, error))
    return FALSE;
  /* The scan found what GKeyFile would refuse; this is a last guard. */
  if (!g_key_file_load_from_data (ld->file, contents, length, G_KEY_FILE_NONE, &local_error))
    {
      fail (ld, 0, CW_GATEWAY_CONFIG_ERROR_SYNTAX, error, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- unknown sections and keys ------------------------------------------------ */

static guint
edit_distance (const gchar *a, const gchar *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diagonal = row[0];

      row[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1),
                        diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
          diagonal = up;
        }
    }
  return row[lb];
}

static const KeyDef *
find_key (const gchar *group, const gchar *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if ((group == NULL || strcmp (keys[i].group, group) == 0) && strcmp (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

static void
unknown_key (const Loader *ld, const gchar *group, const gchar *key, GError **error)
{
  const KeyDef *elsewhere = find_key (NULL, key);
  g_autoptr (GString) valid = g_string_new (NULL);
  const gchar *closest = NULL;
  guint best = 3; /* only a near miss is worth suggesting */
  guint line = line_of (ld, group, key);

  if (elsewhere != NULL)
    {
      fail (ld, line, CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, error,
            _("“%s” belongs in [%s], not in [%s]"), key, elsewhere->group, group);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0)
      {
        guint d = edit_distance (key, keys[i].key);

        g_string_append_printf (valid, "%s%s", valid->len > 0 ? ", " : "", keys[i].key);
        if (d < best)
          best = d, closest = keys[i].key;
      }
  if (closest != NULL)
    fail (ld, line, CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, error,
          _("unknown key “%s” in [%s]: did you mean “%s”? The keys of [%s] are: %s"), key, group,
          closest, group, valid->str);
  else
    fail (ld, line, CW_GATEWAY_CONFIG_ERROR_UNKNOWN_KEY, error,
          _("unknown key “%s” in [%s]; the keys of [%s] are: %s"), key, group, group, valid->str);
}

static gboolean
check_names (const Loader *ld, GError **error)
{
  g_auto (GStrv) names = g_key_file_get_groups (ld->file, NULL);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_auto (GStrv) names_in = NULL;

      if (!g_strv_contains (groups, names[i]))
        {
          fail (ld, line_of (ld, names[i], NULL), CW_GATEWAY_CONFIG_ERROR_UNKNOWN_GROUP, error,
                _("unknown section [%s]; the sections are [gateway], [c2s], [registration] "
                  "and [limits]"), names[i]);
          return FALSE;
        }
      names_in = g_key_file_get_keys (ld->file, names[i], NULL, NULL);
      for (guint j = 0; names_in[j] != NULL; j++)
        if (find_key (names[i], names_in[j]) == NULL)
          {
            unknown_key (ld, names[i], names_in[j], error);
            return FALSE;
          }
    }
  return TRUE;
}

/* ---- values --------------------------------------------------------------- */

static gboolean
load_value (const Loader *ld, const KeyDef *def, CwGatewayConfig *config, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *value = NULL;
  guint line = line_of (ld, def->group, def->key);

  if (!g_key_file_has_key (ld->file, def->group, def->key, NULL))
    {
      if (def->value != NULL)
        return def->parse (def, def->value, config, ld->dir, error);
      fail (ld, line_of (ld, def->group, NULL), CW_GATEWAY_CONFIG_ERROR_MISSING_KEY, error,
            _("[%s] needs “%s”, which has no default"), def->group, def->key);
      return FALSE;
    }
  /* On a bad escape GKeyFile returns a value and sets the error too. */
  value = g_key_file_get_string (ld->file, def->group, def->key, &local_error);
  if (local_error != NULL || !def->parse (def, g_strstrip (value), config, ld->dir, &local_error))
    {
      fail (ld, line, CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, error, "%s: %s", def->key,
            local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_limits (const Loader *ld, const CwGatewayConfig *config, GError **error)
{
  g_autofree gchar *preauth = g_strdup_printf ("%" G_GSIZE_FORMAT, config->max_stanza_size_preauth);
  g_autofree gchar *max = g_strdup_printf ("%" G_GSIZE_FORMAT, config->max_stanza_size);
  guint line = line_of (ld, "limits", "max_stanza_size_preauth");

  if (config->max_stanza_size_preauth <= config->max_stanza_size)
    return TRUE;
  fail (ld, line != 0 ? line : line_of (ld, "limits", "max_stanza_size"),
        CW_GATEWAY_CONFIG_ERROR_INVALID_VALUE, error,
        _("max_stanza_size_preauth (%s bytes) is larger than max_stanza_size (%s bytes)"),
        preauth, max);
  return FALSE;
}

static gboolean
load_certificate (const Loader *ld, CwGatewayConfig *config, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean key_at_fault;

  config->certificate = cw_certificate_load (config->certificate_file, config->key_file, NULL,
                                             &local_error);
  if (config->certificate != NULL)
    return TRUE;
  key_at_fault = g_error_matches (local_error, CW_CERTIFICATE_ERROR,
                                  CW_CERTIFICATE_ERROR_KEY_UNREADABLE)
                 || g_error_matches (local_error, CW_CERTIFICATE_ERROR,
                                     CW_CERTIFICATE_ERROR_KEY_INVALID)
                 || g_error_matches (local_error, CW_CERTIFICATE_ERROR,
                                     CW_CERTIFICATE_ERROR_KEY_MISMATCH);
  fail (ld, line_of (ld, "c2s", key_at_fault ? "key" : "certificate"),
        CW_GATEWAY_CONFIG_ERROR_CERTIFICATE, error, "%s", local_error->message);
  return FALSE;
}

/* ---- public ---------------------------------------------------------------- */

CwGatewayConfig *
cw_gateway_config_load (const gchar *path, GError **error)
{
  g_autoptr (CwGatewayConfig) config = g_new0 (CwGatewayConfig, 1);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *dir = g_path_get_dirname (path);
  Loader ld = { path, dir, file, lines, NULL };

  g_return_val_if_fail (path != NULL, NULL);
  config->path = g_strdup (path);
  if (!read_and_parse (&ld, error) || !check_names (&ld, error))
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!load_value (&ld, &keys[i], config, error))
      return NULL;
  if (!check_limits (&ld, config, error) || !load_certificate (&ld, config, error))
    return NULL;
  return g_steal_pointer (&config);
}

void
cw_gateway_config_free (CwGatewayConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->domain);
  g_free (config->storage);
  g_clear_pointer (&config->listen, g_ptr_array_unref);
  g_clear_pointer (&config->direct_tls, g_ptr_array_unref);
  g_free (config->certificate_file);
  g_free (config->key_file);
  g_clear_object (&config->certificate);
  g_free (config);
}

gchar *
cw_listen_address_to_string (const CwListenAddress *listen)
{
  g_autofree gchar *host = NULL;

  g_return_val_if_fail (listen != NULL, NULL);
  if (listen->address == NULL)
    return g_strdup_printf ("*:%u", listen->port);
  host = g_inet_address_to_string (listen->address);
  if (g_inet_address_get_family (listen->address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, listen->port);
  return g_strdup_printf ("%s:%u", host, listen->port);
}
