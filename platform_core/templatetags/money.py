"""``{{ amount|money }}``: an amount of money as people read it, in the page's language."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """Two decimals (half up), grouped the way the active locale groups them, then the currency."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency or settings.WORKFORCE_CURRENCY}"
