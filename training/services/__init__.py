"""Writes for training, one module per concern.

- ``jobs``: job records (validate and create, cancel, resume) and the hyperparameters a job sets.
- ``supervision``: the runner subprocess (command, run loop, metrics ingest, stop).
- ``registry``: the model a finished job produced, its model card and serving settings.
- ``deployment``: which model version is deployed, and rollback.
"""

from training.services.deployment import deployment_rollback, model_version_deploy
from training.services.jobs import (
    HYPERPARAMETERS,
    JobRefused,
    base_model_check,
    hyperparameters_clean,
    training_job_cancel,
    training_job_create,
    training_job_resume,
    worker_alive,
)
from training.services.registry import (
    export_max_generation,
    model_card_markdown,
    model_version_register,
    model_version_update_serving,
)
from training.services.supervision import runner_command, training_job_run

__all__ = [
    "HYPERPARAMETERS",
    "JobRefused",
    "base_model_check",
    "deployment_rollback",
    "export_max_generation",
    "hyperparameters_clean",
    "model_card_markdown",
    "model_version_deploy",
    "model_version_register",
    "model_version_update_serving",
    "runner_command",
    "training_job_cancel",
    "training_job_create",
    "training_job_resume",
    "training_job_run",
    "worker_alive",
]
