#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Generates configure and the Makefile templates from configure.ac/Makefile.am.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --verbose
