from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from workforce.models import LedgerEntry, UnitState, WorkUnit

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_reviewed_work_that_payout_export_pays(tmp_path, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: no second copy of anything
    states = set(WorkUnit.objects.values_list("state", flat=True))
    assert {UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED, UnitState.SUBMITTED} <= states
    assert LedgerEntry.objects.count() == 7  # 4 piece rates, 2 waiting credits, 1 bonus
    out = tmp_path / "bonus.csv"
    cutoff = (timezone.localdate() + timedelta(days=1)).isoformat()
    call_command("payout_export", cutoff=cutoff, format="prolific", out=str(out))
    lines = out.read_text().splitlines()
    assert lines == ["5f1c0de0demo0000000001,4.85", "5f1c0de0demo0000000002,2.35", "5f1c0de0demo0000000003,2.00"]
    capsys.readouterr()
    call_command("payout_export", cutoff=cutoff, format="prolific", out=str(out))
    assert out.read_bytes() == b"" and "Nothing left to pay" in capsys.readouterr().out
