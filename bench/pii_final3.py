"""The ``final3`` template set: chat lines written the way people dodge a contact filter (words and
emoji between platform and value, values split over words, full-width characters, typos, zh/en
mixed), after ``final2``'s misses were listed and before the recognizers were changed for them or
measured on this set; its figure is the unseen one, and nothing is tuned to it. Same markup as
``bench/pii_unseen.py`` (``{slot}`` a value, ``[[text]]`` a literal look-alike); slots from
``bench/pii_final3_values.py``.
"""

from __future__ import annotations

from bench import pii_final3_values as f
from bench.pii_unseen import value_module_slots

PLANTED_SLOTS, LOOK_ALIKE_SLOTS = value_module_slots(f)

PLANTED: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": [
            "平台抽成太高了，私下聊吧👉{mobile}", "电话📞{mobile}", "手 机：{mobile}", "打这个→{mobile}", "tel：{mobile}",
            "有事call我 {mobile}", "手机号码发你了 {mobile} 记得删聊天记录", "主页看不到联系方式，我的是{mobile}", "号码是 {mobile} 哦～",
            "我电活{mobile}", "座机：{landline}（工作日）", "公司前台{landline}转8", "香港那边打{intl}", "在美国，手机{us}",
            "英国号{uk}，有时差", "备用机{mobile}，主号{mobile}", "联系人：李姐，{mobile}", "直接拨{landline}", "有事打我手机哈，{mobile}",
        ],
        "en": [
            "Off-platform pls, my # is {us}", "txt me {us}", "phone ☎ {uk}", "call/whatsapp {intl}", "my number → {us}",
            "tel: {landline}", "ring me on {uk} tonight", "Cell - {us}", "number is {mobile}, china mobile", "wa.me isn't working, just dial {intl}",
            "my fone is {us}", "reach me: {uk}", "in taiwan now, {intl}", "mob: {uk}", "hit my line {us} after [[6:30]]",
        ],
    },
    "email": {
        "zh": [
            "📧{email}", "邮 箱 {email}", "发我邮件啊 {spelled}", "邮件地址是{spelled}，把空格去掉", "私发简历到{email}", "QQ邮箱 {email}",
            "我的mail：{spelled}", "不让发邮箱就这样写：{spelled}", "邮箱:{email}，收到回个信", "作品打包发 {spelled}",
        ],
        "en": [
            "mail me -> {email}", "e-mail: {spelled}", "my addy is {spelled}", "drop a line at {email}", "email me {spelled} (no spaces)",
            "gmail: {email}", "reach out via {spelled}", "contact {email} for rates", "write to {spelled}, not here",
        ],
    },
    "handle": {
        "zh": [
            "加我VX👉{wechat}", "威信：{wechat}", "➕V {wechat}", "绿色软件 {wechat}", "微x：{wechat}", "卫星号 {wechat}", "vx→{wechat}",
            "wx号是{wechat}", "微信号码：{wechat}（备注来意）", "我薇{wechat}", "WeChat：{wechat}", "v信 {wechat}", "加我微信呀，{wechat}",
            "扣扣：{qq}", "企鹅 {qq}", "Q号→{qq}", "QQ：{qq}", "球球{qq}", "q：{qq}", "小企鹅号码 {qq}", "飞机 @{tg}", "纸飞机：{tg}", "tg号 {tg}",
            "telegram 搜 @{tg}", "LINE账号：{line}", "赖ID {line}", "line：{line}",
        ],
        "en": [
            "add me on wechat -> {wechat}", "my WeChat id = {wechat}", "wechat: {wechat} 🙂", "WX id {wechat}", "weixin {wechat}",
            "my qq is {qq}", "QQ no. {qq}", "qq → {qq}", "tele: @{tg}", "telegram @{tg}", "find me on tg, {tg}", "TG handle: @{tg}",
            "LINE id {line}", "my line is {line}", "line → {line}",
        ],
    },
    "id_number": {
        "zh": [
            "身份证：{cnid}", "身份证号码是{cnid}，帮我报名", "证件号 {cnid}", "sfz：{cnid}", "身份证号→{cnid}", "身 份 证 {cnid}",
            "报名信息 姓名张三 身份证{cnid}", "我的身份证{cnid}，你核对下",
        ],
        "en": [
            "SSN - {ssn}", "social: {ssn}", "my social security number → {ssn}", "ss# {ssn}", "soc sec no {ssn}", "ID card no. {cnid}",
            "Chinese ID: {cnid}", "his ssn is {ssn}",
        ],
    },
    "bank_card": {
        "zh": [
            "银行卡：{card}", "卡号{card}，开户行工商银行", "打到我卡上 {card}", "私下转账吧 {card}", "农行卡号 {card}", "收款卡 → {card}",
            "银行卡号是{card}（中国银行）",
        ],
        "en": [
            "card # {card}", "my credit card: {card}", "wire it to {card}", "Visa {card}, exp [[11/28]]", "cc no {card}", "pay to card → {card}",
        ],
    },
    "address": {
        "zh": [
            "地址📍{zh_addr}", "寄到 {zh_addr}，收件人小林", "我家在{zh_addr}", "住址：{zh_addr}", "线下交付地点：{zh_addr}", "送货到{zh_addr}",
            "邮编 {zh_post}", "邮政编码：{zh_post}", "我在英国，地址{en_addr}", "面交吧，{zh_addr}，到了打电话",
        ],
        "en": [
            "addr: {en_addr}", "i live at {en_addr}", "ship it to {en_addr} pls", "my place is {en_addr}", "post code {uk_post}", "postcode: {uk_post}",
            "zip code {zip}", "zip: {zip}", "deliver to {en_addr}", "meet at {en_addr}, [[2pm]]",
        ],
    },
    "ip_address": {
        "zh": ["IP：{ip}", "我家公网ip是{ip}", "ssh到{ip}", "服务器 ip {ip}", "我的地址{ip}，你ping一下", "登录 {ip} 看看", "VPS：{ip}"],
        "en": ["IP: {ip}", "my home ip is {ip}", "ssh into {ip}", "server ip → {ip}", "ping {ip}", "host {ip}", "VPS at {ip}"],
    },
    "url": {
        "zh": ["我的小红书 {url}", "主页👉{url}", "关注一下 {url}", "个人网站：{url}", "平台外找我：{url}", "我的号 {url}"],
        "en": ["my socials: {url}", "profile → {url}", "find me at {url}", "portfolio: {url}", "DM me on {url}", "my page {url}"],
    },
}
LOOK_ALIKES: dict[str, list[str]] = {
    "zh": [
        "价格{num}", "{when}到", "单号{code}", "看这里{link}", "成绩{num}", "{num}吧", "{when}的会改了", "{code}，请查收", "今天跑了{num}",
        "我记得是{num}", "买了{code}", "{when}截止", "大概{num}", "参考一下{link}", "{num}，{num}", "车次{code}", "[[666]]", "[[2333]]",
        "约{when}", "好评{num}",
    ],
    "en": [
        "price {num}", "due {when}", "ref {code}", "see {link}", "got {num}", "{num} lol", "moved to {when}", "it's {code}", "ran {num} today",
        "around {num}", "bought {code}", "deadline {when}", "about {num}", "from {when} to {when}", "{num}, {num}", "[[10/10]]", "[[1+1]]",
        "ok {code}", "rated {num}",
    ],
}
