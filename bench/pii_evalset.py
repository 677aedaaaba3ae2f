"""The personal-data evaluation set: chat lines with planted personal data, and look-alikes.

Lines come from templates (Chinese and English, per kind) filled with random values
(``bench/pii_values.py``) from a fixed seed. Four disjoint template sets (``TEMPLATE_SETS``, below);
``bench/pii_eval.py`` reports each. A planted line knows where its values are: ``Line.planted``
holds (kind, start, end).
Look-alike lines hold dates, times, prices, scores, ISBNs, versions, order numbers, years and
quantities, none of which may change.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import pii_final2, pii_final3, pii_final4, pii_unseen
from bench.pii_values import (
    address,
    bank_card,
    cn_id,
    email,
    fresh_look_alike,
    ip_address,
    line_id,
    look_alike,
    phone,
    qq_number,
    ssn,
    telegram_id,
    url,
    wechat_id,
)

# "dev": the recognizers were written against it; "held_out" (written with it) and "fresh" (written
# after that round of fixes) each found gaps on their first run, which were then fixed (see
# bench/README.md); "final": written after that change, and looked at since; "unseen": whole chat
# lines with their own value formats (bench/pii_unseen.py), written before reading the recognizers,
# whose gaps were then fixed; "final2" (bench/pii_final2.py): written after those fixes, measured
# once, then its listed misses fixed in general terms; "final3" (bench/pii_final3.py): written before
# those fixes, measured once after them, then its listed misses fixed in general terms; "final4"
# (bench/pii_final4.py): written before reading the recognizers, measured once before any change for
# it (its unseen figure, in bench/README.md), then its misses fixed in general terms.
TEMPLATE_SETS = ("dev", "held_out", "fresh", "final", "unseen", "final2", "final3", "final4")
# Sets of whole-line templates: name -> (planted templates by kind and language, look-alike
# templates, planted slots, look-alike slots).
_WRITTEN_SETS = {
    "unseen": (pii_unseen.PLANTED, pii_unseen.LOOK_ALIKES, pii_unseen.PLANTED_SLOTS, pii_unseen.LOOK_ALIKE_SLOTS),
    "final2": (pii_final2.PLANTED, pii_final2.LOOK_ALIKES, pii_final2.PLANTED_SLOTS, pii_final2.LOOK_ALIKE_SLOTS),
    "final3": (pii_final3.PLANTED, pii_final3.LOOK_ALIKES, pii_final3.PLANTED_SLOTS, pii_final3.LOOK_ALIKE_SLOTS),
    "final4": (pii_final4.PLANTED, pii_final4.LOOK_ALIKES, pii_final4.PLANTED_SLOTS, pii_final4.LOOK_ALIKE_SLOTS),
}
KINDS = ("phone", "email", "handle", "id_number", "bank_card", "address", "ip_address", "url")


@dataclass
class Line:
    text: str
    language: str
    kind: str  # a personal-data kind, or "look_alike"
    template_set: str
    planted: list[tuple[str, int, int]] = field(default_factory=list)
    look_alikes: list[tuple[int, int]] = field(default_factory=list)


# -- templates ----------------------------------------------------------------------------------
Maker = Callable[[random.Random], str]
# kind -> language -> (dev, held-out, fresh templates); "{v}" is the planted value.
_PLANTED: dict[str, tuple[Maker, dict[str, tuple[list[str], list[str]]]]] = {
    "phone": (
        phone,
        {
            "zh": (
                [
                    "我的电话是{v}，有事随时打给我",
                    "手机{v}，晚上九点以后别打哈",
                    "回头联系我吧：{v}",
                    "座机{v}，白天都在",
                    "有空打{v}找我聊聊",
                    "号码给你 {v} 记一下",
                ],
                ["你直接拨{v}就能找到我", "这是我新换的号{v}，旧的不用了", "下了班call我 {v}", "老板说有问题就打 {v}"],
                ["等我到了车站给你发短信，我号{v}", "实在找不到路就拨{v}", "紧急联系人电话：{v}（我妈）"],
            ),
            "en": (
                [
                    "call me at {v} tonight",
                    "my number is {v}, text anytime",
                    "phone: {v}",
                    "you can reach me on {v} after six",
                    "ring {v} if the ferry is late",
                ],
                [
                    "save this, {v}, and send me a message",
                    "I'm on {v} all weekend",
                    "best way to get me is {v}",
                    "drop a text to {v} when you land",
                ],
                ["if nobody answers, try {v} instead", "the front desk said to dial {v}", "ok here it is: {v}"],
            ),
        },
    ),
    "email": (
        email,
        {
            "zh": (
                ["我的邮箱是{v}，把照片发过来吧", "发邮件到{v}就行", "稿子发{v}，谢谢", "联系邮箱：{v}"],
                ["你把简历投到{v}吧", "文件我转到{v}了，你查收一下", "{v} 这个地址我每天都看"],
                ["我工作邮箱{v}，周末不看", "有意向的话请联系{v}"],
            ),
            "en": (
                ["email me at {v}", "my address is {v}, send the pictures there", "contact: {v}", "drop a line to {v}"],
                ["send the draft over to {v} tomorrow", "I only check {v} on Mondays", "forward it to {v} please"],
                ["reply to {v} with your answers", "my uni mail is {v}"],
            ),
        },
    ),
    "id_number": (
        lambda rng: rng.choice([cn_id, cn_id, ssn])(rng),
        {
            "zh": (
                ["我的身份证号是{v}", "证件号{v}，帮我订一下票", "实名登记用这个：{v}"],
                ["订酒店的时候填了{v}", "他把号码{v}发到群里了，太危险了"],
                ["身份证{v}，麻烦帮我挂个号", "报名表上的证件号码：{v}"],
            ),
            "en": (
                ["my SSN is {v}", "here is my ID number {v} for the form", "social security number: {v}"],
                ["the clerk read {v} out loud", "fill in {v} on line 4 of the form"],
                ["SSN {v}, don't share it", "for the background check: {v}"],
            ),
        },
    ),
    "bank_card": (
        bank_card,
        {
            "zh": (
                ["钱打到我卡上：{v}", "卡号{v}，户名张三", "用这张信用卡{v}付吧"],
                ["转账到{v}，工商银行", "我那张{v}还能用"],
                ["退款请打回原卡{v}", "那张尾号不对，用{v}这张"],
            ),
            "en": (
                ["my card number is {v}", "charge it to {v}, expiry 09/27", "pay with card {v}"],
                ["use {v} for the deposit", "the Visa {v} still works"],
                ["card on file: {v}", "refund it to {v} please"],
            ),
        },
    ),
    "address": (
        address,
        {
            "zh": (
                ["我住在{v}，欢迎来玩", "快递寄到{v}", "地址：{v}，到了给我打电话", "我们在{v}见面吧"],
                ["明天去{v}找我", "新家在{v}，下周搬", "包裹放{v}门口就好"],
                ["到了{v}楼下给我打电话", "我老家在{v}"],
            ),
            "en": (
                ["I live at {v}", "send the parcel to {v}", "address: {v}", "meet me at {v} at noon"],
                ["we moved to {v} last spring", "drop it off at {v}, thanks", "my flat is {v}"],
                ["the party is at {v} on Saturday", "ship it to {v}"],
            ),
        },
    ),
    "ip_address": (
        ip_address,
        {
            "zh": (
                ["服务器IP是{v}", "连不上的话试试{v}", "我家路由器地址{v}"],
                ["登录{v}这台机器看看日志", "他从{v}连进来的"],
                ["把白名单加上{v}", "内网机器{v}又挂了"],
            ),
            "en": (
                ["the server ip is {v}", "ssh into {v} and check", "my home ip is {v}"],
                ["try pinging {v} first", "logs show a login from {v}"],
                ["whitelist {v} on the firewall", "the camera sits at {v}"],
            ),
        },
    ),
    "url": (
        url,
        {
            "zh": (
                ["我的主页：{v}", "关注我 {v}", "链接在这 {v}"],
                ["去{v}看我发的视频", "我把作品都放在{v}上了"],
                ["我的B站：{v}", "简历在{v}，你看一下"],
            ),
            "en": (
                ["follow me at {v}", "my profile: {v}", "check out {v}"],
                ["all my drawings are on {v}", "I posted the clip to {v}"],
                ["my portfolio lives at {v}", "more photos on {v}"],
            ),
        },
    ),
}
# Handles: the platform's name is part of the template; one value maker per platform.
_HANDLES: dict[str, tuple[Maker, dict[str, tuple[list[str], list[str]]]]] = {
    "wechat": (
        wechat_id,
        {
            "zh": (
                ["加我微信：{v}", "我微信号是{v}，备注一下名字", "vx {v} 私聊", "wx：{v}"],
                ["有事微信找我 {v}", "威信 {v}，加的时候说一声"],
                ["我的vx是{v}，通过一下"],
            ),
            "en": (
                ["add me on WeChat: {v}", "my WeChat ID is {v}", "wechat {v}"],
                ["ping me on wechat: {v}", "find me on WeChat, {v}"],
                ["hit me up on WeChat {v}"],
            ),
        },
    ),
    "qq": (
        qq_number,
        {
            "zh": (
                ["我QQ是{v}", "扣扣{v}，晚上在线", "QQ：{v} 加我"],
                ["有问题QQ找我 {v}", "我的QQ号 {v}"],
                ["QQ号码：{v}，验证写暗号"],
            ),
            "en": (["my QQ is {v}", "add me on QQ: {v}"], ["QQ {v}, I'm online at night"], ["my QQ number: {v}"]),
        },
    ),
    "telegram": (
        telegram_id,
        {
            "zh": (["电报 {v}", "TG: {v} 找我"], ["我的telegram是{v}"], ["飞机号 TG {v}"]),
            "en": (["telegram: {v}", "message me on Telegram {v}"], ["find me on telegram, {v}"], ["Telegram is {v}"]),
        },
    ),
    "line": (
        line_id,
        {
            "zh": (["加我LINE：{v}", "LINE ID：{v}"], ["我的Line ID是{v}"], ["LINE {v} 歡迎加"]),
            "en": (["my LINE ID is {v}", "LINE: {v}"], ["add me on LINE: {v}"], ["LINE ID {v}, say hi"]),
        },
    ),
}
_LOOK_ALIKE = {
    "zh": (
        [
            "我们{v}出发",
            "这本书{v}，挺厚的",
            "上次比赛{v}",
            "价格是{v}，不贵",
            "手机升级到{v}以后好用多了",
            "{v}那天下雨了",
            "一共买了{v}",
            "结果是{v}",
        ],
        ["记得{v}前交作业", "他说大概{v}左右", "排在{v}，还行吧", "账单上写着{v}"],
        ["会议定在{v}，别迟到", "这个月电费{v}", "我们队赢了，{v}"],
    ),
    "en": (
        [
            "we leave on {v}",
            "the book is {v}",
            "final score {v}",
            "it costs {v}",
            "after updating to {v} it works",
            "it rained on {v}",
            "we sold {v}",
            "the result was {v}",
        ],
        ["hand it in by {v}", "roughly {v}, give or take", "they listed it as {v}", "the receipt says {v}"],
        ["the meeting moved to {v}", "shipping took {v}", "we won, {v} in the end"],
    ),
}


# The "final" set: written after the last change to the recognizers and never tuned on.
_FINAL: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": ["周末随时可以打给我，{v}", "这是我爸的手机 {v}，找不到我就打他的"],
        "en": ["text me at {v} when you're outside", "reach the hotel on {v}"],
    },
    "email": {"zh": ["把合同扫描件发我邮箱 {v}"], "en": ["cc me at {v} on that thread"]},
    "id_number": {"zh": ["买高铁票要用身份证{v}"], "en": ["her social security no. is {v}"]},
    "bank_card": {"zh": ["押金退到{v}这张卡"], "en": ["my Mastercard is {v}"]},
    "address": {"zh": ["周六来我家吃饭，{v}"], "en": ["come round to {v} for dinner"]},
    "ip_address": {"zh": ["打印机的地址是{v}"], "en": ["the printer sits at {v}"]},
    "url": {"zh": ["我的作品集在这里：{v}"], "en": ["say hi on {v}"]},
    "wechat": {"zh": ["方便的话加个微信 {v}"], "en": ["my WeChat: {v}"]},
    "qq": {"zh": ["扣扣号：{v}"], "en": ["QQ: {v}"]},
    "telegram": {"zh": ["TG {v}"], "en": ["on Telegram I'm {v}"]},
    "line": {"zh": ["Line ID：{v}"], "en": ["LINE ID: {v}"]},
    "look_alike": {
        "zh": ["车票显示{v}，记得提前到", "这次涨到了{v}"],
        "en": ["the ticket says {v}", "it went up to {v}"],
    },
}


def _templates(name: str, by_language: dict[str, tuple[list[str], ...]], language: str, template_set: str) -> list[str]:
    if template_set == "final":
        return _FINAL[name][language]
    return by_language[language][TEMPLATE_SETS.index(template_set)]


def _fill(template: str, value: str) -> tuple[str, int, int]:
    """The line, and where the value is in it; a value "context|data" plants both, data marked."""
    start = template.index("{v}")
    context, _, data = value.rpartition("|")
    return template.replace("{v}", context + data), start + len(context), start + len(context) + len(data)


def _planted_line(rng: random.Random, kind: str, template_set: str) -> Line:
    language = rng.choice(["zh", "en"])
    name = rng.choice(list(_HANDLES)) if kind == "handle" else kind
    maker, by_language = _HANDLES[name] if kind == "handle" else _PLANTED[kind]
    template = rng.choice(_templates(name, by_language, language, template_set))
    value = maker(rng)
    text, start, end = _fill(template, value)
    return Line(text=text, language=language, kind=kind, template_set=template_set, planted=[(kind, start, end)])


def _look_alike_line(rng: random.Random, template_set: str) -> Line:
    language = rng.choice(["zh", "en"])
    template = rng.choice(_templates("look_alike", _LOOK_ALIKE, language, template_set))
    maker = fresh_look_alike if template_set in ("fresh", "final") and rng.random() < 0.5 else look_alike
    text, start, end = _fill(template, maker(rng))
    return Line(text=text, language=language, kind="look_alike", template_set=template_set, look_alikes=[(start, end)])


def _written_line(rng: random.Random, kind: str, template_set: str) -> Line:
    """A line of a whole-line template set: ``kind`` is a personal-data kind or "look_alike"."""
    planted_templates, look_alike_templates, planted_slots, look_alike_slots = _WRITTEN_SETS[template_set]
    language = rng.choice(["zh", "en"])
    templates = look_alike_templates[language] if kind == "look_alike" else planted_templates[kind][language]
    text, planted, look_alike_spans = pii_unseen.fill(
        rng.choice(templates), language, rng, planted_slots, look_alike_slots
    )
    return Line(
        text=text,
        language=language,
        kind=kind,
        template_set=template_set,
        planted=planted,
        look_alikes=look_alike_spans,
    )


def build(template_set: str, *, per_kind: int = 50, look_alikes: int = 400, seed: int = 18) -> list[Line]:
    """``per_kind`` planted lines for every kind and ``look_alikes`` look-alike lines."""
    rng = random.Random(f"{seed}:{template_set}")
    if template_set in _WRITTEN_SETS:
        lines = [_written_line(rng, kind, template_set) for kind in KINDS for _ in range(per_kind)]
        return lines + [_written_line(rng, "look_alike", template_set) for _ in range(look_alikes)]
    lines = [_planted_line(rng, kind, template_set) for kind in KINDS for _ in range(per_kind)]
    lines += [_look_alike_line(rng, template_set) for _ in range(look_alikes)]
    return lines
