#!/usr/bin/env bash
# Builds the third-party libraries of the Windows (mingw-w64) build from Debian's own source
# packages, pinned to the version Debian serves, into a cache outside the source tree:
#   libcurl (static, Schannel TLS, no other TLS or compression dependency)
#   CMocka  (static)
#   SQLite  (static; the amalgamation is generated from Debian's full source tree with the
#            host's tclsh, then cross-compiled: the job store of jobs/store.c)
# Usage: cmake/build-deps.sh [CACHE_DIR]   (default: $BGCOPY_DEPS or ~/.cache/bgcopy-deps)
# Prints the install prefix on its last line. Re-running is a no-op when the stamp matches.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${BGCOPY_DEPS:-$HOME/.cache/bgcopy-deps}}
triple=x86_64-w64-mingw32
prefix=$cache/$triple
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$cache/src" "$prefix"

srcver() { apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -n 1; }

fetch() { # fetch NAME VERSION -> prints the unpacked source directory
  local name=$1 ver=$2 dir=$cache/src/$1-$2
  if [ ! -d "$dir/unpacked" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && apt-get source -qq "$name=$ver" >/dev/null)
    local d; d=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name "$name-*" | head -n 1)
    [ -n "$d" ] || { echo "build-deps: apt-get source $name=$ver produced no tree" >&2; exit 1; }
    ln -s "$d" "$dir/unpacked"
  fi
  echo "$dir/unpacked"
}

curl_ver=$(srcver curl); cmocka_ver=$(srcver cmocka); sqlite_ver=$(srcver sqlite3)
[ -n "$curl_ver" ] && [ -n "$cmocka_ver" ] && [ -n "$sqlite_ver" ] || {
  echo "build-deps: no Debian source versions found; run cmake/setup-debian.sh (adds deb-src)" >&2; exit 1; }

stamp=$prefix/.stamp-curl-$curl_ver
if [ ! -f "$stamp" ]; then
  src=$(fetch curl "$curl_ver")
  b=$cache/build-curl-$curl_ver; rm -rf "$b"; mkdir -p "$b"
  echo "build-deps: building libcurl $curl_ver for $triple (Schannel)" >&2
  (cd "$b" && "$src/configure" -q --host=$triple --prefix="$prefix" \
      --with-schannel --without-openssl --without-gnutls --without-nss --without-wolfssl \
      --without-libpsl --without-brotli --without-zstd --without-zlib --without-libidn2 \
      --without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-librtmp --without-libssh2 \
      --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
      --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-smb \
      --disable-manual --disable-docs --enable-sspi --enable-ipv6 \
      --disable-shared --enable-static >/dev/null
   make -s -j"$jobs" -C lib >/dev/null && make -s -C lib install >/dev/null && make -s -C include install >/dev/null)
  touch "$stamp"
fi

stamp=$prefix/.stamp-cmocka-$cmocka_ver
if [ ! -f "$stamp" ]; then
  src=$(fetch cmocka "$cmocka_ver")
  b=$cache/build-cmocka-$cmocka_ver; rm -rf "$b"
  echo "build-deps: building CMocka $cmocka_ver for $triple" >&2
  cmake -S "$src" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$here/mingw-w64-x86_64.cmake" \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release -DWITH_STATIC_LIB=ON \
      -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF >/dev/null
  cmake --build "$b" -j"$jobs" >/dev/null && cmake --install "$b" >/dev/null
  touch "$stamp"
fi
stamp=$prefix/.stamp-sqlite-$sqlite_ver
if [ ! -f "$stamp" ]; then
  src=$(fetch sqlite3 "$sqlite_ver")
  b=$cache/build-sqlite-$sqlite_ver; rm -rf "$b"; mkdir -p "$b"
  echo "build-deps: building SQLite $sqlite_ver for $triple (amalgamation)" >&2
  # The amalgamation is made by host tools (lemon, mkkeywordhash, tclsh), so configure natively.
  (cd "$b" && "$src/configure" -q --disable-tcl >/dev/null && make -s sqlite3.c >/dev/null)
  # Options: thread-safe (the engine, dispatcher and COM threads share one connection under a
  # mutex), no extension loading, WAL's synchronous default NORMAL (jobs/store.c sets it too).
  $triple-gcc -O2 -c "$b/sqlite3.c" -o "$b/sqlite3.o" -DSQLITE_THREADSAFE=1 \
      -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_WAL_SYNCHRONOUS=1 -DSQLITE_DQS=0 \
      -DSQLITE_WIN32_MALLOC -DSQLITE_OMIT_DEPRECATED
  rm -f "$prefix/lib/libsqlite3.a"
  $triple-ar rcs "$prefix/lib/libsqlite3.a" "$b/sqlite3.o"
  mkdir -p "$prefix/include"
  cp "$b/sqlite3.h" "$b/sqlite3ext.h" "$prefix/include/" 2>/dev/null || cp "$b/sqlite3.h" "$prefix/include/"
  touch "$stamp"
fi
echo "$prefix"
