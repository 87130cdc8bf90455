# Stepwise production image: gunicorn serving Django, static files by whitenoise.
# Build:  docker build -t stepwise .
# Run:    see "Production deployment" in README.md
# The base is an argument so the image also builds where no registry can be reached:
# scripts/container-check makes one from Debian's packages (docs/operations.md).

ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
# Static files are collected into the image, next to the code: it is replaced as a whole.
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 STATIC_ROOT=/app/staticfiles
WORKDIR /app
RUN python -m venv /venv
# Dependencies first, so code changes do not reinstall them: exactly the versions and
# hashes in requirements.lock (scripts/lock writes it), then the project itself.
COPY requirements.lock ./
RUN /venv/bin/pip install --require-hashes -r requirements.lock
COPY . .
# The translations are compiled into the package before it is installed (pure Python: the
# image needs no GNU gettext).
RUN DATABASE_URL=sqlite:///build-time-only-not-opened \
    /venv/bin/python manage.py compile_translations
RUN /venv/bin/pip install --no-deps .
# collectstatic needs production settings to hash file names; no secret is baked in, and
# it opens no database.
RUN DEBUG=false SECRET_KEY=build-time-only-not-used-at-run-time-0123456789abcdefghij \
    ALLOWED_HOSTS=build DATABASE_URL=sqlite:///build-time-only-not-opened \
    /venv/bin/python manage.py collectstatic --noinput

FROM ${BASE_IMAGE} AS runtime
ENV PATH=/venv/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    BIND_ADDRESS=0.0.0.0 \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000
RUN useradd --system --create-home --uid 10001 stepwise
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=root:root /app /app
USER stepwise
EXPOSE 8000
# /health/ answers 200 only when the database answers too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
