#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages chinwag needs: to build and run (default),
# or also to run the whole test suite (--test). Installs only what is missing.
set -eu

build="build-essential autoconf automake libtool autopoint gettext pkg-config
  libglib2.0-dev libexpat1-dev libavahi-client-dev libavahi-glib-dev libavahi-core-dev
  libsodium-dev libsqlite3-dev libjson-glib-dev libncurses-dev glib-networking avahi-daemon dbus-daemon dbus-bin xz-utils"
test="iproute2 util-linux avahi-utils python3 python3-slixmpp valgrind clang libclang-rt-14-dev libpurple-dev tmux
  prosody openssl go-sendxmpp sqlite3 ejabberd"

want=$build
[ "${1:-}" = "--test" ] && want="$build $test"

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "tools/deps.sh: installing$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Packages with a service (prosody) must not start it: the tests run private
# instances on their own ports. A policy-rc.d that refuses every start does
# that; one the admin already has is left in place, ours is removed after.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# tools/deps.sh: no service starts while it installs\nexit 101\n' |
    $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  guard=/usr/sbin/policy-rc.d
  trap '$sudo rm -f "$guard"' EXIT
fi
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
