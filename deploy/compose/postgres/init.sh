#!/bin/sh
# First start of the compose stack's PostgreSQL (docker-entrypoint-initdb.d): two
# databases in one server.
#   predictions  the source: prediction logs, owned by the superuser (the seed job
#                writes them); driftwarden reads with the SELECT-only role driftwarden_reader
#   driftwarden  the results database, owned by the role driftwarden (migrations run as it)
# Passwords come from the environment (deploy/.env), never from this file.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v results_password="$DRIFTWARDEN_DB_PASSWORD" \
  -v reader_password="$SOURCE_DB_PASSWORD" <<'SQL'
CREATE ROLE driftwarden LOGIN PASSWORD :'results_password';
CREATE ROLE driftwarden_reader LOGIN PASSWORD :'reader_password';
CREATE DATABASE driftwarden OWNER driftwarden;
CREATE DATABASE predictions;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname predictions <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE predictions TO driftwarden_reader;
GRANT USAGE ON SCHEMA public TO driftwarden_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO driftwarden_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO driftwarden_reader;
SQL
