# syntax=docker/dockerfile:1
# driftwarden: build a wheel with its dependencies in one stage, run it as a
# non-root user in a slim second stage.

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/driftwarden
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY alembic ./alembic
RUN /opt/driftwarden/bin/pip install --upgrade pip \
 && /opt/driftwarden/bin/pip install '.[arrow]'

FROM python:3.11-slim AS runtime
ENV PATH=/opt/driftwarden/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DRIFTWARDEN_CONFIG=/etc/driftwarden/config.toml
RUN groupadd --system --gid 10001 driftwarden \
 && useradd --system --uid 10001 --gid driftwarden --home-dir /var/lib/driftwarden \
      --create-home --shell /usr/sbin/nologin driftwarden \
 && mkdir -p /etc/driftwarden /var/lib/driftwarden/reports \
 && chown -R driftwarden:driftwarden /var/lib/driftwarden
COPY --from=build /opt/driftwarden /opt/driftwarden
COPY --chown=driftwarden:driftwarden config.toml /etc/driftwarden/config.toml
USER driftwarden
WORKDIR /var/lib/driftwarden
VOLUME ["/etc/driftwarden", "/var/lib/driftwarden"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["driftwarden", "serve", "--config", "/etc/driftwarden/config.toml"]
