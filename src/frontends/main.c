/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwag: the terminal chat window and the commands for scripts, over chinwagd's D-Bus API. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <unistd.h>

#include "frontends/cli.h"
#include "frontends/client.h"
#include "frontends/tui/tui.h"

static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL },
  { NULL }
};

/* The bus, chinwagd on it, and a proxy for it; NULL after a message. */
static CwChinwag1 *
reach_daemon (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = cw_client_connect_bus (NULL, &error);
  CwChinwag1 *proxy;

  if (bus == NULL || !cw_client_ensure_daemon (bus, 15, &error)
      || (proxy = cw_client_get_proxy (bus, &error)) == NULL)
    {
      g_printerr ("chinwag: %s\n", error->message);
      return NULL;
    }
  return proxy;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CwChinwag1) proxy = NULL;
  g_autofree gchar *commands = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  signal (SIGPIPE, SIG_IGN); /* a closed pipe is a write error, handled where it happens */

  ctx = g_option_context_new (_("[COMMAND [ARGUMENT…]]"));
  g_option_context_set_summary (ctx, _("Chat with the people on your network (XEP-0174)."));
  commands = cw_cli_describe_commands ();
  g_option_context_set_description (ctx, commands);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (ctx, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("chinwag: %s\n", error->message);
      return CW_EXIT_USAGE;
    }
  if (opt_version)
    {
      g_print ("chinwag %s\n", PACKAGE_VERSION);
      return CW_EXIT_OK;
    }
  if (argc > 1 && !cw_cli_is_command (argv[1]))
    {
      g_printerr (_("chinwag: unknown command '%s' (see chinwag --help)\n"), argv[1]);
      return CW_EXIT_USAGE;
    }
  if (argc == 1 && !(isatty (STDIN_FILENO) && isatty (STDOUT_FILENO)))
    {
      g_printerr (_("chinwag: the chat window needs a terminal; give a command "
                    "(see chinwag --help)\n"));
      return CW_EXIT_USAGE;
    }
  proxy = reach_daemon ();
  if (proxy == NULL)
    return CW_EXIT_NO_DAEMON;
  if (argc > 1)
    return cw_cli_run (proxy, argc - 1, argv + 1);
  return cw_tui_run (proxy);
}
