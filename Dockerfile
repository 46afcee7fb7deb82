# One image for web, worker, beat and the migrate step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy \
    PATH="/app/.venv/bin:$PATH"
# Nothing from apt: the receipt font is a wheel (paperang-p2-fonts-cjk), time zones come
# from the tzdata wheel and health checks use Python.
RUN pip install --no-cache-dir 'uv>=0.9'

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra otel --no-install-project
COPY service ./service
COPY tasks ./tasks
COPY migrations ./migrations
COPY templates ./templates
RUN uv sync --frozen --no-dev --extra otel

RUN useradd --create-home minsheng && mkdir -p /app/var && chown minsheng /app/var
USER minsheng
EXPOSE 8000
CMD ["minsheng", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
