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

# c2s load generator for the gateway benchmark (bench/bench-gateway.sh). Built
# with the tree, so that tests/integration/bench-smoke.sh finds it.
noinst_PROGRAMS += bench/bench-c2s
bench_bench_c2s_SOURCES = bench/bench-c2s.c
bench_bench_c2s_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"chinwag-bench\"
bench_bench_c2s_LDADD = $(GLIB_LIBS)
EXTRA_DIST += bench/bench-gateway.sh

# Prosody and ejabberd side by side (and chinwag: BENCH_GATEWAY_FLAGS='--chinwag CMD').
BENCH_GATEWAY_FLAGS =
bench-gateway: bench/bench-c2s$(EXEEXT)
	BENCH_C2S=$(abs_builddir)/bench/bench-c2s$(EXEEXT) $(SHELL) $(srcdir)/bench/bench-gateway.sh $(BENCH_GATEWAY_FLAGS)
.PHONY: bench-gateway
