import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from platform_core.roles import Role
from workforce.models import UnitKind
from workforce.services.ledger import piece_rate_set
from workforce.services.units import unit_open, unit_submit

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency tests need PostgreSQL (set DATABASE_URL)"
)


def run_together(*calls):
    """Run the callables in threads released at once; returns their results (or raised errors)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def worker(make_user):
    return make_user(Role.CROWDWORKER, profile__can_play_character=True, profile__can_play_player=True)


@pytest.fixture
def rate(db):
    return piece_rate_set(kind=UnitKind.LIVE_PLAYER, amount="1.50", effective_from=date(2020, 1, 1), currency="GBP")


@pytest.fixture
def submitted_unit(worker, rate):
    def make(subject_id: int = 1, kind: str = UnitKind.LIVE_PLAYER, who=None):
        unit = unit_open(worker=who or worker, kind=kind, subject_id=subject_id)
        return unit_submit(unit=unit, active_seconds=600)

    return make


ZERO = Decimal("0")
