# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_XML = \
	tests/unit/xml/test-element \
	tests/unit/xml/test-reader \
	tests/unit/xml/test-hostile \
	tests/unit/xml/test-writer \
	tests/unit/xml/test-stanza \
	tests/unit/xml/test-caps
check_PROGRAMS += $(CW_UNIT_XML)
TESTS += $(CW_UNIT_XML)
tests_unit_xml_test_element_LDADD = $(CW_XML_LIBS)
tests_unit_xml_test_reader_LDADD = $(CW_XML_LIBS)
tests_unit_xml_test_hostile_LDADD = $(CW_XML_LIBS)
tests_unit_xml_test_writer_LDADD = $(CW_XML_LIBS)
tests_unit_xml_test_stanza_LDADD = $(CW_XML_LIBS)
tests_unit_xml_test_caps_LDADD = $(CW_XML_LIBS)
