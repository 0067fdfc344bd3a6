# The newsflow worker image used by docker-compose.yml: the wheel built from this tree,
# installed (not editable), so the image runs exactly what `pip install newsflow` gives.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY newsflow newsflow
COPY agents agents
COPY streams streams
COPY schemas schemas
COPY models models
COPY deploy deploy
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
EXPOSE 9108
CMD ["newsflow", "worker"]
