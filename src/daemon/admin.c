/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwagctl: the gateway administrator's command — add, remove, re-password, disable and list accounts. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/jid.h"
#include "daemon/gateway-config.h"
#include "daemon/gateway-run.h"
#include "server/sasl.h"
#include "store/gateway-store.h"

/* Exit codes, documented in chinwagctl(8). */
enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_NO_ACCOUNT = 3,
  EXIT_EXISTS = 4,
};

#define PASSWORD_MAX 1024

typedef struct
{
  CwGatewayStore *store; /* owned */
  gchar *domain;         /* owned (nullable): from the config; NULL with --storage */
} Admin;

static void
admin_clear (Admin *admin)
{
  g_clear_object (&admin->store);
  g_clear_pointer (&admin->domain, g_free);
}

static gint
fail (gint code, const gchar *what, const GError *error)
{
  g_printerr ("chinwagctl: %s: %s\n", what, error->message);
  return code;
}

/* USER or USER@DOMAIN (DOMAIN must be ours) → the normalised localpart. */
static gchar *
parse_user (const Admin *admin, const gchar *arg, GError **error)
{
  const gchar *at = strrchr (arg, '@');
  g_autofree gchar *local = at != NULL ? g_strndup (arg, (gsize) (at - arg)) : g_strdup (arg);

  if (at != NULL && admin->domain != NULL)
    {
      g_autofree gchar *domain = cw_jid_normalize (at + 1, NULL);

      if (g_strcmp0 (domain, admin->domain) != 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not an account of this gateway (%s)"), arg, admin->domain);
          return NULL;
        }
    }
  return cw_jid_prep_localpart (local, error);
}

/* One line from @in without its newline; echo off when it is a terminal. */
static gchar *
read_line (FILE *in, const gchar *prompt)
{
  gboolean tty = isatty (fileno (in));
  struct termios saved, quiet;
  gchar *buf = sodium_malloc (PASSWORD_MAX + 2);
  gchar *line = NULL;

  if (buf == NULL)
    return NULL;
  if (tty)
    {
      g_printerr ("%s", prompt);
      tcgetattr (fileno (in), &saved);
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (fileno (in), TCSAFLUSH, &quiet);
    }
  if (fgets (buf, PASSWORD_MAX + 2, in) != NULL)
    {
      buf[strcspn (buf, "\r\n")] = '\0';
      line = g_strdup (buf);
    }
  if (tty)
    {
      tcsetattr (fileno (in), TCSAFLUSH, &saved);
      g_printerr ("\n");
    }
  sodium_free (buf);
  return line;
}

static void
password_free (gchar *password)
{
  if (password != NULL)
    sodium_memzero (password, strlen (password));
  g_free (password);
}

/* The new password: asked twice on a terminal, one line of stdin otherwise. */
static gchar *
read_password (GError **error)
{
  gchar *first = read_line (stdin, _("New password: "));
  gchar *second;

  if (first == NULL || *first == '\0' || strlen (first) > PASSWORD_MAX)
    {
      password_free (first);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("no password given (one line on standard input, at most %d bytes)"),
                   PASSWORD_MAX);
      return NULL;
    }
  if (!isatty (fileno (stdin)))
    return first;
  second = read_line (stdin, _("Repeat the password: "));
  if (g_strcmp0 (first, second) != 0)
    {
      password_free (first);
      password_free (second);
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("the passwords do not match"));
      return NULL;
    }
  password_free (second);
  return first;
}

/* Both SCRAM hashes' keys for a password read from stdin. */
static gboolean
derive_both (CwScramCredentials **sha1, CwScramCredentials **sha256, GError **error)
{
  gchar *password = read_password (error);

  if (password == NULL)
    return FALSE;
  *sha1 = cw_scram_credentials_derive (CW_SASL_HASH_SHA1, password, NULL, 0, error);
  if (*sha1 != NULL)
    *sha256 = cw_scram_credentials_derive (CW_SASL_HASH_SHA256, password, NULL, 0, error);
  password_free (password);
  if (*sha1 == NULL || *sha256 == NULL)
    {
      g_clear_pointer (sha1, cw_scram_credentials_free);
      return FALSE;
    }
  return TRUE;
}

static gint
store_failure (const gchar *user, const GError *error)
{
  if (g_error_matches (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
    {
      g_printerr (_("chinwagctl: no account “%s”\n"), user);
      return EXIT_NO_ACCOUNT;
    }
  if (g_error_matches (error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS))
    {
      g_printerr (_("chinwagctl: the account “%s” exists already\n"), user);
      return EXIT_EXISTS;
    }
  return fail (EXIT_FAILED, user, error);
}

static gint
cmd_set_password (Admin *admin, const gchar *user, gboolean create)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwScramCredentials) sha1 = NULL;
  g_autoptr (CwScramCredentials) sha256 = NULL;
  gboolean ok;

  if (!create && !cw_gateway_store_account_exists (admin->store, user, &error))
    return error != NULL ? fail (EXIT_FAILED, user, error)
                         : (g_printerr (_("chinwagctl: no account “%s”\n"), user), EXIT_NO_ACCOUNT);
  if (create && cw_gateway_store_account_exists (admin->store, user, NULL))
    {
      g_printerr (_("chinwagctl: the account “%s” exists already\n"), user);
      return EXIT_EXISTS;
    }
  if (!derive_both (&sha1, &sha256, &error))
    return fail (EXIT_USAGE, user, error);
  ok = create ? cw_gateway_store_account_create (admin->store, user, sha1, sha256, &error)
              : cw_gateway_store_account_set_credentials (admin->store, user, sha1, sha256, &error);
  return ok ? EXIT_OK : store_failure (user, error);
}

static gint
cmd_list (Admin *admin)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) users = cw_gateway_store_account_list (admin->store, &error);

  if (users == NULL)
    return fail (EXIT_FAILED, cw_gateway_store_get_path (admin->store), error);
  for (guint i = 0; i < users->len; i++)
    {
      const gchar *user = g_ptr_array_index (users, i);
      g_autoptr (CwGatewayAccount) account = cw_gateway_store_account_get (admin->store, user, NULL);

      if (admin->domain != NULL)
        g_print ("%s@%s", user, admin->domain);
      else
        g_print ("%s", user);
      g_print ("%s\n", account != NULL && account->disabled ? _(" (disabled)") : "");
    }
  return EXIT_OK;
}

/* Runs COMMAND [USER] on the opened store. */
static gint
run_command (Admin *admin, gint argc, gchar **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *user = NULL;
  const gchar *command = argv[1];
  gboolean ok;

  if (strcmp (command, "list") == 0 && argc != 2)
    {
      g_printerr (_("chinwagctl: list takes no argument\n"));
      return EXIT_USAGE;
    }
  if (strcmp (command, "list") == 0)
    return cmd_list (admin);
  if (argc != 3)
    {
      g_printerr (_("chinwagctl: %s takes one USER\n"), command);
      return EXIT_USAGE;
    }
  user = parse_user (admin, argv[2], &error);
  if (user == NULL)
    return fail (EXIT_USAGE, argv[2], error);
  if (strcmp (command, "adduser") == 0 || strcmp (command, "passwd") == 0)
    return cmd_set_password (admin, user, strcmp (command, "adduser") == 0);
  if (strcmp (command, "deluser") == 0)
    ok = cw_gateway_store_account_delete (admin->store, user, &error);
  else if (strcmp (command, "disable") == 0 || strcmp (command, "enable") == 0)
    ok = cw_gateway_store_account_set_disabled (admin->store, user,
                                                strcmp (command, "disable") == 0, &error);
  else
    return EXIT_USAGE;
  return ok ? EXIT_OK : store_failure (user, error);
}

static gboolean
admin_open (Admin *admin, const gchar *config_path, const gchar *storage, GError **error)
{
  if (storage == NULL)
    {
      g_autoptr (CwGatewayConfig) config = cw_gateway_config_load (config_path, error);

      if (config == NULL)
        return FALSE;
      admin->domain = g_strdup (config->domain);
      storage = config->storage;
      admin->store = cw_gateway_open_storage (storage, error);
    }
  else
    admin->store = cw_gateway_open_storage (storage, error);
  return admin->store != NULL;
}

static const gchar *const commands[] = { "adduser", "deluser", "passwd", "disable", "enable",
                                         "list", NULL };

int
main (int argc, char **argv)
{
  g_autofree gchar *config_path = g_build_filename (CW_SYSCONFDIR, "chinwag", "chinwag.conf", NULL);
  g_autofree gchar *storage = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  Admin admin = { NULL, NULL };
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("The gateway's configuration"),
      N_("FILE") },
    { "storage", 's', 0, G_OPTION_ARG_FILENAME, &storage,
      N_("Open this database instead of the configuration's"), N_("PATH") },
    { NULL },
  };
  gint rc;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (sodium_init () < 0)
    return EXIT_FAILED;
  context = g_option_context_new (_("adduser|deluser|passwd|disable|enable USER, or list"));
  g_option_context_set_summary (context, _("Manage the accounts of a chinwag gateway. "
                                           "adduser and passwd read the password from "
                                           "standard input (asked twice on a terminal)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (EXIT_USAGE, _("options"), error);
  if (argc < 2 || !g_strv_contains (commands, argv[1]))
    {
      g_printerr (_("chinwagctl: give a command: adduser, deluser, passwd, disable, enable "
                    "or list (see --help)\n"));
      return EXIT_USAGE;
    }
  if (!admin_open (&admin, config_path, storage, &error))
    {
      /* Configuration errors name FILE:LINE themselves. */
      g_printerr ("chinwagctl: %s\n", error->message);
      return EXIT_FAILED;
    }
  rc = run_command (&admin, argc, argv);
  admin_clear (&admin);
  return rc;
}
