"""Deploying a version served by a vLLM with runtime LoRA loading loads its adapter; replacing it unloads it."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from tests.factories import ModelVersionFactory
from training.models import Deployment
from training.selectors import active_model_version
from training.services import JobRefused, deployment_rollback, model_version_deploy, model_version_update_serving


class _LoopbackVllm:
    """The two adapter endpoints of a vLLM server, keeping which adapters are loaded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.loaded: dict[str, str] = {}
        self.refuse_loading = False
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                state.calls.append((self.path, body))
                if self.path == "/v1/load_lora_adapter" and not state.refuse_loading:
                    state.loaded[body["lora_name"]] = body["lora_path"]
                    self._answer(200, "Success: LoRA adapter loaded")
                elif self.path == "/v1/unload_lora_adapter" and body["lora_name"] in state.loaded:
                    del state.loaded[body["lora_name"]]
                    self._answer(200, "Success: LoRA adapter unloaded")
                else:
                    self._answer(400, "internal detail: /secret/path not found")

            def _answer(self, status: int, text: str) -> None:
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"


@pytest.fixture
def vllm():
    server = _LoopbackVllm()
    yield server
    server.server.shutdown()


def _adapter_version(vllm, name: str, **fields):
    return ModelVersionFactory(
        serving_backend="openai",
        endpoint_url=vllm.url,
        served_name=name,
        runtime_lora=True,
        weights_path=f"/data/training/{name}/final",
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_deploy_loads_the_adapter_and_rollback_unloads_it(vllm):
    first = _adapter_version(vllm, "gen1-lora")
    second = _adapter_version(vllm, "gen2-lora", server_adapter_path="/models/adapters/gen2")

    model_version_deploy(version=first, actor=None)
    assert vllm.loaded == {"gen1-lora": "/data/training/gen1-lora/final"}

    model_version_deploy(version=second, actor=None)
    assert vllm.loaded == {"gen2-lora": "/models/adapters/gen2"}  # the server's path; the replaced one unloaded

    deployment_rollback(actor=None)
    assert vllm.loaded == {"gen1-lora": "/data/training/gen1-lora/final"}
    assert active_model_version() == first
    assert [path for path, _body in vllm.calls] == [
        "/v1/load_lora_adapter",
        "/v1/load_lora_adapter",
        "/v1/unload_lora_adapter",
        "/v1/load_lora_adapter",
        "/v1/unload_lora_adapter",
    ]


@pytest.mark.django_db(transaction=True)
def test_an_adapter_the_server_cannot_load_leaves_the_active_model_in_place(vllm):
    first = _adapter_version(vllm, "gen1-lora")
    model_version_deploy(version=first, actor=None)
    vllm.refuse_loading = True

    with pytest.raises(JobRefused) as refused:
        model_version_deploy(version=_adapter_version(vllm, "gen2-lora"), actor=None)

    assert refused.value.code == "adapter_load_failed"
    assert "HTTP 400" in refused.value.message and "secret" not in refused.value.message  # the body stays in the log
    assert active_model_version() == first and Deployment.objects.count() == 1
    assert vllm.loaded == {"gen1-lora": "/data/training/gen1-lora/final"}


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_server_refuses_the_deploy_with_a_clear_code(vllm):
    version = _adapter_version(vllm, "gen1-lora")
    vllm.server.shutdown()
    vllm.server.server_close()
    with pytest.raises(JobRefused, match="could not be reached"):
        model_version_deploy(version=version, actor=None)
    assert not Deployment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_versions_without_runtime_loading_are_deployed_without_calling_the_server(vllm):
    plain = ModelVersionFactory(serving_backend="openai", endpoint_url=vllm.url, served_name="gen1-lora")
    model_version_deploy(version=plain, actor=None)
    model_version_deploy(version=_adapter_version(vllm, "gen2-lora"), actor=None)
    model_version_deploy(version=plain, actor=None)
    assert [path for path, _body in vllm.calls] == ["/v1/load_lora_adapter", "/v1/unload_lora_adapter"]


@pytest.mark.django_db
def test_runtime_loading_needs_an_openai_endpoint_and_a_served_name():
    version = ModelVersionFactory(serving_backend="local", weights_path="/data/adapter")
    with pytest.raises(ValidationError) as error:
        model_version_update_serving(version=version, actor=None, runtime_lora=True)
    assert "runtime_lora" in error.value.message_dict
    version.refresh_from_db()
    assert not version.runtime_lora


@pytest.mark.django_db
def test_the_api_sets_runtime_loading_and_reports_a_failed_load(vllm, researcher):
    version = ModelVersionFactory(weights_path="/data/training/gen3/final")
    client = APIClient()
    client.force_authenticate(researcher)
    response = client.patch(
        f"/api/training/models/{version.pk}/",
        {"serving_backend": "openai", "endpoint_url": vllm.url, "served_name": "gen3-lora", "runtime_lora": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["runtime_lora"] is True

    vllm.refuse_loading = True
    response = client.post(f"/api/training/models/{version.pk}/deploy/")
    assert response.status_code in (400, 409)
    assert response.json()["code"] == "adapter_load_failed"
