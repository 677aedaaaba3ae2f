"""E-mail addresses, also as people write them to get past a filter."""

from platform_core.privacy.recognizers.base import EMAIL, A, TroupeRecognizer
from platform_core.privacy.view import ci

_LOCAL_CHARACTER = r"[A-Za-z0-9._%+-]"
# Possessive: what follows a local part in every pattern here ("@", a space, a bracket, "艾特", "圈",
# "#") is none of its characters, so giving some back could never make a match.
_LOCAL = _LOCAL_CHARACTER + "++"
# A local part starts a run of its characters (or where the search resumes after a match): a match
# from inside the run would have one from its start, found first. Without this the engine tries
# every position of every word.
_LOCAL_START = rf"(?:\G|(?<!{_LOCAL_CHARACTER}))"
# The same in raw text, for the prefilter (full-width forms too).
_RAW_ALNUM = "[A-Za-z0-9Ａ-Ｚａ-ｚ０-９-]"
_RAW_LOCAL = "[A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+-]"
_DOT = r"[.。]"  # a dot, or the Chinese full stop written for one
_DOMAIN = rf"[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}"
# "@" in any of its disguises: spaced out, "[at]", "(at)", "{at}", "(a)", "艾特", "圈", "圈a".
_AT = r"(?: ?@ ?| ?[\[({](?:at|a)[\])}] ?| ?艾特 ?| ?圈a? ?)"
# A domain with its dots spelled out or not: "qq dot com", "QQ DOT COM", "qq [dot] com", "qq[.]com",
# "qq 点 com", "qq . com", "qq.com"; spelled, it ends in a known top-level domain (a sentence
# goes on after "at home. So" but not after "at home . com").
_SPELLED_DOT = r"(?:[.。]| (?i:dot) | ?[\[({](?i:dot|\.)[\])}] ?| ?点 ?| [.。] )"
_TLD = r"(?i:com|net|org|edu|gov|info|biz|io|me|co|cn|hk|tw|mo|uk|us|ca|au|nz|jp|kr|sg|my|de|fr|ru|in)(?![A-Za-z])"
_SPELLED_DOMAIN = rf"[A-Za-z0-9-]+(?:{_SPELLED_DOT}[A-Za-z0-9-]+)*{_SPELLED_DOT}{_TLD}"


class EmailRecognizer(TroupeRecognizer):
    """E-mail addresses, also as people write them to get past filters: "@" spaced out or
    full-width, "[at]", "{at}", "(at)", "(a)", "AT", "艾特", "圈" or "#" for "@", " dot ", "[.]",
    "点" or "。" for ".". A plain " at " scores low: only a context word ("email", "邮箱", "write
    to" …) makes it one."""

    entity = EMAIL
    patterns_spec = (
        # "me @rosie.art" is a mention: with a space before "@" the domain must end in a known one.
        ("email", _LOCAL_START + _LOCAL + f"@ ?{_DOMAIN}" + A, 0.9),
        ("email_spelled_at", _LOCAL_START + _LOCAL + _AT + _SPELLED_DOMAIN, 0.8),
        ("email_upper_at", "(?-i:" + _LOCAL_START + _LOCAL + " AT " + _SPELLED_DOMAIN + ")", 0.7),
        ("email_hash_at", r"(?<![#A-Za-z0-9._%+-])" + _LOCAL + " ?# ?" + _DOMAIN + A, 0.5),
        ("email_word_at", _LOCAL_START + _LOCAL + " at " + _SPELLED_DOMAIN, 0.35),
    )
    context_words = (
        "邮箱", "邮件", "写信", "发", "email", "e-mail", "mail", "write to", "write me", "reach", "contact", "address",
        "addy",
    )  # fmt: skip
    prefilter = "|".join(
        [
            "[@＠]|艾特|圈",
            "[\\[(（［{｛](?:" + ci("at") + "|[AaＡａ])[\\])）］}｝]",
            f"{_RAW_LOCAL}[ \u3000]?[#＃][ \u3000]?{_RAW_ALNUM}+[.。．]",
            f"{_RAW_LOCAL}[ \u3000](?:{ci('at')})[ \u3000]{_RAW_ALNUM}+"
            f"(?:[.。．]{_RAW_ALNUM}|[ \u3000]?点|[ \u3000][.。．][ \u3000]|[ \u3000]{ci('dot')}[ \u3000]"
            f"| ?[\\[(（［{{｛](?:{ci('dot')}|[.．]))",
        ]
    )
