# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_FRONTENDS = tests/unit/frontends/test-tui-model
check_PROGRAMS += $(CW_UNIT_FRONTENDS)
TESTS += $(CW_UNIT_FRONTENDS)
tests_unit_frontends_test_tui_model_SOURCES = tests/unit/frontends/test-tui-model.c
tests_unit_frontends_test_tui_model_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src
tests_unit_frontends_test_tui_model_LDADD = $(CW_TUI_LIBS) $(GLIB_LIBS)
