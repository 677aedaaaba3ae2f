"""LoRA adapters on a vLLM server that loads them at run time, for deploy and rollback.

vLLM started with ``--enable-lora`` and ``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`` serves adapters
it is told about through ``POST /v1/load_lora_adapter`` (``lora_name``, ``lora_path``) and
forgets them through ``POST /v1/unload_lora_adapter`` (``lora_name``). A model version with
``runtime_lora`` set is such an adapter: ``lora_name`` is its served name, ``lora_path`` where the
server finds its files (``server_adapter_path``, else ``weights_path``).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from training import conf
from training.models import ModelVersion

logger = logging.getLogger(__name__)

TIMEOUT_S = 120.0  # loading reads the adapter's weights onto the GPU


class AdapterError(Exception):
    """The server refused or could not be reached; the message is safe to show to researchers."""


def _admin_url(version: ModelVersion, action: str) -> str:
    """``…/v1/<action>`` on the version's server (its endpoint URL usually already ends in /v1)."""
    base = version.endpoint_url.rstrip("/")
    return f"{base if base.endswith('/v1') else base + '/v1'}/{action}"


def _post(version: ModelVersion, action: str, payload: dict) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {conf.inference_api_key()}"} if conf.inference_api_key() else {}
    url = _admin_url(version, action)
    try:
        response = httpx.post(url, json=payload, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as error:
        logger.warning("LoRA %s at %s failed: %s", action, url, error)
        raise AdapterError(_("The serving endpoint could not be reached.")) from error
    if response.status_code >= 400:
        # The server's own words stay in the log: they can carry internal details.
        logger.warning("LoRA %s at %s answered %s: %s", action, url, response.status_code, response.text[:500])
        raise AdapterError(
            _("The serving endpoint refused to %(action)s the adapter (HTTP %(status)d).")
            % {"action": _("load") if action.startswith("load") else _("unload"), "status": response.status_code}
        )


def adapter_load(version: ModelVersion) -> None:
    _post(
        version,
        "load_lora_adapter",
        {"lora_name": version.served_name, "lora_path": version.server_adapter_path or version.weights_path},
    )


def adapter_unload(version: ModelVersion) -> None:
    _post(version, "unload_lora_adapter", {"lora_name": version.served_name})


def adapter_unload_quietly(version: ModelVersion) -> None:
    """After a switch has committed: a failed unload leaves the adapter loaded and is only logged."""
    try:
        adapter_unload(version)
    except AdapterError:
        logger.warning("adapter %s of model version %s stays loaded", version.served_name, version.pk)
