"""Personal data in free text: one Presidio analyzer (``analyzer``), Troupe's recognizers
(``recognizers``) and per-dialogue placeholders (``anonymize``). Export curation, the live chat
check, rewrites, prompt writing and ``manage.py pii_audit`` all call it."""

import logging
import sys

# Presidio logs at INFO on import ("Using device of type: cpu") and on every call: quiet before
# any submodule imports it.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
logging.getLogger("presidio-anonymizer").setLevel(logging.WARNING)


def _import_presidio() -> None:
    """Import Presidio with torch and transformers marked missing (unless this process has loaded
    them already). Presidio's package imports its transformers and Stanza NLP engines, and spaCy's
    thinc probes torch, at import time: seconds of CPU and hundreds of MB for engines this analyzer
    never uses (it loads no model). Both are optional to Presidio and thinc, which then skip them;
    the entries are removed afterwards, so a later ``import torch`` elsewhere works as usual."""
    blocked = [name for name in ("torch", "transformers") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import torch" raise ImportError
    try:
        import presidio_analyzer  # noqa: F401
        import presidio_anonymizer  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_presidio()
