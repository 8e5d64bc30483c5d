#!/bin/sh
# Secrets as files, settings as variables: every file /run/secrets/EDOC_* (docker compose `secrets:`) becomes the
# environment variable of its name (EDOC_AXIS__SECRET, EDOC_DATABASE_URL …), so no secret sits in the compose
# file, the image or `docker inspect`. Then runs `edoc-bridge "$@"`.
set -eu
for file in /run/secrets/EDOC_*; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  value=$(cat "$file")
  export "$name=$value"
done
exec edoc-bridge "$@"
