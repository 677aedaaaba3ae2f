"""The export_corpus management command: default spec, YAML spec, bad spec, progress bar."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from exports.models import ExportBuild
from platform_core.models import AuditEvent


def test_without_spec_exports_every_accepted_dialogue_in_the_documented_layout(corpus, tmp_path):
    out = tmp_path / "corpus"
    stderr, stdout = StringIO(), StringIO()
    call_command("export_corpus", "--out", str(out), stdout=stdout, stderr=stderr)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", "DATASHEET.md", "dataset_info.json", "turns_per_dialogue.png", "train", "validation", "test"]
    )
    for split in ("train", "validation", "test"):
        assert sorted(p.name for p in (out / split).iterdir()) == [
            "characterglm.jsonl",
            "messages.jsonl",
            "turns.parquet",
        ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["dialogues"] == len(corpus)
    assert manifest["spec"]["statuses"] == ["accepted"]
    assert (manifest["spec"]["train_ratio"], manifest["spec"]["seed"]) == (0.8, 0)
    assert "100%" in stderr.getvalue()  # the progress bar reached the end
    assert "Published v1" in stdout.getvalue()
    build = ExportBuild.objects.get()
    assert build.directory == str(out.resolve())
    assert AuditEvent.objects.filter(action="export.build", target_id=str(build.pk)).exists()
    assert not list(tmp_path.glob(".tmp-*"))


def test_yaml_spec_selects_and_splits(corpus, tmp_path):
    spec = tmp_path / "small.yaml"
    spec.write_text(
        "name: warm lighthouse\nmin_turns: 3\nprompt_variants: [profile, written]\n"
        "split: {train: 0.5, validation: 0.25, test: 0.25}\nseed: 11\n"
    )
    out = tmp_path / "out"
    call_command("export_corpus", "--spec", str(spec), "--out", str(out), "--no-progress", stdout=StringIO())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["name"] == "warm lighthouse" and manifest["spec"]["seed"] == 11
    assert manifest["counts"]["splits"]["validation"]["characters"] >= 2


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("min_turns: lots\n", "min_turns:"),
        ("statuses: [accepted, shiny]\n", "statuses: Unknown statuses: shiny"),
        (
            "split: {train: 0.9, validation: 0.5, test: 0.1}\n",
            "train_ratio: Train, validation and test shares must add up to 1.",
        ),
        ("colour: blue\n", "colour: Unknown field"),
        ("name: [unclosed\n", "Not valid YAML (line 2"),
        ("- just\n- a list\n", "A spec is a mapping"),
        ("date_from: 2024-05-01\ndate_to: 2024-01-01\n", "date_to: The end date comes before the start date."),
    ],
)
def test_bad_yaml_spec_names_the_field_and_builds_nothing(db, tmp_path, yaml_text, expected):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml_text)
    with pytest.raises(CommandError) as raised:
        call_command("export_corpus", "--spec", str(spec), "--out", str(tmp_path / "out"), "--no-progress")
    assert expected in str(raised.value)
    assert not (tmp_path / "out").exists() and ExportBuild.objects.count() == 0


def test_refuses_a_non_empty_output_directory(db, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("export_corpus", "--out", str(out), "--no-progress")
    assert (out / "keep.txt").read_text() == "mine"
