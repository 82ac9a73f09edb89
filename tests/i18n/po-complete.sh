#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every user-visible string is translated in every po/ language (TAP).
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$(grep -v '^#' "$src/po/POTFILES.in" | sed "s|^|$src/|")
# shellcheck disable=SC2086
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  -o "$tmp/chinwag.pot" $files 2>"$tmp/err" || { echo "1..0 # SKIP xgettext failed: $(cat "$tmp/err")"; exit 0; }
langs=$(grep -v '^#' "$src/po/LINGUAS")
n=$(echo "$langs" | wc -w)
echo "1..$((n * 2))"
i=0
for l in $langs; do
  i=$((i + 1))
  if msgfmt -c -o /dev/null "$src/po/$l.po" 2>"$tmp/err"; then
    echo "ok $i - po/$l.po is valid"
  else
    echo "not ok $i - po/$l.po is valid"; sed 's/^/# /' "$tmp/err"
  fi
  i=$((i + 1))
  msgmerge -q -o "$tmp/$l.po" "$src/po/$l.po" "$tmp/chinwag.pot" 2>/dev/null
  stats=$(msgfmt --statistics -o /dev/null "$tmp/$l.po" 2>&1)
  case "$stats" in
    *untranslated*|*fuzzy*) echo "not ok $i - po/$l.po is complete"; echo "# $stats" ;;
    *) echo "ok $i - po/$l.po is complete ($stats)" ;;
  esac
done
