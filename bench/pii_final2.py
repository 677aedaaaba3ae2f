"""The ``final2`` template set: chat lines written after the recognizers were fixed on ``unseen``
and before they were measured on this set; its figure is the unseen one, and nothing is tuned to
it. Same markup as ``bench/pii_unseen.py`` (``{slot}`` a value, ``[[text]]`` a literal
look-alike); slots from ``bench/pii_final2_values.py``.
"""

from __future__ import annotations

from bench import pii_final2_values as f
from bench.pii_unseen import value_module_slots

PLANTED_SLOTS, LOOK_ALIKE_SLOTS = value_module_slots(f)

PLANTED: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": [
            "哥们这单结了，以后直接找我，{mobile}", "加不上的话直接打 {mobile}", "我手机号 {mobile}，短信也行", "这是我工作号{mobile}，周末不接",
            "那个客户的电话是{mobile}，你跟他说", "有急事就打我老公电话 {mobile}", "快递员说到了打{mobile}", "号码：{mobile}（微信同号）",
            "你先存一下：{mobile}", "打{landline}找前台小王", "办公室座机 {landline}，上班时间打", "我家电话{landline}，晚上有人",
            "我在深圳，号码{mobile}，到了联系", "国外的号：{intl}", "我在英国这边用 {uk}", "美国的号码是{us}", "回国前打{intl}，回国后打{mobile}",
            "拿笔记一下 {mobile}", "不方便打字，你打给我 {mobile}", "换号了，之前那个{mobile}别打了，新的是{mobile}",
        ],
        "en": [
            "honestly just text me, {us}", "my cell's {us}, text before calling", "this app is a pain, call {uk}", "try my mobile {uk}",
            "I'm on WhatsApp at {intl}", "here's my number: {intl}", "reach me on {us} after [[5pm]]", "you can phone the shop, {landline}",
            "my chinese number is {mobile}", "dial {us} and ask for Sam", "number changed, it's {mobile} now", "best to ring {uk} in the mornings",
            "if I don't reply, call {intl}", "save this: {us}", "home phone {uk}", "contact: {intl} (whatsapp/signal)",
        ],
    },
    "email": {
        "zh": [
            "稿子发我邮箱吧 {email}", "以后别在这儿聊了，邮件联系：{email}", "我邮箱换了，新的是{email}", "{spelled}（反爬，自己改一下）",
            "邮箱 {spelled}", "合同发{email}，抄送{email}", "简历投 {email} 就行", "有问题发邮件到{spelled}", "我的gmail：{email}", "工作邮箱：{email}",
        ],
        "en": [
            "email is {email}", "ping me at {email} instead", "send the invoice to {email}", "my email: {spelled}", "write me at {spelled}",
            "{email} - that's the best way to reach me", "cc {email} please", "contact {spelled} for the full script", "my work mail is {email}",
        ],
    },
    "handle": {
        "zh": [
            "微信号码 {wechat}", "weixin: {wechat}", "WX: {wechat}", "薇❤：{wechat}", "V：{wechat}", "加V：{wechat}", "微 信：{wechat}",
            "vx号码：{wechat}", "加微 {wechat}，拉你进群", "我微{wechat}，备注一下", "qq号码是：{qq}", "Q：{qq}", "q q {qq}", "QQ/微信：{qq}",
            "企鹅号码{qq}", "扣扣 {qq}，晚上在线", "tg @{tg}", "电报号 @{tg}", "TG账号 {tg}", "telegram：@{tg}", "Line：{line}", "LINE ID：{line}",
            "line的id是 {line}", "賴：{line}", "这边聊不方便，微信{wechat}", "我把QQ给你 {qq}",
        ],
        "en": [
            "my wechat ID is {wechat}", "WeChat: {wechat}", "my wechat → {wechat}", "add me on WX {wechat}", "my QQ: {qq}", "QQ # {qq}",
            "telegram me @{tg}", "@{tg} (telegram)", "on tg: @{tg}", "t.me/{tg}", "hit me up on telegram: {tg}", "my line id → {line}",
            "LINE: {line}", "add me on LINE, {line}", "my wechat is {wechat}, add me and we'll sort the payment",
        ],
    },
    "id_number": {
        "zh": [
            "身份证号码 {cnid}", "帮我订票：王伟 {cnid}", "身份证{cnid}，别发别人", "实名要身份证，{cnid}", "我妈的身份证号是{cnid}",
            "登记信息：{cnid}", "护照没带，用身份证 {cnid}",
        ],
        "en": [
            "SSN: {ssn}", "social security # {ssn}", "ssn {ssn}", "my social is {ssn}", "ID number {cnid}", "for the tax form, SSN {ssn}",
            "her social security number is {ssn}",
        ],
    },
    "bank_card": {
        "zh": [
            "卡号：{card}", "转我建行卡 {card}", "工资卡{card}，户名张伟", "钱打这张卡{card}", "{card} 招商银行", "别用平台付款了，转到{card}",
        ],
        "en": [
            "card no. {card}", "my visa is {card}", "send it to card {card}", "{card} exp [[09/27]]", "pay directly to {card} and skip the fee",
            "debit card: {card}",
        ],
    },
    "address": {
        "zh": [
            "收货地址：{zh_addr}", "我住{zh_addr}，你来附近了说一声", "寄到{zh_addr}，谢谢", "地址{zh_addr}，电话到了再给你", "线下见吧，{zh_addr}",
            "邮编：{zh_post}", "邮政编码{zh_post}", "我在{zh_addr}上班", "老家在{zh_addr}", "英国地址：{en_addr}",
        ],
        "en": [
            "ship to {en_addr}", "I'm at {en_addr}", "my address: {en_addr}", "come to {en_addr} on [[Saturday]]", "postcode {uk_post}",
            "ZIP {zip}", "post code: {uk_post}", "we're in {uk_post}", "send the gift to {en_addr}", "address is {en_addr}, ring the bell",
        ],
    },
    "ip_address": {
        "zh": ["我的IP {ip}", "服务器地址：{ip}", "连一下{ip}", "他IP是{ip}，我查了", "路由器后台 {ip}", "远程桌面 {ip}"],
        "en": ["my ip: {ip}", "server's at {ip}", "connect to {ip}", "his ip was {ip}", "router admin page {ip}", "rdp into {ip}"],
    },
    "url": {
        "zh": ["我的主页 {url}", "关注我：{url}", "我的作品都在 {url}", "{url} 这是我的号", "搜不到就点这个 {url}"],
        "en": ["my page: {url}", "follow me {url}", "my art is on {url}", "{url} <- me", "here's my profile {url}"],
    },
}
LOOK_ALIKES: dict[str, list[str]] = {
    "zh": [
        "这期是{num}", "{when}开会，别忘了", "{code}", "看这个 {link}", "他{num}，挺厉害", "今天{num}", "{when}见", "我们{num}",
        "发货了，{code}", "升级到{code}了", "下次{when}吧", "看了一下，{num}", "{num}，你记一下", "昨天{num}，今天{num}", "参考{link}",
        "[[+1]]，我也这么想", "{code}，延误了", "{when}前交", "刚才{num}",
    ],
    "en": [
        "we're in {num}", "see you {when}", "it's {code}", "look at {link}", "I got {num}", "{num} and counting", "the meeting is {when}",
        "my {code}", "check {link}", "{num}, not bad", "{when} works", "[[+1]] to that", "ok {num}", "{code} still broken", "by {when} please",
    ],
}
