# The newsflow worker image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY agents agents
COPY streams streams
COPY schemas schemas
COPY newsflow newsflow
COPY models models
RUN pip install --no-cache-dir -e .
EXPOSE 9108
CMD ["newsflow", "worker"]
