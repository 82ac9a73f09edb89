# SPDX-License-Identifier: GPL-3.0-or-later
CW_UNIT_IM = tests/unit/im/test-message-queue tests/unit/im/test-history
check_PROGRAMS += $(CW_UNIT_IM)
TESTS += $(CW_UNIT_IM)
tests_unit_im_test_message_queue_LDADD = $(CW_IM_LIBS)
tests_unit_im_test_history_LDADD = $(CW_IM_LIBS)
tests_unit_im_test_message_queue_SOURCES = tests/unit/im/test-message-queue.c tests/common/test-tmpdir.h
tests_unit_im_test_message_queue_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
tests_unit_im_test_history_SOURCES = tests/unit/im/test-history.c tests/common/test-tmpdir.h
tests_unit_im_test_history_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/common
