import pytest

from roleplay.prompting import SessionMeta, characterglm_prompt, profile_text, session_meta_for
from tests.factories import CharacterFactory, PlayerPersonaFactory


def test_chinese_prompt_matches_characterglm_format_exactly():
    meta = SessionMeta(
        bot_name="苏梦远", bot_info="本名苏远心，是一位当红的国内女歌手。", user_name="小张", user_info="粉丝，大学生。"
    )
    prompt = characterglm_prompt(meta, [("苏梦远", "你好呀！"), ("小张", "梦远姐，我是你的粉丝！")])
    assert prompt == (
        "以下是一段苏梦远和小张之间的对话。\n"
        "关于苏梦远的信息：本名苏远心，是一位当红的国内女歌手。\n"
        "关于小张的信息：粉丝，大学生。\n"
        "[苏梦远]你好呀！\n"
        "[小张]梦远姐，我是你的粉丝！\n"
        "[苏梦远]"
    )


def test_english_prompt_omits_missing_user_info_and_flattens_newlines():
    meta = SessionMeta(bot_name="Ada", bot_info="A mathematician.\nLoves engines.", user_name="Sam")
    prompt = characterglm_prompt(meta, [("Sam", "Hi Ada!\nHow are you?")])
    assert prompt == (
        "以下是一段Ada和Sam之间的对话。\n"
        "关于Ada的信息：A mathematician. Loves engines.\n"
        "[Sam]Hi Ada! How are you?\n"
        "[Ada]"
    )


def test_prompt_without_turns_ends_with_bot_name():
    assert characterglm_prompt(SessionMeta("甲", "", "乙"), []) == "以下是一段甲和乙之间的对话。\n[甲]"


@pytest.mark.django_db
def test_session_meta_uses_profile_text_and_persona():
    character = CharacterFactory(
        name="林黛玉",
        language="zh-hans",
        identity="贾府的表小姐",
        personality="多愁善感",
        catchphrases=["罢了", "你们"],
    )
    persona = PlayerPersonaFactory(name="宝玉", description="贾府公子")
    meta = session_meta_for(character, persona)
    assert meta.as_dict() == {
        "bot_name": "林黛玉",
        "bot_info": "身份：贾府的表小姐。性格：多愁善感。口头禅：罢了、你们。",
        "user_name": "宝玉",
        "user_info": "贾府公子",
    }


@pytest.mark.django_db
def test_english_profile_text_joins_labelled_sentences():
    character = CharacterFactory(
        name="Ada", language="en", identity="A mathematician", interests="Engines.", personality=""
    )
    assert profile_text(character) == "Identity: A mathematician. Interests: Engines."
