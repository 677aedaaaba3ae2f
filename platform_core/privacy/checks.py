"""The refusal of contact details in what workers write (live chat, rewrites, prompts).

The rule: a text holding a finding of one of ``PRIVACY_LIVE_REFUSED_KINDS`` scoring at least
``PRIVACY_LIVE_SCORE_THRESHOLD`` is refused with the code ``personal_data``; nothing of it is kept.
The analysis is ``analyzer.analyze``, the same one the export and the audit run.
"""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.errors import Refused

PERSONAL_DATA = "personal_data"

KIND_LABELS = {
    "phone": gettext_lazy("a phone number"),
    "email": gettext_lazy("an e-mail address"),
    "handle": gettext_lazy("a messaging handle"),
    "address": gettext_lazy("a street address or postcode"),
    "id_number": gettext_lazy("an ID number"),
    "bank_card": gettext_lazy("a bank card number"),
    "ip_address": gettext_lazy("an IP address"),
    "url": gettext_lazy("a link to a personal profile"),
}


def refused_kinds_in(text: str | None) -> list[str]:
    """The refused kinds of personal data ``text`` carries, in text order, each once."""
    # Imported here: the chat and annotation modules that import this one are loaded by every process
    # (the admin's autodiscovery), most of which never analyse a text; the ASGI server builds the
    # analyzer at start-up (``collector.server_heap_warm_and_set_aside``).
    from platform_core.privacy.analyzer import analyze

    refused = set(settings.PRIVACY_LIVE_REFUSED_KINDS)
    kinds: list[str] = []
    for finding in analyze(text, threshold=settings.PRIVACY_LIVE_SCORE_THRESHOLD):
        if finding.kind in refused and finding.kind not in kinds:
            kinds.append(finding.kind)
    return kinds


def refusal_message(kinds: list[str]) -> str:
    labels = ", ".join(str(KIND_LABELS.get(kind, kind)) for kind in kinds)
    return _(
        "Please do not share contact details: your text contains %(kinds)s. Personal data cannot be "
        "kept in the collected dialogues; write it without them."
    ) % {"kinds": labels}


def personal_data_check(text: str | None) -> None:
    """Raise ``Refused("personal_data", …)`` when ``text`` carries contact details."""
    kinds = refused_kinds_in(text)
    if kinds:
        raise PersonalDataRefused(kinds)


def contact_details_guard(*, user, where: str, texts: Mapping[str, str | None]) -> None:
    """``personal_data_check`` over named texts (field name -> text): the first that carries contact
    details is refused (``PersonalDataRefused.field`` names it) and the refusal is counted on the
    worker's profile. Call it before the transaction that stores the texts, so that the count stays
    when that transaction is rolled back."""
    from platform_core.services import personal_data_refusal_record

    for field, text in texts.items():
        kinds = refused_kinds_in(text)
        if kinds:
            personal_data_refusal_record(user=user, where=where, kinds=kinds)
            raise PersonalDataRefused(kinds, field=field)


class PersonalDataRefused(Refused):
    def __init__(self, kinds: list[str], field: str = "") -> None:
        super().__init__(PERSONAL_DATA, refusal_message(kinds))
        self.kinds = kinds
        self.field = field
