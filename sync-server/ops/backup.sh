#!/usr/bin/env bash
# Backs up a Cytoshare server that runs on PostgreSQL:
#   backup.sh DATABASE_URL OUT_DIR [BLOBS_DIR]
# writes OUT_DIR/cytoshare.dump (pg_dump's custom format: every record, the document updates and,
# unless the server runs with --blobs, the FCS files) and, given the server's --blobs folder,
# OUT_DIR/blobs.tar. The servers may keep running: pg_dump reads one consistent snapshot. FCS
# files are named by their SHA-256 and never change, so a blobs folder copied after the dump
# holds every file the dump lists (and perhaps a few newer ones, which gc-blobs removes later).
# The URL is never printed (it may hold a password); prefer ~/.pgpass or PGPASSWORD for it.
set -euo pipefail
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: backup.sh DATABASE_URL OUT_DIR [BLOBS_DIR]" >&2
  exit 2
fi
url="$1"; out="$2"; blobs="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=pg-tools.sh
. "$here/pg-tools.sh"
mkdir -p "$out"
"$(pg_tool pg_dump)" --format=custom --no-owner --no-privileges --dbname="$url" --file="$out/cytoshare.dump.partial"
mv "$out/cytoshare.dump.partial" "$out/cytoshare.dump"
if [ -n "$blobs" ]; then
  tar --create --file="$out/blobs.tar.partial" --directory="$blobs" --exclude='.tmp-*' .
  mv "$out/blobs.tar.partial" "$out/blobs.tar"
fi
echo "backed up into $out"
