# SPDX-License-Identifier: GPL-3.0-or-later
# frontends/: the chinwag program (terminal chat window and commands), a D-Bus client only.
bin_PROGRAMS += src/chinwag
src_chinwag_SOURCES = \
	src/frontends/main.c \
	src/frontends/client.c src/frontends/client.h \
	src/frontends/cli.c src/frontends/cli.h
src_chinwag_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src $(JSON_CFLAGS) \
	-DCW_SBINDIR=\"$(sbindir)\" -DG_LOG_DOMAIN=\"chinwag\"
src_chinwag_LDADD = $(CW_TUI_LIBS) $(CW_DBUS_API_LIBS) $(JSON_LIBS) $(GLIB_LIBS)
src/frontends/src_chinwag-main.$(OBJEXT) src/frontends/src_chinwag-client.$(OBJEXT) \
src/frontends/src_chinwag-cli.$(OBJEXT): src/dbus/chinwag-generated.h
