# pg_tool NAME: the PostgreSQL client program NAME, from PATH or Debian's versioned folders
# (/usr/lib/postgresql/N/bin, newest first), which Debian leaves off PATH for some programs.
pg_tool() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/$1" ]; then echo "$dir/$1"; return; fi
  done
  echo "$1 not found: install PostgreSQL's client programs (apt-get install postgresql-client)" >&2
  return 1
}
