"""The model registry: registering the model a job produced, its model card, its serving settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from exports.models import ExportBuild
from platform_core.models import User
from platform_core.services import audit_record
from training.models import ModelVersion, TrainingJob, validate_generation_settings


def export_max_generation(build: ExportBuild) -> int:
    """The highest model generation among the turns of the build's train and validation splits (0 if none)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from exports.selectors import build_split_path

    highest = 0
    for split in ("train", "validation"):
        try:
            path = build_split_path(build, split, "parquet")
        except ValueError:
            continue
        if not path.exists():
            continue
        column = pq.read_table(path, columns=["model_generation"]).column("model_generation")
        value = pc.max(column).as_py() if len(column) else None
        if value is not None:
            highest = max(highest, int(value))
    return highest


def _unique_name(base: str) -> str:
    name = slugify(base)[:180] or "model"
    candidate, number = name, 2
    while ModelVersion.objects.filter(name=candidate).exists():
        candidate, number = f"{name}-{number}", number + 1
    return candidate


def model_card_markdown(*, version: ModelVersion, job: TrainingJob | None, result: dict[str, Any]) -> str:
    build = version.export_build
    rows = [
        ("Base model", version.base_model),
        ("Method", version.get_method_display() if version.method else "—"),
        ("Generation", str(version.generation)),
        ("Training data", f"export v{build.version} ({build.spec.name})" if build else "—"),
        ("Dialogues / turns", f"{build.dialogue_count} / {build.turn_count}" if build else "—"),
        ("Weights", version.weights_path or "—"),
    ]
    metric_rows = [(key, f"{value:.4f}" if isinstance(value, float) else str(value)) for key, value in result.items()]
    lines = [f"# {version.name}", "", "Character role-play chat model fine-tuned by Troupe (CharacterGLM method).", ""]
    lines += ["| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows], ""]
    lines += ["## Hyperparameters", "", "```json", json.dumps(version.hyperparameters, indent=2), "```", ""]
    lines += ["## Results", "", "| metric | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in metric_rows], ""]
    lines += [
        "## Intended use",
        "",
        "Playing characters in human–machine collection rounds and evaluation campaigns. The loss was computed on "
        "the character's turns only; the player's turns and the character prompt are context.",
        "",
    ]
    if job is not None:
        lines += [f"Trained by training job #{job.pk} ({job.name}) on {job.get_hardware_display()}.", ""]
    return "\n".join(lines)


def model_version_register(*, job: TrainingJob, result: dict[str, Any]) -> ModelVersion:
    """Register the model a finished job produced: generation = 1 + the highest generation in its data."""
    metrics = {k: v for k, v in result.items() if k in ("final_step", "train_loss", "eval_loss", "eval_perplexity")}
    metrics.update({k: v for k, v in result.items() if k in ("tokens_seen", "train_runtime_s", "peak_gpu_mem_mb")})
    version = ModelVersion(
        name=_unique_name(job.name),
        base_model=job.base_model,
        weights_path=str(result.get("output") or Path(job.output_dir) / "final"),
        generation=export_max_generation(job.export_build) + 1,
        method=job.method,
        export_build=job.export_build,
        hyperparameters=job.hyperparameters,
        metrics=metrics,
        created_by=job.creator,
    )
    version.model_card = model_card_markdown(version=version, job=job, result=metrics)
    version.full_clean()
    version.save()
    return version


def model_version_update_serving(
    *,
    version: ModelVersion,
    actor: User | None,
    generation_settings: dict[str, Any] | None = None,
    serving_backend: str | None = None,
    endpoint_url: str | None = None,
    served_name: str | None = None,
    runtime_lora: bool | None = None,
    server_adapter_path: str | None = None,
) -> ModelVersion:
    if generation_settings is not None:
        try:
            validate_generation_settings(generation_settings)
        except ValidationError as error:
            raise ValidationError({"generation_settings": error.messages}) from None
        version.generation_settings = generation_settings
    if serving_backend is not None:
        version.serving_backend = serving_backend
    if endpoint_url is not None:
        version.endpoint_url = endpoint_url
    if served_name is not None:
        version.served_name = served_name
    if runtime_lora is not None:
        version.runtime_lora = runtime_lora
    if server_adapter_path is not None:
        version.server_adapter_path = server_adapter_path
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="training.model_serving_update",
        target=version,
        details={
            "generation_settings": version.generation_settings,
            "backend": version.serving_backend,
            "runtime_lora": version.runtime_lora,
        },
    )
    return version
