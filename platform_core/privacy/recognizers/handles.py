"""Contact handles: WeChat, QQ, Telegram, LINE and other platforms' ids next to the platform's name
(or its slang), after "add me / 加我", and "@name" with such words nearby."""

from platform_core.privacy.recognizers.base import HANDLE, TroupeRecognizer, any_of
from platform_core.privacy.view import ci

# Platform names. After a Chinese one (or vx, wx, "+v", "加v", "line id", or a Latin name written
# right after a Chinese character: "我的ig"), which is no English word, any id-shaped token is the
# id; after one that is also a word or a letter ("wechat", "telegram", "TG", "LINE", "ins", "v")
# the id must be explicit ("is", ":", "→", "是" …), start with "@", or hold a digit, "_", "." or
# "-"; so after 薇 or 微 alone (slang for WeChat, an emoji may follow: "薇❤：") or a bare "Q".
_EMOJI = "[\u2600-\u27bf\u2b50\u2b55\ufe0f\U0001f300-\U0001faff]"
_ARROW_CHARS = r"(?:→|->|=>|👉|➡)"
_WECHAT_ANY = (
    r"(?:微 ?信|威信|薇信|v信|微x|绿泡泡|绿色软件|卫星号|vx|wx|(?:加个|加我|加|\+) ?v(?![a-z])|(?<![a-z])v ?:)"
)
_WECHAT = rf"(?:{_WECHAT_ANY}|weixin|wechat|卫星|[薇微]{_EMOJI}{{0,3}}|v(?![a-z0-9]))"
# "Q" alone: before 号/我/群, a colon, or a QQ number ("加我Q 12345678"; not "Q1 2024").
_QQ = r"(?:q ?q|扣扣|企鹅|球球|q(?=号|我|群| ?[:：]|\s{1,2}[1-9]|[1-9][0-9]{4}))"
_TELEGRAM_ANY = r"(?:电报|纸飞机|飞机号|tg号)"
_TELEGRAM = rf"(?:{_TELEGRAM_ANY}|telegram|tele(?![a-z])|(?-i:TG|tg|Tg))"
_LINE_ANY = r"(?:line ?id|賴|赖|加我line|line(?=帳號|账号|的|是))"  # "line" then Chinese: the app
_LINE = rf"(?:{_LINE_ANY}|(?-i:LINE|Line)|line(?=\s{{0,2}}{_ARROW_CHARS}))"
_OTHER_WORDS = r"instagram|insta|ins|ig|discord|snapchat|snap|twitter|tiktok|kakao(?:talk)?|kkt|skype|facebook|fb"
_OTHER_ANY = rf"(?:抖音号?|小红书号?|红薯号?|快手号?|微博|推特|脸书|油管|(?<=[\u4e00-\u9fff])(?:{_OTHER_WORDS}|tg|line)(?![a-z]))"
_OTHER = rf"(?:{_OTHER_ANY}|(?:{_OTHER_WORDS})(?![a-z]))"
# After a platform's name and "id", "username" or "handle" the id is explicit ("kakao id nanabkk").
_NAMED_ID = r"\s?(?:id|username|user name|handle)(?![a-z])\s{0,2}[:：]?\s{0,2}"
# Between the platform and the id: "号", "ID", "username" …, a particle ("加个v吧"), then either
# an explicit "是", ":", "is", "me at" (a few Chinese characters may come first: "微信聊，号是"), or
# a softer "I'm", "as", "at" (then the id must hold a digit, "_" or "-"), or only spaces.
_SUFFIX = (
    r"的?(?:号码|号|帳號|账号|账户|用户名|id|(?:\s(?:id|username|user name|handle|account|number|no\.?)(?![a-z])){0,2})?"
    r"(?:找我|加我|联系我|上搜|搜)?[吧呗哈呀啊哦]?"
)
_ARROW = r"(?:→|->|=>|=|👉|➡\ufe0f?)"
_SAYS = (
    rf"(?:[\u4e00-\u9fff，,]{{0,4}}?[\s,，]{{0,2}}(?:是|为|為|:|：)|[\s,，]{{0,2}}(?:is|me at|:|：|{_ARROW}))\s{{0,2}}"
)
_SOFT = r"[\s,，]{0,2}(?:i'm|i am|as|at)\s{1,2}"
# After a name that is also an everyday English word ("twitter is down"): only ":", "是" or an arrow.
_SAYS_STRICT = (
    rf"(?:[\u4e00-\u9fff，,]{{0,4}}?[\s,，]{{0,2}}(?:是|为|為|:|：)|[\s,，]{{0,2}}(?::|：|{_ARROW}))\s{{0,2}}"
)
_START = r"(?<![a-z0-9_])"  # a platform's name starts a word
_ADD_ME_ON = r"(?<![a-z])(?:add me on|find me on|加我)\s{0,2}"
_ADD_ME = r"(?<![a-z])(?:add me|加我)[吧呀呗哈]?\s{0,2}[:：]?\s{0,2}"
# A WeChat id: 6-20 characters from a letter (after a platform, dots inside too: people type them
# so; never the start of a link); "marked": holding a digit or "_"; after a platform a hyphen or a
# dot marks one too ("我微tangtang-bj"; not before one: "a follow-up on WeChat").
_ID_ANY = r"[a-z][a-z0-9_.-]{5,19}(?<!\.)(?![a-z0-9_-]|\.[a-z0-9]|:|/)"
_ID_MARKED = r"(?=[a-z-]*[0-9_])[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"
_ID_SOFT = rf"(?=[a-z]*[0-9_.-]){_ID_ANY}"
# Any other platform's id (Telegram, LINE, Instagram, Discord "name#1234" …): 3-32 characters, dots
# inside, a letter in it or six digits at least (not "微博 2024 年度报告"); never the start of a link
# ("https", "x.com/…"). "Marked": "@" first, or a digit, "_", ".", "-" or "#" inside.
_OTHER_ID = r"(?=[0-9._-]*[a-z]|[0-9]{6})[a-z0-9][a-z0-9._-]{2,31}(?<![.-])(?:#[0-9]{4})?(?![a-z0-9_#-]|\.[a-z0-9]|:|/)"
_OTHER_MARKED = rf"(?:@{_OTHER_ID}|(?=[a-z]*[0-9_.#-]){_OTHER_ID})"
_OTHERS = rf"(?:{_TELEGRAM}|{_LINE}|{_OTHER})"
_TELEGRAM_LINE = rf"(?:{_TELEGRAM}|{_LINE})"
_OTHERS_ANY = rf"(?:{_TELEGRAM_ANY}|{_LINE_ANY}|{_OTHER_ANY})"


class HandleRecognizer(TroupeRecognizer):
    """WeChat, QQ, Telegram, LINE, Instagram, Discord, Douyin, Xiaohongshu … ids next to their
    platform's name (or a wxid_…, a t.me link), ids after "add me / 加我" that hold a digit, "_" or
    ".", and an @name with a platform or "add me" nearby (context words)."""

    entity = HANDLE
    patterns_spec = (
        ("wxid", r"(?<![a-z0-9_])wxid_[a-z0-9]{4,24}(?![a-z0-9_])", 0.95),
        ("telegram_link", r"(?<![a-z0-9.])(?:https?://)?(?:t|telegram)\.me/[a-z0-9_]{5,32}", 0.9),
        # The platform, what comes between, then "\K": the finding is the id alone. (A forward
        # match from the platform's name is several times faster than a lookbehind tried at
        # every position.) A QQ number may be grouped ("123 456 789").
        (
            "qq",
            f"{_START}{_QQ}(?:号码|号|群|id| id| number| no\\.?)?[\\u4e00-\\u9fff/、]{{0,3}}?[\\s,，]{{0,2}}(?:是|为|:|：|is|#|{_ARROW})?\\s{{0,2}}"
            r"\K[1-9](?:[ -]?[0-9]){4,11}(?![0-9])",
            0.8,
        ),
        (
            "platform_then_id",
            any_of(
                f"{_START}{_WECHAT}{_SUFFIX}{_SAYS}\\K{_ID_ANY}",
                f"{_START}{_WECHAT_ANY}{_SUFFIX}[\\s,，]{{0,2}}\\K{_ID_ANY}",
                f"{_START}{_WECHAT}{_NAMED_ID}\\K{_ID_ANY}",
                f"{_START}{_OTHERS}{_NAMED_ID}\\K@?{_OTHER_ID}",
                f"{_START}{_TELEGRAM_LINE}{_SUFFIX}{_SAYS}\\K@?{_OTHER_ID}",
                f"{_START}{_OTHER}{_SUFFIX}{_SAYS_STRICT}\\K@?{_OTHER_ID}",
                f"{_START}{_OTHERS_ANY}{_SUFFIX}[\\s,，:：]{{0,3}}\\K@?{_OTHER_ID}",
                f"{_START}{_OTHERS}{_SUFFIX}[\\s,，:：]{{0,3}}\\K@{_OTHER_ID}",
                # "add me on LINE, meitw": the request makes the id explicit.
                f"{_ADD_ME_ON}{_WECHAT}{_SUFFIX}[\\s,，:：]{{0,3}}\\K{_ID_ANY}",
                f"{_ADD_ME_ON}{_OTHERS}{_SUFFIX}[\\s,，:：]{{0,3}}\\K@?{_OTHER_ID}",
                # "加我 coco_12", "add me: nana.tw": no platform, but an id-shaped token after the request.
                f"{_ADD_ME}\\K(?=[a-z])(?=[a-z]*[0-9_.-]){_OTHER_ID}",
            ),
            0.75,
        ),
        (
            "platform_then_marked_id",
            any_of(
                f"{_START}{_WECHAT}{_SUFFIX}[\\s,，]{{0,2}}\\K{_ID_SOFT}",
                f"{_START}{_WECHAT}{_SUFFIX}{_SOFT}\\K{_ID_SOFT}",
                f"{_START}(?:{_OTHERS}|(?:my|我的) ?line){_SUFFIX}(?:{_SAYS}|{_SOFT}|[\\s,，]{{0,2}})\\K{_OTHER_MARKED}",
            ),
            0.7,
        ),
        # The id first, the platform after it: "加我 momo_88 微信", "sunny_1 on WeChat".
        (
            "id_then_platform",
            f"(?<![a-z0-9_.@-]){_ID_MARKED}(?=\\s{{0,2}}(?:on\\s)?(?:微信|wechat|weixin|vx|telegram|电报|tg|(?-i:LINE|Line))(?![a-z]))",
            0.65,
        ),
        # "@name" alone is a mention as often as a handle: context words decide.
        (
            "at_name",
            r"(?<![a-z0-9_.@/])@[a-z][a-z0-9_.]{2,30}(?<!\.)(?<!\.com)(?<!\.cn)(?<!\.net)(?<!\.org)"
            r"(?![a-z0-9_@]|\.[a-z0-9])",
            0.3,
        ),
    )
    context_words = (
        "加我", "加一下", "私聊", "联系我", "好友", "电报", "飞机", "微信", "賴", "关注", "抖音", "小红书", "推特",
        "add me", "dm me", "message me", "reach me", "contact me", "follow me", "telegram", "tg", "line", "wechat",
        "instagram", "insta", "ig", "discord", "snap", "kakao", "twitter",
    )  # fmt: skip
    # "I'm @name on Telegram": the platform may come a few words after the handle.
    context_suffix_chars = 16
    prefilter = "|".join(
        [
            ci(word)
            for word in ("wxid_", "weixin", "wechat", "vx", "v信", "wx", "qq", "telegram", "tg", "t.me/", "加我line")
        ]
        + [
            ci(word)
            for word in ("add me", "my line", "tele", "kakao", "discord", "insta", "snap", "tiktok", "twitter", "skype")
        ]
        + [
            "微信|威信|薇信|绿泡泡|绿色软件|[加+＋]微|扣扣|企鹅|球球|电报|飞机|賴|赖|卫星|加我|抖音|小红书|红薯|快手|微博|推特|脸书|油管",
            # "@name" where a mention starts (the at_name pattern's lookbehind): not an e-mail's "@".
            "(?:^|[^0-9A-Za-z_.@/０-９Ａ-Ｚａ-ｚ＿．＠／])[@＠]",
            "薇|微[ \u3000]信|微[A-Za-zＡ-Ｚａ-ｚ]",
            f"微{_EMOJI}{{0,3}}[:：]",
            "[QqＱｑ](?:号|我|群| ?[:：]|[ \u3000]{1,2}[1-9１-９]|[1-9１-９][0-9０-９]{4}|[ \u3000][QqＱｑ])",
            "[加+＋][个我]?[ \u3000]?[VvＶｖ]|[VvＶｖ][ \u3000]?[:：]|(?:^|[^A-Za-z0-9Ａ-Ｚａ-ｚ０-９])[VvＶｖ][ \u3000]",
            ci("line") + "(?: ?" + ci("id") + "|帳號|账号|的|是| ?(?:→|->|=>|👉|➡))|[\u4e00-\u9fff]" + ci("line"),
            "[LＬ][IＩ][NＮ][EＥ]|[LＬ][iｉ][nｎ][eｅ]",
            "(?:^|[^A-Za-zＡ-Ｚａ-ｚ])(?:"
            + "|".join(ci(word) for word in ("ig", "ins", "fb", "facebook", "kkt"))
            + ")",
        ]
    )
