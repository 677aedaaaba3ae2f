FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
RUN python manage.py compilemessages --ignore=.venv -v0 \
    && python -c "import exports.build.kernels.batch_curation as curation, exports.build.kernels.binary_copy as binary_copy, exports.build.kernels.examples as examples; curation.warm_up(); binary_copy.warm_up(); examples.warm_up()"
EXPOSE 8000
