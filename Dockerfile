# The bot in a container. HTTP mode by default (listens on $PORT, 3000); Socket Mode with
# `docker run … cancel-downtime-bot --socket-mode` (set PORT too, for the health check).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=3000
WORKDIR /app

# The pinned runtime dependencies first (a layer that changes only with requirements.txt).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps . \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin bot

USER 10001
EXPOSE 3000
# Liveness only (/livez: the process and its event loop answer), never readiness: a Slack or Redis outage
# must not mark the container unhealthy, or an orchestrator acting on it would restart every replica at once.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '3000'), timeout=2)"]

# Exec form: python is PID 1 and receives SIGTERM itself, then stops cleanly (SHUTDOWN_GRACE_SECONDS).
ENTRYPOINT ["python", "-m", "bot"]
CMD []
