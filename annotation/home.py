from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.roles import Role

CAPABILITIES = (
    Capability(
        (Role.ANNOTATOR, Role.ADMIN),
        _("Rewrite review"),
        _("Rewrite LLM-synthesised dialogues into spoken style, and accept or reject them."),
        "annotation:review-queue",
    ),
    Capability(
        (Role.ANNOTATOR, Role.ADMIN),
        _("Dialogue review"),
        _("Read live role-play, literary and human–machine dialogues, rate them, and accept or reject them."),
        "annotation:dialogue-review-queue",
    ),
    Capability(
        (Role.ANNOTATOR, Role.ADMIN),
        _("Literary extraction"),
        _("Extract two-party dialogues and both speakers' profiles from novels and scripts."),
        "annotation:extraction-queue",
    ),
    Capability(
        (Role.CROWDWORKER, Role.ADMIN),
        _("Character prompts"),
        _("Write character prompts from profiles, and review their LLM variants."),
        "annotation:prompt-queue",
    ),
    Capability(
        (Role.RESEARCHER, Role.ADMIN),
        _("Synthesis batches"),
        _("Generate characters and dialogues with an LLM, or import a JSONL batch."),
        "annotation:batch-list",
    ),
    Capability(
        (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER),
        _("Literary works"),
        _("Uploaded novels and scripts, their chapters and extraction progress."),
        "annotation:work-list",
    ),
    Capability(
        (Role.ADMIN,),
        _("Adjudication"),
        _("Settle dialogues whose reviewers disagreed."),
        "annotation:adjudication-list",
    ),
    Capability(
        (Role.ADMIN,),
        _("Annotation quality"),
        _("Worker statistics, gold tasks, reviewer agreement; block or unblock a worker."),
        "annotation:quality",
    ),
)
