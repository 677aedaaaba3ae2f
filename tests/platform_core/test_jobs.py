"""The one job lifecycle: a claim wins once, a heartbeat keeps it, a stale job is taken over once."""

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from django.utils import timezone

from annotation.models import BatchStatus, SynthesisBatch
from platform_core import jobs
from platform_core.jobs import job_claim, job_heartbeat, job_is_stale, this_worker
from tests.factories import SynthesisBatchFactory

pytestmark = pytest.mark.django_db
LEASE = dt.timedelta(minutes=10)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_takes_a_claimable_job_once_and_records_this_worker():
    batch = SynthesisBatchFactory(status=BatchStatus.QUEUED)
    first = job_claim(SynthesisBatch, batch.pk, stale_after=LEASE)
    assert first is not None and first.status == BatchStatus.RUNNING and first.worker == this_worker()
    assert first.started_at is not None and first.heartbeat_at is not None
    # Another worker sees it running with a fresh heartbeat: no second claim.
    SynthesisBatch.objects.filter(pk=batch.pk).update(worker="elsewhere:1")
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE) is None


def test_a_claim_keeps_the_first_start_unless_told_otherwise():
    started = timezone.now() - dt.timedelta(days=1)
    batch = SynthesisBatchFactory(status=BatchStatus.FAILED, started_at=started)
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE).started_at == started
    SynthesisBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
    restarted = job_claim(SynthesisBatch, batch.pk, stale_after=LEASE, started_at=timezone.now(), error="")
    assert restarted.started_at > started


def test_a_job_on_another_host_is_stale_only_after_its_heartbeat_stops():
    batch = SynthesisBatchFactory(status=BatchStatus.RUNNING, worker="another-host:123")
    job_heartbeat(SynthesisBatch, batch.pk)
    batch.refresh_from_db()
    assert not job_is_stale(batch, stale_after=LEASE)
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE) is None
    SynthesisBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - 2 * LEASE)
    batch.refresh_from_db()
    assert job_is_stale(batch, stale_after=LEASE)
    taken = job_claim(SynthesisBatch, batch.pk, stale_after=LEASE)
    assert taken is not None and taken.worker == this_worker()


def test_a_job_whose_process_on_this_host_ended_is_stale_at_once():
    dead = f"{socket.gethostname()}:{_dead_pid()}"
    batch = SynthesisBatchFactory(status=BatchStatus.RUNNING, worker=dead, heartbeat_at=timezone.now())
    assert job_is_stale(batch, stale_after=LEASE)
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE) is not None


def test_a_job_whose_process_on_this_host_runs_is_alive_without_a_heartbeat():
    alive = f"{socket.gethostname()}:{os.getppid()}"
    batch = SynthesisBatchFactory(status=BatchStatus.RUNNING, worker=alive, heartbeat_at=None)
    assert not job_is_stale(batch, stale_after=LEASE)
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE) is None


def test_a_stale_job_seen_by_two_claimants_goes_to_one(monkeypatch):
    batch = SynthesisBatchFactory(
        status=BatchStatus.RUNNING, worker="another-host:1", heartbeat_at=timezone.now() - 2 * LEASE
    )
    real = jobs.job_is_stale
    won_meanwhile = []

    def another_claim_in_between(job, **kwargs):
        stale = real(job, **kwargs)  # this claimant saw it stale ...
        monkeypatch.setattr(jobs, "job_is_stale", real)
        won_meanwhile.append(job_claim(SynthesisBatch, batch.pk, stale_after=LEASE))  # ... and another took it
        return stale

    monkeypatch.setattr(jobs, "job_is_stale", another_claim_in_between)
    assert job_claim(SynthesisBatch, batch.pk, stale_after=LEASE) is None
    assert won_meanwhile[0] is not None


def test_a_finished_job_is_not_stale():
    batch = SynthesisBatchFactory(status=BatchStatus.COMPLETED, worker="another-host:1", heartbeat_at=None)
    assert not job_is_stale(batch, stale_after=LEASE)
