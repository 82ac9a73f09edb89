# SPDX-License-Identifier: GPL-3.0-or-later
# xml/: element tree, push parser (expat, reader.c only), writer, stanza helpers.
noinst_LIBRARIES += src/xml/libcw-xml.a
src_xml_libcw_xml_a_CPPFLAGS = $(AM_CPPFLAGS) $(EXPAT_CFLAGS) $(SODIUM_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-xml\"
src_xml_libcw_xml_a_SOURCES = \
	src/xml/element.c src/xml/element.h \
	src/xml/reader.c src/xml/reader.h \
	src/xml/writer.c src/xml/writer.h \
	src/xml/stanza.c src/xml/stanza.h \
	src/xml/caps.c src/xml/caps.h
CW_XML_LIBS = src/xml/libcw-xml.a $(CW_COMMON_LIBS) $(EXPAT_LIBS) $(SODIUM_LIBS)
