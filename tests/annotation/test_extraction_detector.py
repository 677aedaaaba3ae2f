import codecs
import json

import pytest
from django.core.management import CommandError, call_command

from annotation.extraction import UndecodableText, decode_text, detect_candidates, split_chapters

ZH = "第一回 灵石\n宝玉笑道：“妹妹可曾读过这本书？”黛玉道：“不曾读过，你讲给我听。”\n宝玉听了，忙说：“这书里说的都是些神仙故事。”"
TRADITIONAL = "寶玉笑道：「妹妹可曾讀過這本書？」黛玉道：「不曾讀過，你講給我聽。」這是一個很長的故事，我們慢慢說。"


def test_utf8_text_is_read_as_utf8():
    assert decode_text(ZH.encode("utf-8")) == decode_text(codecs.BOM_UTF8 + ZH.encode("utf-8"))
    assert decode_text(ZH.encode("utf-8")).encoding == "utf-8"


def test_gbk_sample_is_detected():
    decoded = decode_text(ZH.encode("gbk"))
    assert decoded.text == ZH
    assert decoded.encoding == "gb18030"


def test_big5_sample_is_detected():
    decoded = decode_text(TRADITIONAL.encode("big5"))
    assert decoded.text == TRADITIONAL
    assert decoded.encoding == "big5"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom_is_detected(encoding):
    english = "HAMLET. Who's there?\nHORATIO. Friends to this ground.\n"
    assert decode_text(english.encode(encoding)).text == english
    assert decode_text(ZH.encode("utf-16")).text == ZH


def test_binary_and_empty_files_get_a_clear_error():
    with pytest.raises(UndecodableText, match="binary"):
        decode_text(bytes(range(256)) * 4)
    with pytest.raises(UndecodableText, match="empty"):
        decode_text(b"   ")
    with pytest.raises(UndecodableText, match="Save it as UTF-8"):
        decode_text("Ça, c'est très français — naïve café".encode("cp1252") + b"\x81\x8d\x8f\x90\x9d")


def test_chapters_split_on_chinese_and_english_headings():
    text = "序\n第一回 开端\n正文一\n第二回 发展\n正文二\nCHAPTER 3\nthree"
    titles = [chapter.title for chapter in split_chapters(text)]
    assert titles == ["—", "第一回 开端", "第二回 发展", "CHAPTER 3"]
    assert [c.title for c in split_chapters("no headings at all")] == ["—"]


def test_chinese_prose_quotes_with_cues_before_and_after():
    text = "宝玉笑道：“妹妹好。”黛玉冷笑道：“你又来了。”\n“谁来了？”袭人问道。"
    [candidate] = detect_candidates(text)
    assert [(line.speaker, line.text) for line in candidate.lines] == [
        ("宝玉", "妹妹好。"),
        ("黛玉", "你又来了。"),
        ("袭人", "谁来了？"),
    ]
    assert text[candidate.start : candidate.end].startswith("“妹妹好")


def test_corner_bracket_quotes_and_alternation_fill_unattributed_lines():
    text = "行者道：「師父，前面有山。」唐僧道：「小心些。」「弟子曉得。」"
    [candidate] = detect_candidates(text)
    assert [line.speaker for line in candidate.lines] == ["行者", "唐僧", "行者"]
    assert candidate.lines[2].inferred


def test_chinese_script_lines_drop_stage_directions():
    text = "第一幕\n（茶馆。）\n王掌柜：（擦桌子）快沏茶！\n李三：来了！\n"
    [candidate] = detect_candidates(text)
    assert [(line.speaker, line.text) for line in candidate.lines] == [("王掌柜", "快沏茶！"), ("李三", "来了！")]


def test_english_play_lines_in_both_forms():
    dotted = "HAMLET. Who's there?\nHORATIO. Friends to this ground,\nAnd liegemen to the Dane.\n"
    [candidate] = detect_candidates(dotted)
    assert [(line.speaker, line.text) for line in candidate.lines] == [
        ("Hamlet", "Who's there?"),
        ("Horatio", "Friends to this ground, And liegemen to the Dane."),
    ]
    colon = "Mary: Where is it?\nTom: On the shelf.\n"
    assert [line.speaker for line in detect_candidates(colon)[0].lines] == ["Mary", "Tom"]


def test_english_prose_quotes_with_said_verbs():
    text = '"Is it late?" asked Anna.\n"Not yet," said Mr. Hale. "Sit down."\n'
    [candidate] = detect_candidates(text)
    assert [(line.speaker, line.text) for line in candidate.lines] == [
        ("Anna", "Is it late?"),
        ("Mr. Hale", "Not yet, Sit down."),
    ]


def test_narration_alone_yields_no_candidate():
    assert detect_candidates("The rain fell all day. Nobody spoke. 天色渐晚，众人散去。") == []


def test_detect_dialogues_command_writes_the_documented_json(tmp_path, capsys):
    source = tmp_path / "work.txt"
    source.write_bytes(ZH.encode("gb18030"))
    out = tmp_path / "candidates.json"
    call_command("detect_dialogues", str(source), "--json", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) == 1
    assert set(data[0]) == {"start", "end", "lines"}
    assert data[0]["lines"][0] == {
        "speaker": "宝玉",
        "text": "妹妹可曾读过这本书？",
        "method": "cue",
        "uncertain": False,
    }
    assert all(set(line) == {"speaker", "text", "method", "uncertain"} for line in data[0]["lines"])
    assert "宝玉: 妹妹可曾读过这本书？" in capsys.readouterr().out
    with pytest.raises(CommandError, match="empty"):
        empty = tmp_path / "empty.txt"
        empty.write_bytes(b"")
        call_command("detect_dialogues", str(empty))
