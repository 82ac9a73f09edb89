# SPDX-License-Identifier: GPL-3.0-or-later
# libFuzzer target for the XEP-0174 TXT record codec; `make check` replays
# tests/fuzz/corpus/txt through the same entry point (replay-txt).
check_PROGRAMS += tests/fuzz/replay-txt
TESTS += tests/fuzz/replay-txt
tests_fuzz_replay_txt_SOURCES = tests/fuzz/fuzz-txt.c tests/fuzz/replay-main.c
tests_fuzz_replay_txt_CPPFLAGS = $(AM_CPPFLAGS) -DCW_FUZZ_CORPUS=\"txt\"
tests_fuzz_replay_txt_LDADD = $(CW_LL_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-txt
tests_fuzz_fuzz_txt_SOURCES = tests/fuzz/fuzz-txt.c
tests_fuzz_fuzz_txt_LDADD = $(CW_LL_LIBS)
tests_fuzz_fuzz_txt_LDFLAGS = $(CW_FUZZ_LDFLAGS) $(CW_SAN_LDFLAGS)
endif
