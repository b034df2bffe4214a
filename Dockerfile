FROM python:3.11-slim AS build
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATABASE_PATH=/data/fitbet.db MPLCONFIGDIR=/tmp/matplotlib
COPY --from=build /install /usr/local
WORKDIR /app
COPY migrations ./migrations
COPY bot ./bot
COPY cogs ./cogs
RUN useradd --create-home --uid 10001 fitbet && mkdir -p /data && chown fitbet:fitbet /data
USER fitbet
VOLUME ["/data"]
CMD ["python", "-m", "bot"]
