# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmarks: built on demand (make bench), never part of make check.
# Makefile.am does not initialise EXTRA_PROGRAMS, so this file owns it.
EXTRA_PROGRAMS = bench/bench-parser
CLEANFILES += bench/bench-parser$(EXEEXT)
bench_bench_parser_SOURCES = bench/bench-parser.c
bench_bench_parser_CPPFLAGS = $(AM_CPPFLAGS) $(EXPAT_CFLAGS) -DG_LOG_DOMAIN=\"chinwag-bench\"
bench_bench_parser_LDADD = $(CW_XML_LIBS)

# Extra arguments, e.g. make bench BENCH_PARSER_FLAGS='--size 5 --rounds 3'
BENCH_PARSER_FLAGS =

bench: bench/bench-parser$(EXEEXT)
	$(builddir)/bench/bench-parser$(EXEEXT) $(BENCH_PARSER_FLAGS)
.PHONY: bench
EXTRA_DIST += bench/bench-ll.py
