# SPDX-License-Identifier: GPL-3.0-or-later
# dbus/: thin adapters from the engine to gdbus-codegen skeletons (im.chinwag.Chinwag1).
GDBUS_CODEGEN = gdbus-codegen
CW_DBUS_XML = data/im.chinwag.Chinwag1.xml
CW_DBUS_GENERATED = src/dbus/chinwag-generated.c src/dbus/chinwag-generated.h

# The API alone (generated skeletons and proxies, names, errors): front-ends
# link only this.
noinst_LIBRARIES += src/dbus/libcw-dbus-api.a
src_dbus_libcw_dbus_api_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src
src_dbus_libcw_dbus_api_a_SOURCES = src/dbus/dbus-api.c src/dbus/dbus-api.h
nodist_src_dbus_libcw_dbus_api_a_SOURCES = $(CW_DBUS_GENERATED)
CW_DBUS_API_LIBS = src/dbus/libcw-dbus-api.a

noinst_LIBRARIES += src/dbus/libcw-dbus.a
src_dbus_libcw_dbus_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src -DG_LOG_DOMAIN=\"chinwag-dbus\"
src_dbus_libcw_dbus_a_SOURCES = src/dbus/dbus-adapter.c src/dbus/dbus-adapter.h
CW_DBUS_LIBS = src/dbus/libcw-dbus.a $(CW_DBUS_API_LIBS) $(CW_IM_LIBS)

BUILT_SOURCES = $(CW_DBUS_GENERATED)
CLEANFILES += $(CW_DBUS_GENERATED)
EXTRA_DIST += $(CW_DBUS_XML)

# The .c rule writes both files; the .h waits for it rather than running
# gdbus-codegen a second time in a parallel build.
src/dbus/chinwag-generated.c: $(CW_DBUS_XML)
	$(AM_V_GEN)$(MKDIR_P) src/dbus && \
	$(GDBUS_CODEGEN) --interface-prefix im.chinwag. --c-namespace Cw \
		--generate-c-code src/dbus/chinwag-generated $(srcdir)/$(CW_DBUS_XML)
src/dbus/chinwag-generated.h: src/dbus/chinwag-generated.c
	@test -f $@ || { rm -f src/dbus/chinwag-generated.c; $(MAKE) $(AM_MAKEFLAGS) src/dbus/chinwag-generated.c; }

# D-Bus activation: the first call on the session bus starts chinwagd.
dbusservicedir = $(datadir)/dbus-1/services
dbusservice_DATA = data/im.chinwag.Chinwag1.service
EXTRA_DIST += data/im.chinwag.Chinwag1.service.in
CLEANFILES += data/im.chinwag.Chinwag1.service
data/im.chinwag.Chinwag1.service: data/im.chinwag.Chinwag1.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/data/im.chinwag.Chinwag1.service.in >$@.tmp && \
	mv $@.tmp $@

# BUILT_SOURCES covers `make all`/`check`; this covers building one target.
src/dbus/libcw_dbus_a-dbus-adapter.$(OBJEXT): src/dbus/chinwag-generated.h
