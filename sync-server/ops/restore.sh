#!/usr/bin/env bash
# Restores a backup made by backup.sh into a new, empty PostgreSQL database:
#   restore.sh IN_DIR DATABASE_URL [BLOBS_DIR]
# in one transaction (a failure leaves the database empty), then unpacks IN_DIR/blobs.tar into
# BLOBS_DIR when the backup has one. Start the servers on the database afterwards; they migrate
# the schema if the backup is older than they are. The URL is never printed.
set -euo pipefail
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: restore.sh IN_DIR DATABASE_URL [BLOBS_DIR]" >&2
  exit 2
fi
in="$1"; url="$2"; blobs="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=pg-tools.sh
. "$here/pg-tools.sh"
[ -f "$in/cytoshare.dump" ] || { echo "no cytoshare.dump in $in" >&2; exit 2; }
if [ -f "$in/blobs.tar" ] && [ -z "$blobs" ]; then
  echo "this backup holds a blobs folder: give the folder to restore it into (restore.sh IN_DIR URL BLOBS_DIR)" >&2
  exit 2
fi
"$(pg_tool pg_restore)" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$in/cytoshare.dump"
if [ -f "$in/blobs.tar" ]; then
  mkdir -p "$blobs"
  tar --extract --file="$in/blobs.tar" --directory="$blobs"
fi
echo "restored from $in"
