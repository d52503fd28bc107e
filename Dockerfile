# The API (uvicorn) for docker-compose; on AWS the same code runs in Lambda from `make package`.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv
COPY pyproject.toml README.md ./
COPY app ./app
COPY reviewer ./reviewer
COPY webhook ./webhook
COPY scripts ./scripts
COPY samples ./samples
RUN pip install . && useradd --system --uid 10001 tfreview
USER tfreview
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["uvicorn", "app.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
