"""Celery tasks: each takes ids, loads, and calls one service."""

from celery import shared_task

from evaluation.services import assignments, judge


@shared_task(name="evaluation.judge_run_execute")
def judge_run_execute(run_id: int) -> str:
    return judge.judge_run_execute(run_id=run_id).status


@shared_task(name="evaluation.assignments_release_idle")
def assignments_release_idle() -> int:
    return assignments.assignments_release_idle()
