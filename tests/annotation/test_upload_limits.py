"""Uploads and imports: NUL anywhere, oversized files, zip bombs, too many chapters and UTF-16 without a BOM."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.extraction import UndecodableText, decode_text, epub_text
from annotation.models import LiteraryWork, SynthesisBatch

pytestmark = pytest.mark.django_db

NOVEL = "第一回 探病\n宝玉笑道：“妹妹今日可好些了？”黛玉道：“好不好的，与你什么相干。”\n"


def upload_work(client, data: bytes, name="novel.txt"):
    return client.post(
        reverse("annotation:work-upload"),
        {"title": "t", "language": "zh-hans", "file": SimpleUploadedFile(name, data)},
    )


def import_record(**character) -> dict:
    return {
        "character": {"name": "阿青", "category": "daily_life", "language": "zh-hans", "identity": "护士", **character},
        "topic": "夜班",
        "player": {"name": "病人", "description": "住院的年轻人"},
        "turns": [{"speaker": "player", "text": "睡不着。"}, {"speaker": "character", "text": "喝点水吧。"}],
    }


def test_a_work_with_a_nul_after_the_first_4000_bytes_is_refused(client, admin_user):
    client.force_login(admin_user)
    data = ("a plain line of text\n" * 300).encode() + b"\x00" + b"more text\n"
    assert len(data) > 4001
    response = upload_work(client, data)
    assert response.status_code == 400
    assert "NUL" in response.context["form"].errors["file"][0]
    assert not LiteraryWork.objects.exists()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_chinese_utf16_without_a_bom_is_detected(codec):
    decoded = decode_text((NOVEL * 20).encode(codec))
    assert decoded.encoding == codec
    assert decoded.text == NOVEL * 20


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_latin_utf16_without_a_bom_is_detected(codec):
    text = "Mary: Where is the lantern?\nTom: On the shelf.\n" * 20
    assert decode_text(text.encode(codec)).text == text


def test_gbk_is_still_read_as_gbk_not_as_utf16():
    assert decode_text((NOVEL * 20).encode("gbk")).encoding == "gb18030"


def test_a_file_over_the_upload_limit_is_refused_before_it_is_decoded(client, admin_user, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(admin_user)
    response = upload_work(client, NOVEL.encode() * 40)
    assert response.status_code == 400
    assert "limit" in response.context["form"].errors["file"][0]
    assert not LiteraryWork.objects.exists()


def _zip_bomb(unpacked: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("OEBPS/big.xhtml", b"<p>" + b"a" * unpacked + b"</p>")
    return buffer.getvalue()


def test_an_epub_that_unpacks_past_the_limit_is_refused_unread(settings):
    settings.EPUB_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = _zip_bomb(5 * 1024 * 1024)
    assert len(bomb) < 20_000
    with pytest.raises(UndecodableText, match="unpacks to 5 MB; the limit is 1 MB"):
        epub_text(bomb)


def test_a_work_with_too_many_chapters_is_refused(client, admin_user, settings):
    settings.LITERARY_WORK_MAX_CHAPTERS = 3
    client.force_login(admin_user)
    text = "".join(f"Chapter {n}\nMary: Hello.\nTom: Hi.\n" for n in range(1, 6))
    response = upload_work(client, text.encode())
    assert response.status_code == 400
    assert "5 chapters; the limit is 3" in response.context["form"].errors["file"][0]


def test_the_jsonl_import_page_refuses_a_nul_naming_line_and_field(client, researcher):
    client.force_login(researcher)
    body = json.dumps(import_record(identity="护\x00士"), ensure_ascii=False).encode()
    response = client.post(
        reverse("annotation:batch-import"),
        {"name": "up", "llm_model": "gpt-4", "file": SimpleUploadedFile("b.jsonl", body)},
    )
    assert response.status_code == 400
    assert "line 1, field character.identity" in response.content.decode()
    assert not SynthesisBatch.objects.exists()


def test_import_synthesis_reports_a_nul_as_a_line_error(tmp_path, admin_user):
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps(import_record(name="阿\x00青")), encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 1, field character\.name.*NUL"):
        call_command("import_synthesis", str(path), "--name", "cli")
    assert not SynthesisBatch.objects.exists()
