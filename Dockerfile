# syntax=docker/dockerfile:1
# edoc-bridge: the service image (docs/deploy.md). Multi-stage: the build stage installs the project and its
# runtime dependencies (no [test] extra) into a virtualenv; the final stage is slim, has no compiler or pip
# cache, and runs as an unprivileged user. Every dependency ships manylinux wheels, so no build tools are needed.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/edoc-bridge/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY bridge ./bridge
COPY mail ./mail
COPY bot ./bot
COPY signing ./signing
COPY storage ./storage
RUN /opt/edoc-bridge/venv/bin/pip install --no-compile . \
 && /opt/edoc-bridge/venv/bin/python -c "import bridge.cli, reportlab, asyncpg, openpyxl"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="edoc-bridge" \
      org.opencontainers.image.description="Cầu nối văn bản điện tử: email/Telegram ⇄ trục liên thông"
ENV PATH=/opt/edoc-bridge/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 TZ=Asia/Ho_Chi_Minh
# pg_dump/pg_restore for `edoc-bridge backup` (Debian 12: PostgreSQL 15, as the compose's server)
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 edoc \
 && useradd --system --uid 10001 --gid edoc --home-dir /srv/edoc-bridge --shell /usr/sbin/nologin edoc
COPY --from=build /opt/edoc-bridge/venv /opt/edoc-bridge/venv
# config/default.toml is the single source of defaults; the service reads it from its working directory
WORKDIR /srv/edoc-bridge
COPY --chown=root:root config/default.toml config/agencies.toml ./config/
COPY --chown=root:root --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/edoc-entrypoint
RUN mkdir -p /srv/edoc-bridge/var && chown edoc:edoc /srv/edoc-bridge/var
USER edoc
VOLUME ["/srv/edoc-bridge/var"]
# SMTP (STARTTLS), SMTPS (implicit TLS), HTTP API behind the reverse proxy
EXPOSE 2525 4650 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["edoc-entrypoint"]
CMD ["serve", "-c", "/etc/edoc-bridge/bridge.toml"]
