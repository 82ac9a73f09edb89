# SPDX-License-Identifier: GPL-3.0-or-later
# im/: outgoing queue and history (storage through store/; roster, presence, chat to come).
noinst_LIBRARIES += src/im/libcw-im.a
src_im_libcw_im_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwag-im\"
src_im_libcw_im_a_SOURCES = \
	src/im/features.c src/im/features.h \
	src/im/history.c src/im/history.h \
	src/im/ll-session.c src/im/ll-session.h \
	src/im/message-queue.c src/im/message-queue.h
CW_IM_LIBS = src/im/libcw-im.a $(CW_LL_LIBS) $(CW_STORE_LIBS)
