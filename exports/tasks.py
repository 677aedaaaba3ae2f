"""Celery tasks of the exports app: take an id, load, call one service."""

from celery import shared_task

from exports import services
from exports.models import ExportBuild


@shared_task(name="exports.build")
def export_build_task(build_id: int) -> str:
    build = ExportBuild.objects.get(pk=build_id)
    build = services.export_build_run(build=build)
    return build.status
