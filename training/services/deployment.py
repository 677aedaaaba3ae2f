"""Deployment: which model version plays the character in human–machine rounds, and rollback."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from platform_core.services import audit_record
from training.lora_adapters import AdapterError, adapter_load, adapter_unload_quietly
from training.models import Deployment, ModelVersion
from training.services.jobs import JobRefused


@transaction.atomic
def model_version_deploy(*, version: ModelVersion, actor: User | None, note: str = "") -> Deployment:
    """Make ``version`` the model for human–machine rounds, atomically retiring the active one."""
    if version.serving_backend == "local" and version.weights_path and not Path(version.weights_path).exists():
        raise ValidationError(
            {"model_version": _("The model's weights are missing: %(p)s") % {"p": version.weights_path}}
        )
    # Lock the active row (if any) so two concurrent deploys serialise instead of both winning.
    current = Deployment.objects.select_for_update().filter(active=True).first()
    if current is not None and current.model_version_id == version.pk:
        raise JobRefused("already_active", _("This model version is already deployed."))
    if version.runtime_lora:
        # Before the switch: a server that cannot load the adapter leaves the active model in place.
        try:
            adapter_load(version)
        except AdapterError as error:
            raise JobRefused("adapter_load_failed", str(error)) from None
    replaced = current.model_version if current is not None else None
    if replaced is not None and replaced.runtime_lora:
        transaction.on_commit(lambda: adapter_unload_quietly(replaced))
    if current is not None:
        current.active = False
        current.retired_at = timezone.now()
        current.save(update_fields=["active", "retired_at"])
    deployment = Deployment.objects.create(
        model_version=version, active=True, previous=current, note=note[:300], deployed_by=actor
    )
    audit_record(
        actor=actor,
        action="training.deploy",
        target=version,
        details={"deployment": deployment.pk, "replaced": current.model_version_id if current else None},
    )
    return deployment


@transaction.atomic
def deployment_rollback(*, actor: User | None) -> Deployment:
    """Put back the model the active deployment replaced."""
    current = Deployment.objects.select_for_update().filter(active=True).first()
    if current is None or current.previous is None:
        raise JobRefused("nothing_to_roll_back", _("There is no earlier deployment to roll back to."))
    return model_version_deploy(version=current.previous.model_version, actor=actor, note=_("Rollback"))
