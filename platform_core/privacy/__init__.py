"""Personal data in free text: one Presidio analyzer (``analyzer``), Troupe's recognizers
(``recognizers``) and per-dialogue placeholders (``anonymize``). Export curation, the live chat
check, rewrites, prompt writing and ``manage.py pii_audit`` all call it."""
