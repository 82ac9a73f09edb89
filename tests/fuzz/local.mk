# SPDX-License-Identifier: GPL-3.0-or-later
# One libFuzzer target per parser. `make check` replays the committed corpus
# through the same entry point with the normal compiler (replay-*).
CW_FUZZ_TARGETS = reader jid

check_PROGRAMS += tests/fuzz/replay-reader tests/fuzz/replay-jid
TESTS += tests/fuzz/replay-reader tests/fuzz/replay-jid
tests_fuzz_replay_reader_SOURCES = tests/fuzz/fuzz-reader.c tests/fuzz/replay-main.c
tests_fuzz_replay_reader_CPPFLAGS = $(AM_CPPFLAGS) -DCW_FUZZ_CORPUS=\"reader\"
tests_fuzz_replay_reader_LDADD = $(CW_XML_LIBS)
tests_fuzz_replay_jid_SOURCES = tests/fuzz/fuzz-jid.c tests/fuzz/replay-main.c
tests_fuzz_replay_jid_CPPFLAGS = $(AM_CPPFLAGS) -DCW_FUZZ_CORPUS=\"jid\"
tests_fuzz_replay_jid_LDADD = $(CW_COMMON_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-reader tests/fuzz/fuzz-jid
tests_fuzz_fuzz_reader_SOURCES = tests/fuzz/fuzz-reader.c
tests_fuzz_fuzz_reader_LDADD = $(CW_XML_LIBS)
tests_fuzz_fuzz_reader_LDFLAGS = $(CW_FUZZ_LDFLAGS) $(CW_SAN_LDFLAGS)
tests_fuzz_fuzz_jid_SOURCES = tests/fuzz/fuzz-jid.c
tests_fuzz_fuzz_jid_LDADD = $(CW_COMMON_LIBS)
tests_fuzz_fuzz_jid_LDFLAGS = $(CW_FUZZ_LDFLAGS) $(CW_SAN_LDFLAGS)
endif

EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzzers.sh

# The TXT record codec (src/ll/txt-record.c).
include tests/fuzz/txt.mk

# The SASL server (src/server/sasl.c, scram.c).
include tests/fuzz/sasl.mk
