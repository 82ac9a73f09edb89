# SPDX-License-Identifier: GPL-3.0-or-later
# libFuzzer target for the SASL server (src/server/sasl.c, scram.c); `make
# check` replays tests/fuzz/corpus/sasl through the same entry point.
check_PROGRAMS += tests/fuzz/replay-sasl
TESTS += tests/fuzz/replay-sasl
tests_fuzz_replay_sasl_SOURCES = tests/fuzz/fuzz-sasl.c tests/fuzz/replay-main.c
tests_fuzz_replay_sasl_CPPFLAGS = $(AM_CPPFLAGS) -DCW_FUZZ_CORPUS=\"sasl\"
tests_fuzz_replay_sasl_LDADD = $(CW_SERVER_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-sasl
tests_fuzz_fuzz_sasl_SOURCES = tests/fuzz/fuzz-sasl.c
tests_fuzz_fuzz_sasl_LDADD = $(CW_SERVER_LIBS)
tests_fuzz_fuzz_sasl_LDFLAGS = $(CW_FUZZ_LDFLAGS) $(CW_SAN_LDFLAGS)
endif
