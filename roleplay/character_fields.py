"""The character's field lists: the one place that names a profile's fields (no Django imports,
so plain modules such as ``roleplay.prompting`` can use them). ``roleplay.models.Character``
defines the fields; forms, serializers, services, pages and prompts take these lists.
"""

ATTRIBUTE_FIELDS = (
    "identity",
    "interests",
    "viewpoints",
    "experiences",
    "achievements",
    "social_relationships",
    "others",
)
# Behaviours: personality and the linguistic features.
BEHAVIOUR_FIELDS = ("personality", "catchphrases", "dialect", "stylistic_features", "frequent_phrases")
# The character's profile, in the order every form, page and prompt shows it.
PROFILE_FIELDS = (*ATTRIBUTE_FIELDS, *BEHAVIOUR_FIELDS)
# What an author fills in about a character: the one field list of forms, serializers and services.
CHARACTER_FIELDS = ("name", "category", "language", *PROFILE_FIELDS, "greeting")


def filled_items(character, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, text) of each filled field of ``character``; phrase lists joined with " / "."""
    items = []
    for name in fields:
        value = getattr(character, name)
        if value:
            text = " / ".join(value) if isinstance(value, list) else value
            items.append((character._meta.get_field(name).verbose_name, text))
    return items
