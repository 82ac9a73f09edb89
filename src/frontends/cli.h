/* SPDX-License-Identifier: GPL-3.0-or-later */
/* chinwag's subcommands for scripts: roster, send, status, watch, history, info. */
#pragma once

#include "dbus/chinwag-generated.h"

G_BEGIN_DECLS

/* Exit statuses, documented in chinwag(1). */
typedef enum
{
  CW_EXIT_OK = 0,
  CW_EXIT_FAILED = 1,       /* the daemon failed, or a waited-for message failed */
  CW_EXIT_USAGE = 2,        /* bad command line, or input the daemon refused as invalid */
  CW_EXIT_UNKNOWN_PEER = 3, /* no such peer nearby or in the history */
  CW_EXIT_NO_DAEMON = 4,    /* no bus, or chinwagd could not be reached or started */
  CW_EXIT_TIMEOUT = 5,      /* send --wait: not delivered in time (it stays queued) */
} CwExit;

/* Whether @name is a subcommand. */
gboolean cw_cli_is_command (const gchar *name);

/* Prints the subcommand summary for --help. (transfer full) */
gchar *cw_cli_describe_commands (void);

/**
 * cw_cli_run:
 * @argv: the subcommand's name and its arguments
 *
 * Runs one subcommand against chinwagd; messages for the user go to
 * stderr, results to stdout.
 *
 * Returns: a CwExit.
 */
gint cw_cli_run (CwChinwag1 *proxy, gint argc, gchar **argv);

/* The exit status and stderr line for a failed D-Bus call. */
gint cw_cli_report_error (const GError *error);

G_END_DECLS
