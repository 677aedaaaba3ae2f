"""The ``unseen`` template set: chat lines written from how crowdworkers pass on contact and
personal details (and numbers that are none), before reading the recognizers.

A template is a whole line. ``{slot}`` is a planted value of its kind (``PLANTED_SLOTS``, made
by ``bench/pii_unseen_values.py``) or a look-alike (``LOOK_ALIKE_SLOTS``, ``bench/pii_unseen_look_alikes.py``);
``[[text]]`` marks literal text that is a look-alike too. A line may carry several of each.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from types import ModuleType

from bench import pii_unseen_look_alikes as la
from bench import pii_unseen_values as v

Maker = Callable[[random.Random], "str | tuple[str, str, str]"]
LookAlikeMaker = Callable[[random.Random, str], str]

PLANTED_SLOTS: dict[str, tuple[str, Maker]] = {
    "mobile": ("phone", v.cn_mobile), "landline": ("phone", v.cn_landline), "landline_ext": ("phone", v.cn_landline_with_extension),
    "numerals": ("phone", v.numeral_phone), "spaced": ("phone", v.spaced_digits_phone), "us": ("phone", v.us_phone),
    "uk": ("phone", v.uk_phone), "intl": ("phone", v.intl_phone), "hk": ("phone", v.hk_local_phone), "phone": ("phone", v.any_phone),
    "email": ("email", v.email), "obf": ("email", v.obfuscated_email),
    "wechat": ("handle", v.wechat_id), "qq": ("handle", v.qq_number), "tg": ("handle", v.telegram_at),
    "tg_name": ("handle", v.telegram_name), "tg_link": ("handle", v.telegram_link), "line": ("handle", v.line_id),
    "cnid": ("id_number", v.cn_id), "ssn": ("id_number", v.ssn), "card": ("bank_card", v.bank_card),
    "zh_street": ("address", v.zh_street_address), "zh_estate": ("address", v.zh_estate_address),
    "zh_village": ("address", v.zh_village_address), "zh_postcode": ("address", v.zh_postcode),
    "en_street": ("address", v.en_street_address), "uk_postcode": ("address", v.uk_postcode), "us_zip": ("address", v.us_zip),
    "po_box": ("address", v.po_box), "ip": ("ip_address", v.ip_address), "ipv4": ("ip_address", v.ipv4),
    "url": ("url", v.profile_url),
}
LOOK_ALIKE_SLOTS: dict[str, LookAlikeMaker] = {
    "date": la.date_text, "time": la.time_text, "price": la.price_text, "score": la.score_text, "exam": la.exam_text,
    "isbn": la.isbn_text, "version": la.version_text, "order": la.order_text, "year": la.year_text,
    "quantity": la.quantity_text, "room": la.room_text, "flight": la.flight_text, "transit": la.transit_text,
    "numeral": la.numeral_text, "code": la.code_text, "link": la.link_text, "at": la.at_text,
}

# kind -> language -> templates; each template holds at least one slot of its kind.
PLANTED: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": [
            "这平台抽成太狠了，咱俩私下接吧，我手机{mobile}", "打我电话{mobile}，[[晚上8点]]以后都在", "你记一下 {mobile} 微信同号",
            "我号码{mobile}，打不通就发短信", "{mobile} 这是我手机，别告诉别人哈", "给你留个电话吧，{mobile}，我叫小张",
            "联系人：李女士 {mobile}", "号码换了，新号{mobile}，旧号[[2023年]]就停了", "来电请拨{mobile}（同微信）",
            "要不你直接call我 {mobile}", "电话：{mobile}（工作日[[9:00-18:00]]）", "手机号{numerals}，平台不让发数字你懂的",
            "我的号是{numerals}", "记住：{numerals}，别写出来", "{spaced} 这是我的号，打的时候去掉符号", "电话 {spaced}",
            "家里座机{landline}，找我妈也行", "公司电话{landline}，让前台转一下", "办公室{landline_ext}，[[下午2点]]以后有人",
            "打这个{landline}，是我们店里的", "香港的号是{hk}，过去了就用这个", "我在国外，号码{intl}，WhatsApp也是这个",
            "去美国以后号换成{us}了", "英国号码：{uk}", "手机 {mobile}，邮箱 {email}", "有急事打 {mobile} 或者 {landline}",
            "挂了啊，回头打{mobile}给我", "私聊私聊，{mobile}", "我爸的电话{mobile}，找不到我就打他的", "電話 {mobile} 隨時找我",
            "tel：{mobile}", "我的手机是{phone}", "我的电话{numerals}，幺是一", "打{mobile}，[[3分钟]]后回你",
        ],
        "en": [
            "this platform takes a huge cut, just text me {us} and we sort it out directly", "my cell is {us}",
            "call me on {uk} after [[6pm]]", "mobile: {uk}", "here's my number {phone}", "reach me at {intl} on WhatsApp",
            "if it's urgent ring the office on {uk}", "my digits are {us} lol", "text {us} and say it's from the chat",
            "you can whatsapp me, {intl}", "I'm in Beijing now, Chinese number {mobile}", "office line {landline_ext}",
            "number's {us}, don't give it out", "call/text {uk}", "ph: {us}", "tel. {intl}", "hit me up at {us} or {email}",
            "my mum's number is {uk} in case you can't reach me", "I'll be at the hotel, [[room 412]], phone {intl}",
            "give me a bell on {uk}", "new phone, new number: {phone}", "my Chinese mobile is {numerals} haha",
            "the landline at home is {landline}", "HK number {hk}", "lemme give you my cell, {us}, text first",
            "my number in London is {uk}, I'm there till [[March 3]]", "WhatsApp {intl}", "ring {mobile} when you land",
        ],
    },
    "email": {
        "zh": [
            "简历发我邮箱{email}，标题写应聘", "咱们私下交易吧，邮箱{email}", "邮箱：{email}", "{email} 这是我常用的邮箱",
            "邮箱 {obf}，你懂的", "给我写信：{obf}", "QQ邮箱就是{email}", "有事发邮件，{email}，[[24小时]]内回",
            "我的gmail是{email}", "平台上聊不方便，发{email}吧", "把图发我 {obf}（符号自己换一下）", "E-mail：{email}",
            "作业发到{email}，[[周五]]之前", "我的工作邮箱 {email}", "郵箱{email}，有空聯繫", "发我邮件 {obf}",
        ],
        "en": [
            "email me at {email}", "shoot me an email: {email}", "my email is {obf} (you know what to do)",
            "{email} is my personal one, use that", "contact me off platform: {email}", "send the files to {email} before [[5pm]]",
            "mail: {email}", "reach out via {obf}", "I'm {email} on google chat", "e-mail {email} if the link breaks",
            "write to {obf}", "my uni address is {email}, I check it daily", "drop me a line at {email}",
            "send your CV to {email}", "email is {obf}",
        ],
    },
    "handle": {
        "zh": [
            "加我微信：{wechat}", "vx：{wechat}，通过一下", "V信{wechat}", "wx号 {wechat}", "+v {wechat}", "加个v吧 {wechat}",
            "威信：{wechat}", "我的绿泡泡 {wechat}", "微信搜 {wechat} 就能找到我", "咱们去微信聊，号是{wechat}",
            "平台不让发，你懂的，vx {wechat}", "薇信 {wechat}", "wechat: {wechat}", "加我VX{wechat}，备注接单",
            "v：{wechat}", "微信号：{wechat}（备注平台）", "加我 {wechat} 微信", "扣扣{qq}", "企鹅号 {qq}", "Q我 {qq}",
            "QQ：{qq}，备注平台", "加我qq {qq}", "我的扣扣号是{qq}，晚上在", "企鹅{qq}", "Q号{qq}", "qq群 {qq}，进群聊",
            "飞机 {tg}", "纸飞机：{tg}", "TG {tg}", "电报联系 {tg_link}", "来电报找我 {tg}", "telegram 上搜 {tg}",
            "{tg_link} 这是我的tg", "tg号 {tg_name}", "加我LINE：{line}", "line id {line}", "加我賴 {line}", "我的LINE是{line}",
            "LINE帳號 {line}", "加我微信{wechat}，QQ也行{qq}",
        ],
        "en": [
            "add me on wechat: {wechat}", "my wechat id is {wechat}", "let's move this to wechat, I'm {wechat}", "wx: {wechat}",
            "find me on WeChat as {wechat}", "WeChat ID {wechat}, add me", "QQ {qq}", "my QQ number is {qq}", "hit me on QQ, {qq}",
            "telegram {tg}", "dm me on telegram {tg}", "I'm {tg} on telegram", "tg: {tg}", "message me here instead: {tg_link}",
            "{tg_link} - that's me", "telegram username: {tg_name}", "line id: {line}", "add my LINE {line}", "my LINE is {line}, add me",
            "LINE me at {line}", "add me on wechat {wechat} and we can skip the platform fees", "my qq is {qq}, add me after [[9pm]]",
        ],
    },
    "id_number": {
        "zh": [
            "身份证号{cnid}，帮我填一下", "我身份证是{cnid}，你别外传", "实名认证用的{cnid}", "报名要身份证号码：{cnid}",
            "证件号 {cnid}", "你帮我买下票吧，{cnid}，名字张伟", "身份证：{cnid} 姓名：王芳", "这是我朋友的身份证{cnid}",
            "我美国的社安号是{ssn}", "SSN：{ssn}", "身份证{cnid}，[[明天]]要用", "订机票要身份证，{cnid}",
        ],
        "en": [
            "my SSN is {ssn}", "social: {ssn}", "SSN# {ssn}", "here's my social security number {ssn} for the tax form",
            "they want an SSN, mine is {ssn}", "my Chinese ID number is {cnid}", "ID card no. {cnid}", "ss# {ssn}",
            "the form asks for SSN — {ssn}", "social security: {ssn}", "for the visa they need my ID, {cnid}",
        ],
    },
    "bank_card": {
        "zh": [
            "卡号{card}，开户行招商银行", "钱直接转我卡上，{card}", "私下付款吧，打到{card}", "银行卡：{card} 户名李明",
            "我的建行卡{card}", "{card} 这张是工资卡", "信用卡号{card}，有效期[[12/27]]", "转账请打到{card}（农行）",
            "别走平台了，转我卡 {card}", "退款退到{card}", "打钱：{card}",
        ],
        "en": [
            "card number {card}, exp [[08/26]]", "just pay me directly, my card is {card}", "Visa {card}", "you can send it to {card}",
            "card: {card} cvv in the next message", "my debit card {card}", "here's the Amex, {card}", "use {card} for the deposit",
            "pay to {card} and skip the fees", "cc# {card}",
        ],
    },
    "address": {
        "zh": [
            "我家在{zh_street}，来了打电话", "快递寄到{zh_street}，收件人写我名字", "线下见面吧，{zh_street}楼下的星巴克",
            "地址：{zh_estate}", "我住{zh_estate}，离地铁站很近", "收货地址 {zh_village}", "老家地址是{zh_village}",
            "寄到{zh_street}，邮编{zh_postcode}", "邮政编码：{zh_postcode}", "邮编{zh_postcode}", "送到{zh_estate}就行，放门卫",
            "公司在{zh_street}，[[周一到周五]]都在", "样品寄{zh_street}", "来{zh_estate}找我玩", "我搬到{zh_street}了",
            "寄到英国这个地址 {en_street}",
        ],
        "en": [
            "I'm at {en_street}, come by any time", "ship it to {en_street}", "my address is {en_street}",
            "the flat is {en_street}, buzz twice", "postcode {uk_postcode}", "I'm in {uk_postcode}, where are you",
            "zip code {us_zip}", "send it to {po_box}", "my ZIP is {us_zip}", "meet at {en_street} at [[7:30]]",
            "we live on {en_street}, the blue door", "post code is {uk_postcode}", "deliver to {en_street}",
            "I live at {zh_street} in Beijing", "the party's at {en_street}, bring snacks",
        ],
    },
    "ip_address": {
        "zh": [
            "我这边IP是{ip}，你看看能不能连", "远程连{ip}，密码私聊", "服务器{ipv4}:8080", "我家公网IP {ip}，别乱搞",
            "他的IP是{ip}，查到在杭州", "ping一下{ip}", "挂在{ip}上的NAS", "内网地址{ipv4}", "代理填{ipv4}，端口[[7890]]",
        ],
        "en": [
            "my ip is {ip}", "connect to {ipv4} port 25565, it's my minecraft server", "his IP was {ip} lol",
            "the NAS is at {ip}", "try {ip}, should work", "ssh root@{ipv4}", "server: {ip}", "my router is {ipv4}",
        ],
    },
    "url": {
        "zh": [
            "我的微博 {url}", "关注我 {url}", "主页在这 {url}，里面有我的作品", "去{url}找我", "我的小红书：{url}",
            "{url} 这是我，点个关注", "我的主页 {url}", "作品集：{url}",
        ],
        "en": [
            "here's my insta {url}", "follow me: {url}", "my page is {url}", "check my stuff at {url}", "{url} is me",
            "DM me on {url}", "portfolio -> {url}",
        ],
    },
}
LOOK_ALIKES: dict[str, list[str]] = {
    "zh": [
        "我们{date}见，{time}在门口集合", "{date}到{date}放假", "这本书{isbn}，图书馆有", "昨天比赛{score}，太刺激了",
        "{price}买的，亏了", "手机升到{version}后耗电好快", "{order}，帮我查下物流", "我是{year}的", "今天走了{quantity}",
        "在{room}开会", "坐{transit}回家", "他说{numeral}，我也搞不懂", "{code}，别告诉别人", "任务截止{date} {time}，别忘了",
        "这单给{price}，太少了吧", "我已经标了{quantity}了", "看这个 {link}", "群里{at} 明天放假", "{order}", "考了{exam}，还行",
        "这批货{quantity}，{price}一个", "{date}的{flight}，{time}起飞", "我{year}毕业的", "昨天{time}到的家", "电脑版本{version}",
        "票上写着{room}", "这个月花了{price}", "我记得是{date}", "比分{score}", "{numeral}", "推荐一本书，{isbn}", "参考{link}",
        "一共{quantity}", "{code}", "航班{flight}延误了，改到{time}", "{exam}，差一点", "坐{transit}，{time}到",
    ],
    "en": [
        "see you on {date} at {time}", "the book is {isbn}", "final score {score}", "it cost me {price}",
        "after updating to {version} the app crashes", "my {order} still hasn't shipped", "I was born {year}", "I did {quantity} today",
        "meeting's in {room}", "flying {flight} tomorrow", "deadline is {date}, {time}", "they pay {price} per task, that's nothing",
        "I've done {quantity} so far", "read this {link}", "apples were {at}", "drinks {at}", "{order}", "we lost {score}",
        "got {exam} in the end", "the train leaves {time}", "{date} works for me", "{flight} lands at {time}", "it's {code}",
        "see {link} for the rules", "back {year}", "I'm on {version}", "see you {date}", "it was {price} for two",
        "take {transit} and get off at {time}", "my kid got {exam}", "check {room}", "{isbn} is the edition you want",
    ],
}

def value_module_slots(values: ModuleType) -> tuple[dict[str, tuple[str, Maker]], dict[str, LookAlikeMaker]]:
    """The planted and look-alike slots of a later set's values module (``bench/pii_final2_values.py``
    and its successors, which make the same slots each in formats of their own)."""
    planted = {
        "mobile": ("phone", values.mobile), "landline": ("phone", values.landline), "us": ("phone", values.us_phone),
        "uk": ("phone", values.uk_phone), "intl": ("phone", values.intl_phone), "email": ("email", values.email),
        "spelled": ("email", values.spelled_email), "wechat": ("handle", values.wechat_id),
        "qq": ("handle", values.qq_number), "tg": ("handle", values.telegram_name), "line": ("handle", values.line_id),
        "cnid": ("id_number", values.cn_id), "ssn": ("id_number", values.ssn), "card": ("bank_card", values.bank_card),
        "zh_addr": ("address", values.zh_address), "zh_post": ("address", values.zh_postcode),
        "en_addr": ("address", values.en_address), "uk_post": ("address", values.uk_postcode),
        "zip": ("address", values.us_zip), "ip": ("ip_address", values.ip_address), "url": ("url", values.profile_url),
    }  # fmt: skip
    look_alikes = {"num": values.number_text, "when": values.date_time_text, "code": values.code_text,
                   "link": values.link_text}  # fmt: skip
    return planted, look_alikes


_SLOT = re.compile(r"\{(\w+)\}|\[\[(.+?)\]\]")


def fill(
    template: str,
    language: str,
    rng: random.Random,
    planted_slots: dict[str, tuple[str, Maker]] = PLANTED_SLOTS,
    look_alike_slots: dict[str, LookAlikeMaker] = LOOK_ALIKE_SLOTS,
) -> tuple[str, list[tuple[str, int, int]], list[tuple[int, int]]]:
    """The line, its planted values (kind, start, end) and its look-alikes (start, end); a set of
    its own passes its slots."""
    parts: list[str] = []
    planted: list[tuple[str, int, int]] = []
    look_alikes: list[tuple[int, int]] = []
    length = position = 0
    for match in _SLOT.finditer(template):
        parts.append(template[position:match.start()])
        length += match.start() - position
        position = match.end()
        slot, literal = match.groups()
        if literal is not None:
            parts.append(literal)
            look_alikes.append((length, length + len(literal)))
            length += len(literal)
            continue
        if slot in planted_slots:
            kind, maker = planted_slots[slot]
            value = maker(rng)
        else:
            kind, value = "look_alike", look_alike_slots[slot](rng, language)
        before, data, after = value if isinstance(value, tuple) else ("", value, "")
        start = length + len(before)
        parts.append(before + data + after)
        if kind == "look_alike":
            look_alikes.append((start, start + len(data)))
        else:
            planted.append((kind, start, start + len(data)))
        length += len(before + data + after)
    parts.append(template[position:])
    return "".join(parts), planted, look_alikes
