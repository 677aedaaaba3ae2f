from django import forms
from django.utils.translation import gettext_lazy as _

from exports.models import BuildStatus, ExportBuild
from training.models import Hardware, ModelVersion, ServingBackend, TrainingMethod
from training.services import HYPERPARAMETERS


class TrainingJobForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    export_build = forms.ModelChoiceField(
        label=_("Export build (training data)"),
        queryset=ExportBuild.objects.filter(status=BuildStatus.PUBLISHED).select_related("spec").order_by("-version"),
    )
    base_model = forms.CharField(
        label=_("Base model directory"), max_length=500, help_text=_("A local Hugging Face model directory.")
    )
    method = forms.ChoiceField(label=_("Method"), choices=TrainingMethod.choices, initial=TrainingMethod.LORA)
    hardware = forms.ChoiceField(label=_("Hardware"), choices=Hardware.choices, initial=Hardware.CPU)
    num_gpus = forms.IntegerField(label=_("GPUs"), min_value=1, max_value=64, initial=1)
    epochs = forms.FloatField(label=_("Epochs"), initial=1.0, min_value=0.01)
    max_steps = forms.IntegerField(label=_("Max steps (-1: by epochs)"), initial=-1, min_value=-1)
    learning_rate = forms.FloatField(label=_("Learning rate (empty: 2e-4 LoRA, 2e-5 full)"), required=False)
    batch_size = forms.IntegerField(label=_("Batch size per device"), initial=4, min_value=1)
    max_length = forms.IntegerField(label=_("Max length (tokens)"), initial=1024, min_value=16)
    packing = forms.BooleanField(label=_("Packing"), initial=True, required=False)
    liger = forms.BooleanField(
        label=_("Liger kernels (GPU)"),
        initial=False,
        required=False,
        help_text=_("Fused RMSNorm, SwiGLU and RoPE kernels: faster and smaller on a GPU; needs liger-kernel."),
    )
    torch_compile = forms.BooleanField(
        label=_("torch.compile"),
        initial=False,
        required=False,
        help_text=_(
            "Compiles the model; packed batches are padded to one length. The fastest setting "
            "measured on a GPU; the first steps wait for the compilation."
        ),
    )
    lora_r = forms.IntegerField(label=_("LoRA rank"), initial=16, min_value=1)
    lora_alpha = forms.IntegerField(label=_("LoRA alpha"), initial=32, min_value=1)
    lora_targets = forms.CharField(label=_("LoRA target modules"), initial="all-linear")
    seed = forms.IntegerField(label=_("Seed"), initial=42, min_value=0)
    save_steps = forms.IntegerField(label=_("Checkpoint every N steps"), initial=50, min_value=1)

    def hyperparameters(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in HYPERPARAMETERS
            if name in self.cleaned_data and self.cleaned_data[name] is not None
        }


class ServingForm(forms.Form):
    serving_backend = forms.ChoiceField(label=_("Serving backend"), choices=ServingBackend.choices)
    endpoint_url = forms.URLField(label=_("Endpoint URL"), required=False, assume_scheme="http")
    served_name = forms.CharField(label=_("Served model name"), required=False, max_length=200)
    runtime_lora = forms.BooleanField(
        label=_("Load the adapter on the server at deploy (vLLM with runtime LoRA updating)"), required=False
    )
    server_adapter_path = forms.CharField(label=_("Adapter path on the server"), required=False, max_length=500)
    temperature = forms.FloatField(label=_("Temperature"), min_value=0, max_value=2)
    top_p = forms.FloatField(label=_("Top p"), min_value=0, max_value=1)
    max_new_tokens = forms.IntegerField(label=_("Max new tokens"), min_value=1, max_value=4096)
    repetition_penalty = forms.FloatField(label=_("Repetition penalty"), min_value=0.5, max_value=2, required=False)

    @classmethod
    def for_version(cls, version: ModelVersion, data=None) -> "ServingForm":
        settings = version.generation_settings or {}
        initial = {
            "serving_backend": version.serving_backend,
            "endpoint_url": version.endpoint_url,
            "served_name": version.served_name,
            "runtime_lora": version.runtime_lora,
            "server_adapter_path": version.server_adapter_path,
            **{k: settings.get(k) for k in ("temperature", "top_p", "max_new_tokens", "repetition_penalty")},
        }
        return cls(data, initial=initial)

    def generation_settings(self) -> dict:
        names = ("temperature", "top_p", "max_new_tokens", "repetition_penalty")
        return {k: self.cleaned_data[k] for k in names if self.cleaned_data.get(k) is not None}
