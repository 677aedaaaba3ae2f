"""The one personal-data analyzer: Presidio's ``AnalyzerEngine`` with Troupe's recognizers.

No spaCy model is loaded: Presidio's ``NoOpNlpEngine`` gives empty NLP artifacts (every recognizer
here is a pattern recognizer), and context words are read by ``WindowContextEnhancer`` from the
characters around a match rather than from lemmas, which a Chinese sentence without spaces would
not give.

``analyze`` is what every path calls (export curation, live chat, rewrites, prompts, the audit);
``PREFILTER`` is the union of the recognizers' prefilters, for callers that select candidate
texts in bulk (the export's Arrow columns) before analysing them (``analyze_many``).
"""

import bisect
import itertools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from platform_core.privacy.presidio import (
    AnalyzerEngine,
    ContextAwareEnhancer,
    EntityRecognizer,
    NlpArtifacts,
    NoOpNlpEngine,
    RecognizerRegistry,
    RecognizerResult,
)
from platform_core.privacy.recognizers import (
    ENTITIES_BY_SPECIFICITY,
    LANGUAGE,
    RECOGNIZERS,
    TroupeRecognizer,
)
from platform_core.privacy.view import analysis_view

# The distinct prefilters (several recognizers share one), for callers that test them in bulk.
PREFILTERS = tuple(dict.fromkeys(recognizer.prefilter for recognizer in RECOGNIZERS))
# One regular expression, RE2-compatible: a text that does not match it has nothing any recognizer
# could find. Each distinct prefilter once: repeated, the shared number prefilter multiplies the
# states RE2's DFA keeps, and past its memory budget RE2 falls back to a scan hundreds of times slower.
PREFILTER = "|".join(f"(?:{prefilter})" for prefilter in PREFILTERS)
_PREFILTER = re.compile(PREFILTER)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (``phone``, ``email`` …), where it is, how sure."""

    kind: str
    start: int
    end: int
    score: float
    text: str


class WindowContextEnhancer(ContextAwareEnhancer):
    """Presidio context enhancement over characters instead of tokens.

    A recognizer's ``context`` word (case-insensitive; a Latin word must start a word: "tel" is not
    in "hotel") in the ``prefix_chars`` before a match or the ``suffix_chars`` (or the recognizer's
    own ``context_suffix_chars``) after it raises the score by ``context_similarity_factor`` (to at
    least ``min_score_with_context_similarity``); one of its ``negative_context`` words in the
    ``negative_prefix_chars`` before it or ``negative_suffix_chars`` after it lowers it by
    ``negative_factor``.
    """

    def __init__(
        self,
        *,
        context_similarity_factor: float = 0.35,
        min_score_with_context_similarity: float = 0.6,
        prefix_chars: int = 24,
        suffix_chars: int = 8,
        negative_factor: float = 0.6,
        negative_prefix_chars: int = 12,
        negative_suffix_chars: int = 2,
    ) -> None:
        super().__init__(
            context_similarity_factor=context_similarity_factor,
            min_score_with_context_similarity=min_score_with_context_similarity,
            context_prefix_count=prefix_chars,
            context_suffix_count=suffix_chars,
        )
        self.negative_factor = negative_factor
        self.negative_prefix_chars = negative_prefix_chars
        self.negative_suffix_chars = negative_suffix_chars

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        lowered = text.lower()
        for result in raw_results:
            recognizer = by_id.get((result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None:
                continue
            suffix_chars = getattr(recognizer, "context_suffix_chars", None) or self.context_suffix_count
            near = (
                lowered[max(0, result.start - self.context_prefix_count) : result.start]
                + " "
                + lowered[result.end : result.end + suffix_chars]
            )
            found = _context_words(recognizer).search(near)
            word = found.group(0) if found else None
            if word is not None:
                result.score = min(
                    max(result.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                    self.MAX_SCORE,
                )
                if result.analysis_explanation:
                    result.analysis_explanation.set_supportive_context_word(word)
                    result.analysis_explanation.set_improved_score(result.score)
            negative = getattr(recognizer, "negative_words", None)
            if negative is not None:
                close = (
                    lowered[max(0, result.start - self.negative_prefix_chars) : result.start]
                    + " "
                    + lowered[result.end : result.end + self.negative_suffix_chars]
                )
                if negative.search(close):
                    result.score = max(result.score - self.negative_factor, self.MIN_SCORE)
        return raw_results


_CONTEXT_WORDS: dict[str, re.Pattern] = {}


def _context_words(recognizer: EntityRecognizer) -> re.Pattern:
    """One expression for a recognizer's context words (lower case): a Latin word where a word
    starts, a Chinese one anywhere (no spaces between Chinese words)."""
    compiled = _CONTEXT_WORDS.get(recognizer.id)
    if compiled is None:
        words = sorted({w.lower() for w in recognizer.context or ()}, key=len, reverse=True)
        alternatives = [f"(?<![a-z]){re.escape(w)}" if w[:1].isascii() else re.escape(w) for w in words]
        compiled = _CONTEXT_WORDS[recognizer.id] = re.compile("|".join(alternatives) or "(?!)")
    return compiled


class TroupeAnalyzerEngine(AnalyzerEngine):
    """Presidio's ``AnalyzerEngine`` with one shortcut for callers that analyse many texts.

    ``analyze_all`` runs the registered recognizers, the context enhancer, the score threshold and
    Presidio's duplicate removal: the steps of ``AnalyzerEngine.analyze`` that this configuration
    uses, without the per-call registry lookup, the empty spaCy document the no-op NLP engine
    builds and a context pass per recognizer; and it skips a recognizer whose prefilter does not
    match (one search per distinct prefilter, or ``passed``: the prefilters the caller already
    found matching, e.g. by RE2 over a column) or whose gate does not.
    ``tests/platform_core/test_privacy.py`` checks on the evaluation set that it gives what
    ``AnalyzerEngine.analyze`` gives.
    """

    def analyze_all(
        self, text: str, score_threshold: float, passed: Collection[str] | None = None
    ) -> list[RecognizerResult]:
        return self.analyze_with(text, self.recognizers_for(text, passed), score_threshold)

    def recognizers_for(self, text: str, passed: Collection[str] | None = None) -> tuple[EntityRecognizer, ...]:
        """The recognizers that could find something in ``text`` (the analysis view): its
        prefilter matches (``passed``, when given, says which do) and so does its gate."""
        chosen = []
        gates: dict[str, bool] = {}
        for recognizer in self._all_recognizers():
            prefilter = getattr(recognizer, "prefilter", "")
            if prefilter:
                if passed is not None:
                    gates[prefilter] = prefilter in passed
                elif prefilter not in gates:
                    gates[prefilter] = recognizer.prefilter_regex.search(text) is not None
                if not gates[prefilter]:
                    continue
            gate = getattr(recognizer, "gate_regex", None)
            if gate is None or gate.search(text) is not None:
                chosen.append(recognizer)
        return tuple(chosen)

    def analyze_with(
        self, text: str, recognizers: Collection[EntityRecognizer], score_threshold: float
    ) -> list[RecognizerResult]:
        """The results of ``recognizers`` in ``text``, context enhanced, thresholded, deduplicated."""
        results: list[RecognizerResult] = []
        for recognizer in recognizers:
            results.extend(recognizer.analyze(text=text, entities=recognizer.supported_entities, nlp_artifacts=None))
        if results:
            results = self.context_aware_enhancer.enhance_using_context(
                text=text,
                raw_results=results,
                nlp_artifacts=self._empty_artifacts(),
                recognizers=self._all_recognizers(),
            )
            results = EntityRecognizer.remove_duplicates([r for r in results if r.score >= score_threshold])
        return results

    @cache  # noqa: B019 - one engine per process
    def _all_recognizers(self) -> list[EntityRecognizer]:
        return self.registry.get_recognizers(language=LANGUAGE, all_fields=True)

    @cache  # noqa: B019 - one engine per process
    def _empty_artifacts(self) -> NlpArtifacts:
        return self.nlp_engine.process_text("", LANGUAGE)


@cache
def engine() -> TroupeAnalyzerEngine:
    """The analyzer, built once per process (no model, no download)."""
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in RECOGNIZERS:
        registry.add_recognizer(recognizer())
    return TroupeAnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        context_aware_enhancer=WindowContextEnhancer(),
    )


def might_contain(text: str) -> bool:
    """False when no recognizer could find anything in ``text`` (the prefilter)."""
    return bool(text) and _PREFILTER.search(text) is not None


def default_threshold() -> float:
    return float(settings.PRIVACY_SCORE_THRESHOLD)


def raw_findings(text: str, threshold: float, passed: Collection[str] | None = None) -> list[Finding]:
    """Presidio's findings at or above ``threshold``, overlaps resolved, without the union prefilter."""
    return _resolve(text, engine().analyze_all(analysis_view(text), threshold, passed))


def analyze(
    text: str | None, *, threshold: float | None = None, passed: Collection[str] | None = None
) -> list[Finding]:
    """The personal data in ``text`` scoring at least ``threshold`` (``PRIVACY_SCORE_THRESHOLD``),
    in text order, no two overlapping. ``passed``: the ``PREFILTERS`` the caller found ``text``
    matches (then they are not searched again)."""
    if not text or (not passed if passed is not None else not might_contain(text)):
        return []
    return raw_findings(text, default_threshold() if threshold is None else threshold, passed)


# Between two texts analysed together: no pattern, gate or context window of the recognizers
# reaches across it (their unbounded runs stop at a line break, their bounded ones and the windows
# are shorter), and next to it a text starts and ends as it does alone. The evaluation set checks it
# (``tests/platform_core/test_privacy.py``).
_BETWEEN = "\n" + "\0" * 40 + "\n"
# Characters of texts analysed together: one regex call per pattern for a few dozen chat lines.
_TOGETHER_CHARS = 4096


def analyze_many(items: list[tuple[str, tuple[str, ...]]], threshold: float) -> list[list[Finding]]:
    """``analyze`` of each (text, the ``PREFILTERS`` it matches) at ``threshold``, a pair repeated
    among them analysed once: a batch for another process (``exports.build.analysis``).

    Texts that need the same recognizers are analysed together, joined by ``_BETWEEN``: Presidio's
    work per call and per pattern (its timing, its timeout, duplicate removal, context) is then
    shared by the group, and each text gets what it gets alone. Should a finding ever span two
    texts (a recognizer whose pattern crosses ``_BETWEEN``), that group's texts are analysed one by one."""
    analyzer = engine()
    known: dict[tuple[str, tuple[str, ...]], list[Finding]] = {}
    groups: dict[tuple[EntityRecognizer, ...], list[tuple[tuple[str, tuple[str, ...]], str]]] = {}
    for item in items:
        if item in known:
            continue
        text, passed = item
        known[item] = []
        if text and passed:
            view = analysis_view(text)
            recognizers = analyzer.recognizers_for(view, passed)
            if recognizers:
                groups.setdefault(recognizers, []).append((item, view))
    for recognizers, members in groups.items():
        for together in _batches(members):
            per_text = _analyzed_together([view for _item, view in together], recognizers, threshold)
            if per_text is None:  # a finding reached across texts: each is analysed alone
                per_text = [analyzer.analyze_with(view, recognizers, threshold) for _item, view in together]
            for (item, _view), results in zip(together, per_text, strict=True):
                known[item] = _resolve(item[0], results)
    return [known[item] for item in items]


def _analyzed_together(
    views: list[str], recognizers: tuple[EntityRecognizer, ...], threshold: float
) -> list[list[RecognizerResult]] | None:
    """The results of ``recognizers`` in each of ``views``, from one analysis of them joined by
    ``_BETWEEN``; None when a result spans more than one text (a pattern reached across)."""
    starts = list(itertools.accumulate((len(view) + len(_BETWEEN) for view in views[:-1]), initial=0))
    per_text: list[list[RecognizerResult]] = [[] for _ in views]
    for result in engine().analyze_with(_BETWEEN.join(views), recognizers, threshold):
        position = bisect.bisect_right(starts, result.start) - 1
        result.start -= starts[position]
        result.end -= starts[position]
        if result.end > len(views[position]):
            return None
        per_text[position].append(result)
    return per_text


def _batches(members: list) -> Iterator[list]:
    """``members`` (item, view) in runs of about ``_TOGETHER_CHARS`` characters."""
    batch: list = []
    size = 0
    for member in members:
        if batch and size + len(member[1]) > _TOGETHER_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(member)
        size += len(member[1]) + len(_BETWEEN)
    if batch:
        yield batch


def warm_up() -> None:
    """Build the analyzer and run each recognizer once (its patterns compile on first use)."""
    engine()
    analyze("warm up 13800000000 a@b.cn 中关村大街1号 wxid_warmup 192.168.0.1", threshold=0.5)


# On equal scores the more specific kind wins: an 18-digit number with a valid ID checksum that
# also passes Luhn is an ID number.
_SPECIFICITY = {entity: rank for rank, entity in enumerate(ENTITIES_BY_SPECIFICITY)}


def _resolve(text: str, results: list[RecognizerResult]) -> list[Finding]:
    """Overlapping findings of one kind are one finding (their union, the higher score: "+49 151
    …" read whole and as a mobile inside it); then, where findings of different kinds overlap, the
    higher score wins, then the more specific kind, then the longer span, then the earlier."""
    kept: list[RecognizerResult] = []
    order = sorted(results, key=lambda r: (-r.score, _SPECIFICITY[r.entity_type], -(r.end - r.start), r.start))
    for result in _merge_same_kind(results) if len(results) > 1 else order:
        if all(result.end <= other.start or result.start >= other.end for other in kept):
            kept.append(result)
    return [
        Finding(
            kind=r.entity_type.lower(), start=r.start, end=r.end, score=round(r.score, 4), text=text[r.start : r.end]
        )
        for r in sorted(kept, key=lambda r: r.start)
    ]


def _merge_same_kind(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """``results`` with overlapping ones of the same kind united, in resolution order."""
    merged: list[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (r.entity_type, r.start)):
        last = merged[-1] if merged else None
        if last is not None and last.entity_type == result.entity_type and result.start < last.end:
            merged[-1] = RecognizerResult(
                result.entity_type, last.start, max(last.end, result.end), max(last.score, result.score)
            )
        else:
            merged.append(result)
    return sorted(merged, key=lambda r: (-r.score, _SPECIFICITY[r.entity_type], -(r.end - r.start), r.start))


def recognizers() -> tuple[type[TroupeRecognizer], ...]:
    return RECOGNIZERS
