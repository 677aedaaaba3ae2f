"""Character prompts in the CharacterGLM-6B inference format.

``session_meta = {bot_name, bot_info, user_name, user_info}``; the prompt is
``以下是一段{bot_name}和{user_name}之间的对话。`` then ``关于{bot_name}的信息：{bot_info}`` and
``关于{user_name}的信息：{user_info}`` when present, then the turns ``[{name}]{text}``, all joined
by newlines (a newline inside a segment becomes a space), ending with ``[{bot_name}]``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from roleplay.character_fields import PROFILE_FIELDS

if TYPE_CHECKING:
    from roleplay.models import Character, PlayerPersona


@dataclass(frozen=True)
class SessionMeta:
    bot_name: str
    bot_info: str
    user_name: str
    user_info: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "bot_name": self.bot_name,
            "bot_info": self.bot_info,
            "user_name": self.user_name,
            "user_info": self.user_info,
        }


def _one_line(segment: str) -> str:
    return segment.replace("\r\n", "\n").replace("\n", " ")


def characterglm_prompt(meta: SessionMeta, turns: Iterable[tuple[str, str]]) -> str:
    """Render ``meta`` and ``(speaker_name, text)`` turns into the text the model continues."""
    lines = [_one_line(f"以下是一段{meta.bot_name}和{meta.user_name}之间的对话。")]
    if meta.bot_info:
        lines.append(_one_line(f"关于{meta.bot_name}的信息：{meta.bot_info}"))
    if meta.user_info:
        lines.append(_one_line(f"关于{meta.user_name}的信息：{meta.user_info}"))
    lines.extend(_one_line(f"[{name}]{text}") for name, text in turns)
    lines.append(_one_line(f"[{meta.bot_name}]"))
    return "\n".join(lines)


_PROFILE_LABELS = {
    "zh-hans": {
        "identity": "身份",
        "interests": "兴趣",
        "viewpoints": "观点",
        "experiences": "经历",
        "achievements": "成就",
        "social_relationships": "社会关系",
        "others": "其他",
        "catchphrases": "口头禅",
        "dialect": "方言",
        "stylistic_features": "语言风格",
        "frequent_phrases": "常用词句",
        "personality": "性格",
        "sep": "：",
        "list_sep": "、",
        "end": "。",
    },
    "en": {
        "identity": "Identity",
        "interests": "Interests",
        "viewpoints": "Viewpoints",
        "experiences": "Experiences",
        "achievements": "Achievements",
        "social_relationships": "Social relationships",
        "others": "Other",
        "catchphrases": "Catchphrases",
        "dialect": "Dialect",
        "stylistic_features": "Style of speech",
        "frequent_phrases": "Frequent words and sentences",
        "personality": "Personality",
        "sep": ": ",
        "list_sep": ", ",
        "end": ".",
    },
}


def profile_text(character: "Character") -> str:
    """The ``profile`` prompt: the structured fields as labelled sentences, in the character's language."""
    labels = _PROFILE_LABELS.get(character.language, _PROFILE_LABELS["en"])
    parts = []
    for field in PROFILE_FIELDS:
        value = getattr(character, field)
        if isinstance(value, list):
            value = labels["list_sep"].join(value)
        value = value.strip()
        if not value:
            continue
        if not value.endswith(("。", ".", "！", "!", "？", "?")):
            value += labels["end"]
        parts.append(f"{labels[field]}{labels['sep']}{value}")
    return ("" if character.language == "zh-hans" else " ").join(parts)


def session_meta_for(
    character: "Character", persona: "PlayerPersona | None", *, bot_info: str | None = None
) -> SessionMeta:
    default_user = "用户" if character.language == "zh-hans" else "User"
    return SessionMeta(
        bot_name=character.name,
        bot_info=profile_text(character) if bot_info is None else bot_info,
        user_name=persona.name if persona else default_user,
        user_info=persona.description if persona else "",
    )
