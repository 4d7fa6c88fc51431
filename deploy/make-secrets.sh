#!/bin/sh
# Creates the secret files deploy/compose.yaml mounts, one value per file, under
# deploy/secrets/ (ignored by git). Existing files are kept, so running it again is safe.
# The folder is private to its owner; the files inside are world-readable because
# compose bind-mounts them as they are and the containers read them as their own
# users (the tutor runs as uid 10001, PostgreSQL as 999).
set -eu
cd "$(dirname "$0")"
umask 022
mkdir -p secrets
chmod 700 secrets

random() { python3 -c "import secrets; print(secrets.token_urlsafe($1))"; }

write() {
  if [ -e "secrets/$1" ]; then
    echo "kept    deploy/secrets/$1"
  else
    printf '%s\n' "$2" > "secrets/$1"
    echo "wrote   deploy/secrets/$1"
  fi
}

write secret_key "$(random 50)"
# A Fernet key: 32 random bytes, URL-safe base64.
write encryption_keys "$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
write postgres_password "$(random 24)"
write database_url "postgres://tutor:$(cat secrets/postgres_password)@postgres:5432/tutor"
if [ ! -e secrets/kubeconfig ]; then
  echo "missing deploy/secrets/kubeconfig: copy the kubeconfig of the classroom cluster there" >&2
  echo "        (credentials inline, no exec plugin: see deploy/README.md)" >&2
fi
