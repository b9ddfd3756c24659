# One image for every YTEmpire process; the command picks the role (a stage, the gateway, ...).
# ffmpeg (imageio-ffmpeg) and espeak-ng (espeakng-loader) come as wheels: no system packages
# beyond fonts for captions and title cards.
FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ytempire ytempire
COPY processors processors
COPY gateway gateway
COPY analytics analytics
RUN pip install --no-cache-dir .
# Read at run time from here (the installed package does not carry them).
COPY schemas schemas
COPY topics.yaml ./
RUN useradd --system --uid 10001 --home-dir /data ytempire \
    && mkdir -p /data && chown ytempire /data
USER ytempire
ENV YTEMPIRE_DATA_DIR=/data YTEMPIRE_LOG_FORMAT=json \
    YTEMPIRE_SCHEMAS_DIR=/app/schemas YTEMPIRE_TOPICS_FILE=/app/topics.yaml
VOLUME /data
ENTRYPOINT ["ytempire"]
