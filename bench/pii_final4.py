"""The ``final4`` template set: everyday crowd chat in Chinese, English and both mixed, with
personal details in the forms people type them (with and without "add me / 加我", platform slang,
Hong Kong, Taiwan, UK, US, Canadian and Australian forms) and many numbers that are none. Written
before reading the recognizers or ``final3``'s misses, and measured once before any change for it;
that first figure is the unseen one. Same markup as ``bench/pii_unseen.py`` (``{slot}`` a value,
``[[text]]`` a literal look-alike); slots from ``bench/pii_final4_values.py``.
"""

from __future__ import annotations

from bench import pii_final4_values as f
from bench.pii_unseen import value_module_slots

PLANTED_SLOTS, LOOK_ALIKE_SLOTS = value_module_slots(f)

PLANTED: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": [
            "这个本子我写完了，后面的活直接找我吧 {mobile}", "我手机{mobile}", "手机号：{mobile}", "电话{mobile}，微信同号", "打我电话 {mobile}",
            "有问题随时联系 {mobile}", "我的号码是 {mobile} 白天可能不接", "联系方式：{mobile}（张）", "记下我号码哈{mobile}", "手机 {mobile} 短信也可以",
            "座机{landline}", "工作室电话 {landline}，周一到周五", "我在香港，电话{intl}", "台湾号码 {intl}", "澳洲这边的号 {intl}", "我现在在国外 {intl}",
            "英国手机 {uk}", "美国号码{us}", "这个号{mobile}是我妈的，急事打", "私聊不方便，{mobile}打给我", "号码发你：{mobile}，晚上[[9点]]后",
            "我的电话 {mobile}，邮编{zh_post}", "加我手机{mobile}呗", "📱{mobile}", "电话/微信：{mobile}", "打这个电话吧{landline}，找刘老师",
            "我换号了，新号码{mobile}", "平台消息我不常看，有事打{mobile}", "联系电话:{mobile}", "TEL {mobile}",
        ],
        "en": [
            "you can call me at {us}", "my number is {us}", "text me on {uk}", "call {uk} if the app is down", "my cell: {us}", "phone {intl}",
            "I'm in Sydney, my mobile is {intl}", "HK number: {intl}", "office {landline}", "whatsapp me {intl}", "here's my phone no. {uk}",
            "if I don't answer, try {us} after [[7pm]]", "my chinese number {mobile}", "call or text {mobile}", "contact no: {us}", "Ph {intl}",
            "reach me at {uk}, I'm on GMT", "best number is {us}", "Tel.: {landline}", "ok my number {mobile}, call me lol",
            "我的电话 is {us}", "call 我 {mobile}",
        ],
    },
    "email": {
        "zh": [
            "邮箱{email}", "我的邮箱是{email}", "发到我邮箱吧 {email}", "稿子发{email}，谢谢", "邮箱：{spelled}", "有事发邮件 {spelled}",
            "把文件发到 {email} 就行", "我邮箱 {spelled}（自己改一下符号）", "工作邮箱{email}，私人的是{email}", "email：{email}", "📮{email}",
            "联系邮箱 {spelled}", "发我邮箱呀 {email}，[[今晚]]看",
        ],
        "en": [
            "email me at {email}", "my email is {email}", "send it to {email}", "my email: {spelled}", "contact: {spelled}", "just email {email}",
            "pls mail {spelled} with the draft", "reach me via email {email}", "you can write to {email} or {spelled}", "Email - {email}",
            "my address is {spelled} lol", "我的email {email}",
        ],
    },
    "handle": {
        "zh": [
            "加我微信 {wechat}", "微信：{wechat}", "vx {wechat}", "我的vx是{wechat}", "加v：{wechat}", "wx:{wechat}", "薇❤ {wechat}", "加我 {wechat}",
            "微信号{wechat}，加的时候备注一下", "v {wechat}", "绿泡泡 {wechat}", "我微信{wechat}", "V：{wechat}（同名）", "加我吧：{wechat}",
            "QQ {qq}", "qq号{qq}", "我qq是{qq}", "扣扣 {qq}", "加我Q {qq}", "Q：{qq}", "企鹅号{qq}", "QQ群{qq}，进来聊",
            "tg {tg}", "电报 {tg}", "飞机号 {tg}", "ins {tg}", "ig：{tg}", "小红书号 {tg}", "抖音号：{tg}", "discord {tg}", "我推特 {tg}",
            "LINE {line}", "line id：{line}", "加我賴 {line}", "我的line是{line}", "kakao {line}",
        ],
        "en": [
            "add me on wechat {wechat}", "my wechat: {wechat}", "WeChat ID: {wechat}", "wechat id is {wechat}", "add me {wechat}",
            "my qq {qq}", "QQ: {qq}", "add my qq {qq}", "my telegram is {tg}", "tg: {tg}", "dm me on ig {tg}", "my insta is {tg}",
            "discord: {tg}", "add me on discord {tg}", "snap {tg}", "follow me {tg}", "twitter {tg}", "my line id is {line}", "LINE: {line}",
            "kakao id {line}", "add me: {line}", "hit me up on telegram, {tg}",
        ],
    },
    "id_number": {
        "zh": [
            "身份证号{cnid}", "身份证：{cnid}", "我身份证{cnid}，帮我订下票", "证件号码 {cnid}", "实名用这个{cnid}", "身份证号码是{cnid}",
            "帮我填一下，{cnid}，名字李华", "香港身份证{cnid}", "身分證字號 {cnid}", "社安号{ssn}", "我的证件号：{cnid}", "ID：{cnid}",
        ],
        "en": [
            "my SSN is {ssn}", "SSN: {ssn}", "social security no. {ssn}", "NI number {ssn}", "my national insurance number is {ssn}",
            "SIN: {ssn}", "ID number {cnid}", "my HKID is {cnid}", "id card {cnid}", "passenger ID {cnid}", "SSN {ssn} for the W-9",
        ],
    },
    "bank_card": {
        "zh": [
            "卡号{card}", "银行卡号：{card}", "转到这张卡 {card}", "我的卡号是{card}，建设银行", "收款账号{card}", "工行{card} 户名王芳",
            "打款到 {card}", "银行卡{card}", "支付宝不方便，转卡吧{card}", "招行卡号 {card}",
        ],
        "en": [
            "card number {card}", "my card is {card}", "card no. {card} exp [[09/27]]", "visa {card}", "account {card}", "pay to {card}",
            "credit card: {card}", "here's my card {card}, cvv [[123]]", "mastercard {card}",
        ],
    },
    "address": {
        "zh": [
            "地址：{zh_addr}", "寄到{zh_addr}", "收货地址 {zh_addr}，电话联系", "我住{zh_addr}", "我家地址是{zh_addr}", "快递寄 {zh_addr}",
            "见面地点{zh_addr}", "邮编{zh_post}", "邮政编码 {zh_post}", "地址 {zh_addr}（放门口就行）", "我在{zh_addr}，你过来吧",
            "寄到英国{en_addr}", "加拿大地址 {en_addr}", "postcode {uk_post}", "我搬到{zh_addr}了",
        ],
        "en": [
            "my address is {en_addr}", "ship to {en_addr}", "send it to {en_addr} please", "I live at {en_addr}", "address: {en_addr}",
            "meet me at {en_addr}", "postcode: {uk_post}", "zip {zip}", "my zip code is {zip}", "postal code {uk_post}", "{en_addr} is my place",
            "mail it to {en_addr}, thanks!", "my address in china is {zh_addr}", "addr {en_addr}", "I'm in {zip}",
        ],
    },
    "ip_address": {
        "zh": [
            "服务器IP {ip}", "我的ip是{ip}", "连这个 {ip}", "ip地址：{ip}", "服务器地址{ip}，密码私发", "我们的mc服 {ip}", "内网地址 {ip}",
            "登录{ip}看一下", "ping {ip} 不通", "代理 {ip}",
        ],
        "en": [
            "server ip {ip}", "my ip is {ip}", "connect to {ip}", "ip: {ip}", "ssh {ip}", "join our minecraft server {ip}", "try pinging {ip}",
            "the host is {ip}", "whitelist {ip} pls", "proxy {ip}",
        ],
    },
    "url": {
        "zh": [
            "我的主页 {url}", "关注我 {url}", "我的作品集{url}", "看我空间{url}", "这是我的号{url}", "B站 {url}", "小红书主页{url}", "我的抖音{url}",
            "个人主页：{url}", "私下联系我 {url}",
        ],
        "en": [
            "my profile {url}", "follow me {url}", "my portfolio: {url}", "find me at {url}", "my page is {url}", "here's my insta {url}",
            "check out my work {url}", "link in bio lol {url}", "my github {url}", "connect with me {url}",
        ],
    },
}
LOOK_ALIKES: dict[str, list[str]] = {
    "zh": [
        "这单{num}", "{when}交稿", "{code}，帮我查一下", "{num}，太贵了", "看看这个{link}", "{when}开会，别迟到", "我买了{num}", "{code}到了吗",
        "总共{num}，{num}", "{when}到{when}", "考试{num}", "{code}", "{num}", "{when}", "上次{code}延误了", "参考资料{link}", "今天{num}",
        "我{when}发的", "{code}，{when}", "版本太旧了，{code}", "这个{num}可以吗", "{when}前给我", "我查了{code}", "[[2024]]年的剧本",
        "[[666666]]", "[[88888888]]", "[[13:14]]", "[[5201314]]", "[[12345678]]", "一共[[3200]]字，{num}", "{num}的那个", "[[@所有人]] {when}上线",
        "[[v2.0]]更新了", "价格{num}，运费{num}",
    ],
    "en": [
        "this one {num}", "due {when}", "{code}, can you check", "{num}? too much", "see {link}", "meeting {when}", "I got {num}", "is {code} here yet",
        "total {num}, {num}", "from {when} to {when}", "{code}", "{num}", "{when}", "{code} was delayed", "ref {link}", "today {num}",
        "sent it {when}", "{code}, {when}", "update to {code}", "is {num} ok?", "before {when} please", "checked {code}", "the [[2024]] script",
        "[[100%]] agree", "lol [[420]]", "[[24/7]] support", "[[3.14159]]", "meet at [[5]] at the cafe", "{num} each",
        "[[@everyone]] {when}",
    ],
}
