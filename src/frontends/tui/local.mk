# SPDX-License-Identifier: GPL-3.0-or-later
# frontends/tui/: the full-screen chat window; curses only in screen.c, the rest testable.
noinst_LIBRARIES += src/frontends/tui/libcw-tui.a
src_frontends_tui_libcw_tui_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src $(NCURSES_CFLAGS) \
	-DG_LOG_DOMAIN=\"chinwag\"
src_frontends_tui_libcw_tui_a_SOURCES = \
	src/frontends/tui/model.c src/frontends/tui/model.h \
	src/frontends/tui/input.c src/frontends/tui/input.h \
	src/frontends/tui/command.c src/frontends/tui/command.h \
	src/frontends/tui/screen.c src/frontends/tui/screen.h \
	src/frontends/tui/tui.c src/frontends/tui/tui.h
CW_TUI_LIBS = src/frontends/tui/libcw-tui.a $(CW_DBUS_API_LIBS) $(NCURSES_LIBS)
src/frontends/tui/src_frontends_tui_libcw_tui_a-tui.$(OBJEXT): src/dbus/chinwag-generated.h
