"""Personal data in free text: one Presidio analyzer (``analyzer``), Troupe's recognizers
(``recognizers``) and per-dialogue placeholders (``anonymize``). Export curation, the live chat
check, rewrites, prompt writing and ``manage.py pii_audit`` all call it."""

import logging

# Presidio logs at INFO on import ("Using device of type: cpu") and on every call: quiet before
# any submodule imports it (``presidio``, on first use).
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
logging.getLogger("presidio-anonymizer").setLevel(logging.WARNING)
