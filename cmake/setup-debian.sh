#!/usr/bin/env bash
# Installs everything bgcopy needs on a Debian 12 machine (run as root; idempotent).
# - Debian packages for the native build, the mingw-w64 cross build, Wine and the tests;
# - a deb-src entry so that cmake/build-deps.sh can fetch Debian's sources of libcurl
#   CMocka and SQLite with `apt-get source` (tcl makes the SQLite amalgamation) (nothing third-party is ever committed).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3
  libcurl4-openssl-dev libcmocka-dev libsqlite3-dev
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools mingw-w64-x86-64-dev
  wine wine64 wine64-tools libwine-dev
  dpkg-dev autoconf automake libtool
  valgrind xxd libssl-dev openssl tcl nsis
)

need=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done

src=/etc/apt/sources.list.d/bgcopy-src.sources
if [ ! -f "$src" ]; then
  cat > "$src" <<'SRC'
# Added by bgcopy's cmake/setup-debian.sh: Debian source packages for the mingw-w64
# builds of libcurl and CMocka (apt-get source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  updated=0
else
  updated=1
fi

if [ ${#need[@]} -gt 0 ] || [ "$updated" = 0 ] || ! ls /var/lib/apt/lists/*Sources* >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ ${#need[@]} -gt 0 ]; then
    echo "setup-debian: installing ${need[*]}"
    apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
fi
echo "setup-debian: all packages present"
