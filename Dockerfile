# syntax=docker/dockerfile:1
# Followthrough: one image for both processes, `followthrough bot` (the default) and `followthrough worker`.
#   docker build -t followthrough .
#   docker run --env-file .env followthrough doctor      # every setting and connection, one line each
# compose.yaml runs a bot, two workers and Redis; the README's "Deploying" section says what was tested here.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the wheel, and a virtual environment holding it and its dependencies --------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Only what the wheel is built from (.dockerignore keeps everything else, secrets included, out of the context).
COPY pyproject.toml setup.py MANIFEST.in README.md manifest.yml ./
COPY policies/default.yml policies/default.yml
COPY followthrough/ followthrough/
COPY approvals/ approvals/
COPY bot/ bot/
COPY connectors/ connectors/
COPY understanding/ understanding/
# The environment gets no pip of its own: nothing installs anything at run time.
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv --without-pip /opt/followthrough \
 && python -m pip --python /opt/followthrough/bin/python install /wheels/followthrough-*.whl

# --- runtime: the environment alone, run by an unprivileged user --------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 followthrough \
 && useradd --system --uid 10001 --gid followthrough --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin followthrough
COPY --from=build /opt/followthrough /opt/followthrough
ENV PATH=/opt/followthrough/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FOLLOWTHROUGH_HEALTH_PORT=8080
WORKDIR /app
USER 10001:10001
# /healthz, /readyz and /metrics (FOLLOWTHROUGH_HEALTH_PORT), for the orchestrator and Prometheus.
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["followthrough", "ready"]
ENTRYPOINT ["followthrough"]
CMD ["bot"]
