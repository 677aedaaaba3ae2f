"""The detector on the shapes real editions print: mixed quote marks, cues around the quote,
names learned from the work, play and screenplay layouts, and the real-text evaluation set."""

import json
from pathlib import Path

import pytest

from annotation.extraction import detect_candidates, detect_lines
from annotation.extraction.quotes import find_quotes
from bench import extraction_eval

REAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "extraction_real"


def pairs(text, **kwargs):
    return [(line.speaker, line.text) for line in detect_lines(text, **kwargs)]


# --- quote pairing ------------------------------------------------------------------------------


def test_mismatched_and_straight_quote_marks_pair_up():
    text = '宝玉道：“妹妹好。"黛玉道："你又来了。”红玉道:”也不犯着气他们。”'
    assert [quote.body for quote in find_quotes(text)] == ["妹妹好。", "你又来了。", "也不犯着气他们。"]


def test_corner_brackets_with_nested_white_corners():
    text = "寶玉笑道：「妹妹說『好』了沒有？」黛玉道：『不曾說。』"
    assert [quote.body for quote in find_quotes(text)] == ["妹妹說『好』了沒有？", "不曾說。"]


def test_a_quote_broken_over_a_paragraph_is_one_quote():
    text = "罗刹道：“你这个巧嘴的泼猴！\n\n    我那儿虽不伤命，几时能见一面？”行者笑道：“有何难处？”"
    bodies = [quote.body for quote in find_quotes(text)]
    assert bodies[0].startswith("你这个巧嘴的泼猴！") and bodies[0].endswith("几时能见一面？")
    assert bodies[1] == "有何难处？"


def test_an_unclosed_straight_quote_ends_at_its_paragraph():
    text = '"I am going," she said, "and you cannot stop me.\n\n"Not if I bar the door," he answered.'
    assert [quote.body for quote in find_quotes(text)][-1] == "Not if I bar the door,"


def test_a_quoted_name_or_inscription_is_not_a_line():
    text = "宝玉笑道：“好。”只见匾上写着”潇湘馆”三字。黛玉道：“谁在外头？”"
    assert [text for _speaker, text in pairs(text)] == ["好。", "谁在外头？"]


# --- Chinese speakers ---------------------------------------------------------------------------


def test_speakers_before_the_quote_with_manner_words_between():
    text = "宝玉道：“一。”黛玉笑道：“二。”宝玉忙说：“三。”黛玉问道：“四。”宝玉听了，忙笑道：“五。”"
    assert [speaker for speaker, _text in pairs(text)] == ["宝玉", "黛玉", "宝玉", "黛玉", "宝玉"]


def test_speaker_after_the_quote():
    text = "宝玉道：“你来了。”\n“紫鹃，倒茶来。”黛玉又向外叫道。宝玉道：“不用。”黛玉道：“要的。”"
    assert pairs(text)[1] == ("黛玉", "紫鹃，倒茶来。")


def test_a_stray_quote_mark_is_never_part_of_the_name():
    text = '宝玉道："妹妹。"黛玉道："哥哥。"宝玉笑道："好。"'
    assert {speaker for speaker, _text in pairs(text)} == {"宝玉", "黛玉"}


def test_name_then_verb_yields_the_learned_name():
    text = "黛玉道：“你来。”宝玉道：“来了。”黛玉忙止道：“别说了。”宝玉笑道：“好。”"
    assert pairs(text)[2] == ("黛玉", "别说了。")


@pytest.mark.parametrize(
    "text",
    [
        "那年轻人收了伞，拱手说道：“请问这里是李府吗？”",
        "他一面沏茶，一面问道：“你从哪里来？”",
        "她低声道：“别说了。”",
        "因说道：“前儿一枝新笔，放在那里了？”",
    ],
)
def test_adverbs_gestures_pronouns_and_function_words_are_never_names(text):
    [(speaker, _text)] = pairs(text)
    assert speaker not in {"拱手", "一面", "低声", "因", "他", "她", "年轻人收了伞"}


def test_the_subject_of_the_sentence_speaks_when_the_verb_clause_is_only_an_action():
    text = "黛玉道：“谁？”宝玉道：“我。”黛玉坐在床上，一面抬手整理鬓发，一面笑向宝玉道：“你来作什么？”"
    assert pairs(text)[2] == ("黛玉", "你来作什么？")


def test_a_cue_with_no_subject_continues_the_last_speaker():
    text = "红玉道：“是了，莺儿拿了去了。”便向佳蕙道：“你替我取了来。”佳蕙道：“你自己取去罢。”红玉道：“好。”"
    assert pairs(text)[1] == ("红玉", "你替我取了来。")


def test_someone_who_heard_a_line_is_not_its_speaker():
    text = "坠儿道：“你问他作什么？”贾芸道：“几岁了？”那坠儿见问，便都告诉他了。贾芸又道：“好。”坠儿道：“是。”"
    assert pairs(text)[1] == ("贾芸", "几岁了？")


def test_classical_one_character_names_before_yue():
    text = "瑜问曰：“玄德在何处？”乾答曰：“现移兵屯油江口。”瑜惊曰：“孔明亦在油江否？”乾曰：“同在油江。”"
    assert [speaker for speaker, _text in pairs(text)] == ["瑜", "乾", "瑜", "乾"]


def test_known_names_win_over_longer_strings():
    text = "唐僧勒马道：“悟空，前面是什么去处？”"
    assert pairs(text, known_names={"唐僧"}) == [("唐僧", "悟空，前面是什么去处？")]


def test_inner_speech_is_not_a_line():
    text = "行者道：“我去也。”行者心中暗想道：“又是冤家了！”樵子道：“休得心焦。”"
    assert "又是冤家了！" not in [text for _speaker, text in pairs(text)]


def test_alternation_fills_an_untagged_exchange():
    text = "黛玉道：“你来作什么？”宝玉笑道：“来瞧瞧你。”“瞧我作什么？”“瞧你好些了没有。”"
    assert [speaker for speaker, _text in pairs(text)] == ["黛玉", "宝玉", "黛玉", "宝玉"]
    assert [line.method for line in detect_lines(text)][2:] == ["alternation", "alternation"]


# --- English speakers ---------------------------------------------------------------------------


def test_english_tags_after_and_before_the_quote():
    text = (
        '"Have some wine," the March Hare said.\n\n'
        'Alice looked all round the table. "I don\'t see any wine," she remarked.\n\n'
        '"There isn\'t any," said the March Hare.\n\n'
        'Alice replied very readily: "Then it wasn\'t civil of you to offer it."\n'
    )
    assert pairs(text) == [
        ("March Hare", "Have some wine,"),
        ("Alice", "I don't see any wine,"),
        ("March Hare", "There isn't any,"),
        ("Alice", "Then it wasn't civil of you to offer it."),
    ]


def test_english_relations_and_pronouns_resolve_through_titles():
    text = (
        '"My dear Mr. Bennet," said his lady to him one day, "have you heard that\n'
        'Netherfield Park is let at last?"\n\n'
        "Mr. Bennet replied that he had not.\n\n"
        '"But it is," returned she.\n\n'
        '"You want to tell me," said Mr. Bennet.\n\n'
        'Mrs. Bennet said only, "Nonsense!"\n'
    )
    speakers = [speaker for speaker, _text in pairs(text)]
    assert speakers == ["Mrs. Bennet", "Mrs. Bennet", "Mr. Bennet", "Mrs. Bennet"]
    assert pairs(text)[0][1] == "My dear Mr. Bennet, have you heard that Netherfield Park is let at last?"


def test_thoughts_are_not_lines():
    text = '"Very uncomfortable," thought Alice; "only, as it\'s asleep, it doesn\'t mind."\n\n"No room!" said the Hatter.\n'
    assert pairs(text) == [("Hatter", "No room!")]


# --- scripts ------------------------------------------------------------------------------------


def test_speaker_on_its_own_line_with_a_colon():
    text = (
        "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
    )
    assert pairs(text) == [
        ("First Citizen", "Before we proceed any further, hear me speak."),
        ("All", "Speak, speak."),
        ("First Citizen", "You are all resolved rather to die than to famish?"),
        ("All", "Resolved. resolved."),
    ]


def test_speaker_on_its_own_line_with_a_full_stop_and_stage_directions_kept_out():
    text = (
        "SCENE II. The same, at midnight.\n\nEnter Francisco and Barnardo.\n\n"
        "BARNARDO.\nWho's there?\n\nFRANCISCO.\nNay, answer me. [Aside.] Stand and unfold yourself.\n\n"
        "BARNARDO.\nLong live the King!\n\nExit Francisco.\n\nHORATIO.\nFriends to this ground.\n"
    )
    lines = pairs(text)
    assert lines == [
        ("Barnardo", "Who's there?"),
        ("Francisco", "Nay, answer me. Stand and unfold yourself."),
        ("Barnardo", "Long live the King!"),
        ("Horatio", "Friends to this ground."),
    ]
    assert all(speaker != "Scene Ii" for speaker, _text in lines)


def test_a_speech_goes_on_after_a_stage_direction_that_interrupts_it():
    text = (
        "HORATIO\nBut soft, behold! lo, where it comes again!\n\nRe-enter Ghost\n\n"
        "I'll cross it, though it blast me. Stay, illusion!\n\nMARCELLUS\nShall I strike at it?\n\n"
        "HORATIO\nDo, if it will not stand.\n"
    )
    assert pairs(text)[0] == (
        "Horatio",
        "But soft, behold! lo, where it comes again! I'll cross it, though it blast me. Stay, illusion!",
    )


def test_centred_screenplay_names_with_extensions_and_parentheticals():
    text = (
        "INT. RICK'S CAFE - NIGHT\n\nRick sits alone at a table.\n\n"
        "                         RICK\n               Of all the gin joints in all the towns.\n\n"
        "                         ILSA (V.O.)\n                    (softly)\n"
        "               Play it once, Sam.\n\n"
        "Sam looks up from the piano.\n\n"
        "                         RICK\n               I'm not going to.\n"
    )
    assert pairs(text) == [
        ("Rick", "Of all the gin joints in all the towns."),
        ("Ilsa", "Play it once, Sam."),
        ("Rick", "I'm not going to."),
    ]


def test_inline_names_of_a_printed_play():
    text = (
        "[Lane is arranging afternoon tea on the table.]\n\n"
        "Algernon.  Did you hear what I was playing, Lane?\n\n"
        "Lane.  I didn't think it polite to listen, sir.\n\n"
        "Algernon.  I'm sorry for that.  [Sits down.]  I play with wonderful expression.\n"
    )
    assert pairs(text) == [
        ("Algernon", "Did you hear what I was playing, Lane?"),
        ("Lane", "I didn't think it polite to listen, sir."),
        ("Algernon", "I'm sorry for that. I play with wonderful expression."),
    ]


def test_novel_prose_is_not_read_as_a_script():
    text = (
        "Mr. Bennet replied that he had not.\n\n"
        '"But it is," returned she.\n\nMr. Bennet made no answer.\n\n"Do you not want to know?" cried his wife.\n'
    )
    assert all(line.method != "script" for line in detect_lines(text))


# --- the evaluation set -------------------------------------------------------------------------


def test_the_real_text_set_has_enough_labelled_lines_across_languages_and_kinds():
    works = [json.loads(path.read_text(encoding="utf-8")) for path in REAL.glob("*.json")]
    assert len(works) >= 4 and sum(len(work["lines"]) for work in works) >= 300
    assert {work["language"][:2] for work in works} == {"zh", "en"}
    assert {work["kind"] for work in works} >= {"novel", "script"}
    assert all(work["source"].startswith("github:") for work in works)


def test_evaluation_reports_per_work_and_overall(tmp_path):
    out = tmp_path / "eval.json"
    extraction_eval.main(["--json", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"precision", "recall", "speaker_accuracy", "lines", "works"} <= set(result)
    assert result["lines"] >= 300 and len(result["works"]) >= 4
    assert result["recall"] >= 0.95 and result["precision"] >= 0.9 and result["speaker_accuracy"] >= 0.85


def test_evaluation_counts_a_wrong_speaker_and_a_missed_line():
    document = {
        "id": "t",
        "language": "zh-hans",
        "kind": "novel",
        "aliases": [["宝玉", "贾宝玉"]],
        "text": "宝玉道：“一。”黛玉道：“二。”",
        "lines": [
            {"speaker": "贾宝玉", "text": "一。"},
            {"speaker": "宝玉", "text": "二。"},
            {"speaker": "黛玉", "text": "三。"},
        ],
    }
    row = extraction_eval.score_document(document)
    assert (row["matched"], row["speaker_correct"], row["recall"]) == (2, 1, round(2 / 3, 4))
    assert row["wrong_speakers"][0]["detected"] == "黛玉"


def test_candidates_group_an_exchange():
    text = "宝玉笑道：“妹妹好。”黛玉道：“你又来了。”"
    [candidate] = detect_candidates(text)
    assert [line.speaker for line in candidate.lines] == ["宝玉", "黛玉"]


def test_poem_introductions_in_a_chinese_novel_are_not_speakers():
    text = (
        "正是：\n满纸荒唐言。\n正是：一把辛酸泪。\n又正是：都云作者痴。\n诗曰：谁解其中味。\n诗曰：假作真时真亦假。\n"
    )
    assert detect_lines(text) == []


def test_an_edition_without_quote_marks_names_the_speaker_before_its_verb():
    text = "宝玉道：妹妹今日可好？\n黛玉道：好不好的，与你什么相干。\n宝玉道：我明日再来。\n"
    assert pairs(text) == [("宝玉", "妹妹今日可好？"), ("黛玉", "好不好的，与你什么相干。"), ("宝玉", "我明日再来。")]


def test_a_tag_on_the_next_line_belongs_to_the_next_paragraph_when_lines_are_paragraphs():
    text = '"Is the ferry running?" Anna asked.\n"Not after dark."\nMr. Hale said nothing more.\n"Then I will swim," said Anna.\n'
    second = detect_lines(text)[1]
    assert second.text == "Not after dark." and second.method != "cue"  # "Mr. Hale said…" is the next line's
