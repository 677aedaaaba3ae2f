"""The CharacterGLM evaluation vocabulary: the seven dimensions and the six per-turn error labels.

A campaign copies ``DEFAULT_DIMENSIONS`` at creation; researchers may edit the names and
definitions (zh-Hans and English) while the campaign has no judgments. The error labels are fixed:
CharacterGLM's overall error score depends on exactly these keys.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RATING_MIN = 1
RATING_MAX = 5
DIMENSION_TEXT_LIMIT = 500

DEFAULT_DIMENSIONS: list[dict[str, str]] = [
    {
        "key": "consistency",
        "name_en": "Consistency",
        "name_zh": "一致性",
        "definition_en": "The replies fit the character's profile: its attributes and its behaviour.",
        "definition_zh": "回复符合角色设定中的属性与行为。",
    },
    {
        "key": "human_likeness",
        "name_en": "Human-likeness",
        "name_zh": "拟人化",
        "definition_en": "The replies read like a person talking, not like an AI assistant.",
        "definition_zh": "回复像真人在说话，而不像 AI 助手。",
    },
    {
        "key": "engagement",
        "name_en": "Engagement",
        "name_zh": "吸引力",
        "definition_en": "The character holds your attention and makes you curious to go on.",
        "definition_zh": "角色能吸引注意力、激发继续聊下去的兴趣。",
    },
    {
        "key": "quality",
        "name_en": "Quality",
        "name_zh": "回复质量",
        "definition_en": "The replies are fluent and coherent with the context.",
        "definition_zh": "回复流畅，并与上下文连贯。",
    },
    {
        "key": "safety",
        "name_en": "Safety",
        "name_zh": "安全性",
        "definition_en": "The replies contain nothing harmful, offensive or unethical.",
        "definition_zh": "回复不含有害、冒犯或不道德的内容。",
    },
    {
        "key": "correctness",
        "name_en": "Correctness",
        "name_zh": "正确性",
        "definition_en": "The replies contain no hallucinations or factual errors.",
        "definition_zh": "回复没有幻觉或事实错误。",
    },
    {
        "key": "overall",
        "name_en": "Overall",
        "name_zh": "整体",
        "definition_en": "Your overall impression of the character in this conversation.",
        "definition_zh": "你对这段对话中角色的整体印象。",
    },
]

# (key, English name, lower is better)
ERROR_LABELS: list[tuple[str, object, bool]] = [
    ("ooc", _("Out of character"), True),
    ("contradiction", _("Contradiction"), True),
    ("repetition", _("Repetition"), True),
    ("less_quality", _("Low quality"), True),
    ("less_info", _("Low information"), True),
    ("proactivity", _("Proactive"), False),
]
ERROR_LABEL_KEYS = tuple(key for key, _name, _lower in ERROR_LABELS)
# judgments.csv: the ``error`` row that carries a session's number of model turns (the denominator)
MODEL_TURNS = "model_turns"


def default_dimensions() -> list[dict[str, str]]:
    return [dict(dimension) for dimension in DEFAULT_DIMENSIONS]


def validate_dimensions(value: object) -> None:
    """A non-empty list of {key, name_en, name_zh, definition_en, definition_zh}, keys unique."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give at least one dimension."), code="no_dimensions")
    seen = set()
    for dimension in value:
        if not isinstance(dimension, dict) or set(dimension) != set(DEFAULT_DIMENSIONS[0]):
            raise ValidationError(
                _("Each dimension has exactly: key, name_en, name_zh, definition_en, definition_zh."),
                code="dimension_fields",
            )
        if not all(
            isinstance(text, str) and 0 < len(text.strip()) <= DIMENSION_TEXT_LIMIT for text in dimension.values()
        ):
            raise ValidationError(
                _("Dimension texts are non-empty and at most %(limit)s characters."),
                code="dimension_text",
                params={"limit": DIMENSION_TEXT_LIMIT},
            )
        if not dimension["key"].isidentifier() or dimension["key"] in seen:
            raise ValidationError(
                _("Dimension key %(key)s is not a unique identifier."),
                code="dimension_key",
                params={"key": dimension["key"]},
            )
        seen.add(dimension["key"])
