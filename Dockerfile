# syntax=docker/dockerfile:1
# driftwarden: install the package and its dependencies into a virtual environment in
# one stage, run it as a non-root user in a slim second stage.
#
#   docker build -t driftwarden .
#   docker run -p 8000:8000 -v driftwarden-data:/var/lib/driftwarden driftwarden
#
# The build stage runs deploy/docker/install.sh, which tests/deploy/test_image_install.py
# also runs (no Docker engine is needed to test what the image installs).

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY alembic ./alembic
COPY deploy/docker/install.sh ./deploy/docker/install.sh
RUN sh deploy/docker/install.sh /opt/driftwarden

FROM python:3.11-slim AS runtime
# DRIFTWARDEN_LISTEN and DRIFTWARDEN_DATA are read by the config (their defaults are
# repeated there); the HEALTHCHECK probes the port of DRIFTWARDEN_LISTEN.
ENV PATH=/opt/driftwarden/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DRIFTWARDEN_CONFIG=/etc/driftwarden/config.toml \
    DRIFTWARDEN_LISTEN=0.0.0.0:8000 \
    DRIFTWARDEN_DATA=/var/lib/driftwarden
RUN groupadd --system --gid 10001 driftwarden \
 && useradd --system --uid 10001 --gid driftwarden --home-dir /var/lib/driftwarden \
      --no-create-home --shell /usr/sbin/nologin driftwarden \
 && mkdir -p /etc/driftwarden /var/lib/driftwarden/reports \
 && chown -R driftwarden:driftwarden /var/lib/driftwarden
COPY --from=build /opt/driftwarden /opt/driftwarden
COPY deploy/docker/config.toml /etc/driftwarden/config.toml
USER 10001:10001
WORKDIR /var/lib/driftwarden
VOLUME ["/etc/driftwarden", "/var/lib/driftwarden"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('DRIFTWARDEN_LISTEN', ':8000').rpartition(':')[2]; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["driftwarden", "serve"]
CMD ["--config", "/etc/driftwarden/config.toml"]
