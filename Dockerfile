# syntax=docker/dockerfile:1
# Build: docker build -t porch .
# Run:   docker run -e PORCH_CONFIG=/config/porch.yaml -v $PWD/config:/config -v porch-data:/data -p 8080:8080 porch

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres,slack,matrix]"

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 porch \
 && mkdir -p /data && chown porch:porch /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY playbooks /app/playbooks
COPY config /app/config
ENV PORCH_PLAYBOOKS=/app/playbooks \
    PORCH_DATA_DIR=/data \
    PORCH_DATABASE_URL=sqlite:////data/porch.db \
    PYTHONUNBUFFERED=1
USER porch
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
ENTRYPOINT ["porch", "run", "--http", "0.0.0.0:8080"]
