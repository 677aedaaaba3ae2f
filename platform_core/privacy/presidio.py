"""Presidio, as this package uses it: every module here takes Presidio's names from this one.

Presidio's package imports its transformers and Stanza NLP engines, and spaCy's thinc probes torch,
at import time: seconds of CPU and hundreds of MB for engines this analyzer never uses (it loads no
model). Both are optional to Presidio and thinc, which then skip them, so Presidio is imported here
with torch and transformers marked missing (unless the process has loaded them already); the
entries are removed afterwards, so a later ``import torch`` elsewhere works as usual.

Only the modules that analyse or anonymise import this one, so a process that never does (a
management command, the inference worker) does not pay for Presidio and spaCy at start-up.
"""

import sys

_blocked = [name for name in ("torch", "transformers") if name not in sys.modules]
for _name in _blocked:
    sys.modules[_name] = None  # type: ignore[assignment]  # makes "import torch" raise ImportError
try:
    from presidio_analyzer import (
        AnalyzerEngine,
        EntityRecognizer,
        Pattern,
        PatternRecognizer,
        RecognizerRegistry,
        RecognizerResult,
    )
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpArtifacts
    from presidio_analyzer.nlp_engine.no_op_nlp_engine import NoOpNlpEngine
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
finally:
    for _name in _blocked:
        if sys.modules.get(_name, 0) is None:
            del sys.modules[_name]

__all__ = [
    "AnalyzerEngine",
    "AnonymizerEngine",
    "AnonymizerResult",
    "ContextAwareEnhancer",
    "EntityRecognizer",
    "NlpArtifacts",
    "NoOpNlpEngine",
    "OperatorConfig",
    "Pattern",
    "PatternRecognizer",
    "RecognizerRegistry",
    "RecognizerResult",
]
