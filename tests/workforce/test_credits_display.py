"""Credits are shown as money in the worker's language, and the ledger cannot be deleted in the admin."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.factories import UserFactory
from tests.roleplay.live_helpers import make_worker
from workforce.models import LedgerEntry
from workforce.services.ledger import ledger_credit

pytestmark = pytest.mark.django_db


def _money(amount, language: str) -> str:
    with translation.override(language):
        return Template("{% load money %}{{ amount|money }}").render(Context({"amount": amount}))


def test_an_amount_is_two_decimals_rounded_half_up_with_the_currency(settings):
    settings.WORKFORCE_CURRENCY = "USD"
    assert _money(Decimal("0.500800000000000"), "en") == "0.50 USD"
    assert _money(Decimal("0.005"), "en") == "0.01 USD"
    assert _money(Decimal("1234.5"), "en") == "1,234.50 USD"
    assert _money(Decimal("1234.5"), "zh-hans") == "1234.50 USD"  # Django's zh-Hans format groups by nothing
    assert _money(Decimal("1234.5"), "de") == "1.234,50 USD"
    assert _money("not money", "en") == ""


def test_the_waiting_room_shows_the_credit_total_as_money(client, settings):
    settings.WORKFORCE_CURRENCY = "EUR"
    worker = make_worker(character=True)
    for index in range(2):
        ledger_credit(worker=worker, kind="waiting", amount=Decimal("0.2504"), idempotency_key=f"test:wait:{index}")
    client.force_login(worker)
    page = client.get("/roleplay/live/").content.decode()
    assert 'data-testid="credits">0.50 EUR<' in page
    assert "0.5008" not in page


def test_the_credit_ledger_offers_no_delete_in_the_admin(client):
    worker = make_worker(player=True)
    entry, _created = ledger_credit(worker=worker, kind="waiting", amount=Decimal("0.05"), idempotency_key="test:wait")
    client.force_login(UserFactory(roles=["admin"], is_superuser=True))
    listing = client.get("/admin/workforce/ledgerentry/").content.decode()
    assert listing and "delete_selected" not in listing
    assert client.get(f"/admin/workforce/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
