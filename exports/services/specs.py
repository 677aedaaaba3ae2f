"""Export specs: validating, creating and snapshotting what goes into a corpus."""

import datetime as dt
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from exports.models import SPLITS, ExportSpec

# Fields a spec may set, in the order a YAML file or a form lists them.
SPEC_FIELDS = (
    "name",
    "description",
    "sources",
    "categories",
    "languages",
    "statuses",
    "min_turns",
    "min_quality",
    "date_from",
    "date_to",
    "model_generation_min",
    "model_generation_max",
    "prompt_variants",
    "prompt_mode",
    "train_ratio",
    "validation_ratio",
    "test_ratio",
    "seed",
    "near_duplicate_threshold",
    "scrub_personal_data",
    "include_evaluation",
)


LIST_FIELDS = ("sources", "categories", "languages", "statuses", "prompt_variants")


def _normalise_spec_data(data: Any) -> dict:
    """Accept a ``split: {train, validation, test}`` mapping and single strings for list fields."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["A spec is a mapping of field names to values."]})
    data = dict(data)
    split = data.pop("split", None)
    if split is not None:
        if not isinstance(split, dict) or set(split) - set(SPLITS):
            raise ValidationError({"split": [f"Give the split as a mapping with keys {', '.join(SPLITS)}."]})
        for name, value in split.items():
            data[f"{name}_ratio"] = value
    unknown = sorted(str(key) for key in data if key not in SPEC_FIELDS)
    if unknown:
        raise ValidationError(
            {key: [f"Unknown field; a spec has {', '.join(SPEC_FIELDS)} (and split)."] for key in unknown}
        )
    for field in LIST_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = [data[field]]
    return data


def export_spec_build_unsaved(*, data: dict, created_by=None) -> ExportSpec:
    """An unsaved, fully validated spec; ``ValidationError`` names each bad field."""
    data = _normalise_spec_data(data)
    spec = ExportSpec(created_by=created_by)
    errors: dict[str, list[str]] = {}
    for field_name, value in data.items():
        field = ExportSpec._meta.get_field(field_name)
        try:
            setattr(spec, field.attname, field.clean(value, spec) if value is not None else None)
        except ValidationError as error:
            errors[field_name] = error.messages
        except (TypeError, ValueError) as error:
            errors[field_name] = [str(error)]
    if errors:
        raise ValidationError(errors)
    if not spec.name:
        spec.name = "corpus"
    spec.full_clean(exclude=["created_by"])
    return spec


def export_spec_create(*, data: dict, created_by=None) -> ExportSpec:
    spec = export_spec_build_unsaved(data=data, created_by=created_by)
    spec.save()
    return spec


def export_spec_parse_yaml(text: str) -> dict:
    """The mapping in a YAML spec file; a syntax error becomes a ``ValidationError`` with its line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValidationError({"__all__": [f"Not valid YAML{where}: {getattr(error, 'problem', error)}"]}) from error
    if data is None:
        data = {}
    return _normalise_spec_data(data)


def export_spec_from_yaml(*, text: str, created_by=None, default_name: str = "corpus") -> ExportSpec:
    data = export_spec_parse_yaml(text)
    data.setdefault("name", default_name)
    return export_spec_create(data=data, created_by=created_by)


def spec_snapshot(spec: ExportSpec) -> dict:
    snapshot = {}
    for name in SPEC_FIELDS:
        value = getattr(spec, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        snapshot[name] = value
    snapshot["spec_id"] = spec.pk
    return snapshot


def error_lines(error: ValidationError) -> list[str]:
    """``field: message`` lines for a command-line user."""
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)
