# fitbet's image: `docker compose up -d --build` (compose.yaml; README, "Running it with Docker").
#
# The base is pinned to a patch release of Python 3.11 on Debian 12 (bookworm). To move to a newer
# one, change PYTHON_IMAGE (tags: https://hub.docker.com/_/python), then rebuild with
# `docker compose build --pull` and run `make test`. For builds that never change under you, add the
# digest as well: PYTHON_IMAGE=python:3.11.X-slim-bookworm@sha256:… (`docker buildx imagetools inspect TAG`).
ARG PYTHON_IMAGE=python:3.11.17-slim-bookworm

# ---- build: fitbet's wheel (bot/, cogs/ and migrations/, the SQL files as package data) -------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements-build.lock ./
RUN python -m pip install --require-hashes -r requirements-build.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations
RUN python -m pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# ---- the image: the locked dependencies, then the wheel; no source tree, no development tools -----
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/fitbet.db \
    MPLCONFIGDIR=/home/fitbet/.cache/matplotlib

# The bot's user (uid 10001) owns /data, the database's volume, and matplotlib's cache folder.
RUN useradd --create-home --uid 10001 --user-group fitbet \
 && mkdir -p /data "$MPLCONFIGDIR" \
 && chown -R fitbet:fitbet /data /home/fitbet

# Dependencies first, in a layer of their own: a code change does not reinstall them. The font
# cache is built here, once, instead of by matplotlib at every start.
COPY requirements.lock /tmp/requirements.lock
RUN python -m pip install --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock \
 && python -c "import matplotlib.font_manager" \
 && ls "$MPLCONFIGDIR"/fontlist-*.json >/dev/null \
 && chown -R fitbet:fitbet "$MPLCONFIGDIR"

# The code, installed once (site-packages), from the wheel; pip check fails the build when the lock
# misses something pyproject.toml asks for (run `make lock`).
COPY --from=build /wheels /tmp/wheels
RUN python -m pip install --no-deps /tmp/wheels/*.whl \
 && rm -r /tmp/wheels \
 && python -m pip check

USER fitbet
WORKDIR /home/fitbet
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
