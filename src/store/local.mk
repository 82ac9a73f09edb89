# SPDX-License-Identifier: GPL-3.0-or-later
# store/: the storage interfaces (peer and gateway), SQLite backend (sqlite3.h in db.c only), migrations.
noinst_LIBRARIES += src/store/libcw-store.a
src_store_libcw_store_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-store\"
src_store_libcw_store_a_SOURCES = \
	src/store/db.c src/store/db.h \
	src/store/gateway-migrations.c src/store/gateway-migrations.h \
	src/store/gateway-records.c src/store/gateway-records.h \
	src/store/gateway-store.c src/store/gateway-store.h \
	src/store/message.c src/store/message.h \
	src/store/migrations.c src/store/migrations.h \
	src/store/store.c src/store/store.h \
	src/store/store-error.h
CW_STORE_LIBS = src/store/libcw-store.a $(CW_COMMON_LIBS) $(SQLITE_LIBS)
