#!/bin/sh
# The lab's node image entrypoint (as the official node image's): an option or a script that is not a
# command runs under node; anything else runs as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "${1:-}")" ] || { [ -f "${1:-}" ] && ! [ -x "${1:-}" ]; }; then
  set -- node "$@"
fi
exec "$@"
