# One image for every YTEmpire process; the command picks the role (a stage, the gateway, ...).
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ytempire ytempire
COPY processors processors
COPY gateway gateway
COPY analytics analytics
COPY schemas schemas
COPY topics.yaml ./
RUN pip install --no-cache-dir .
ENV YTEMPIRE_DATA_DIR=/data YTEMPIRE_LOG_FORMAT=json
VOLUME /data
ENTRYPOINT ["ytempire"]
