/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwagd: the chinwag engine — options, start-up and the main loop. */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL },
  { NULL }
};

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ctx = g_option_context_new (NULL);
  g_option_context_set_summary (ctx, _("Serverless link-local XMPP (XEP-0174) peer and gateway."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr (_("chinwagd: %s\nTry 'chinwagd --help'.\n"), error->message);
      return 2;
    }
  if (opt_version)
    {
      g_print ("chinwagd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  g_printerr (_("chinwagd: peer mode is not available yet; try --version.\n"));
  return EXIT_FAILURE;
}
