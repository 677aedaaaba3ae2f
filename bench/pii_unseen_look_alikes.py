"""Look-alikes for the evaluation sets written from chat (``unseen``, ``final2``): numbers and
symbols people type that are not personal data and must not change: dates, times, prices,
scores, ISBNs, versions, order and tracking numbers, years, quantities, rooms, flights and trains,
Chinese numerals, codes, links to no person, and @ that is no address.

Every maker takes a ``random.Random`` and the line's language ("zh" or "en").
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _nonzero(rng: random.Random, count: int) -> str:
    return rng.choice("123456789") + _digits(rng, count - 1)


def _pick(rng: random.Random, language: str, zh: list[str], en: list[str]) -> str:
    return rng.choice(zh if language == "zh" else en)


def date_text(rng: random.Random, language: str) -> str:
    d = date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000))
    shared = [d.isoformat(), d.strftime("%Y/%m/%d"), f"{d.year}.{d.month}.{d.day}", d.strftime("%Y%m%d")]
    zh = [f"{d.year}年{d.month}月{d.day}日", f"{d.month}月{d.day}号", f"{d.month}.{d.day}", f"{d.month}/{d.day}"]
    en = [f"{d.month}/{d.day}/{d.year}", d.strftime("%d.%m.%Y"), d.strftime("%d %B %Y"), d.strftime("%b %d, %Y"),
          d.strftime("%d/%m/%y"), d.strftime("%A %d %B"), d.strftime("%B %d")]
    return _pick(rng, language, zh + shared, en + shared)


def time_text(rng: random.Random, language: str) -> str:
    h, m = rng.randint(0, 23), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    shared = [f"{h:02d}:{m:02d}", f"{h}:{m:02d}", f"{h:02d}:{m:02d}-{(h + 2) % 24:02d}:{m:02d}"]
    zh = [f"下午{rng.randint(1, 6)}点半", f"{h}点{m}分", f"晚上{rng.randint(7, 11)}点", f"早上{rng.randint(6, 9)}点{rng.choice(['', '一刻', '半'])}"]
    en = [f"{(h % 12) or 12}:{m:02d} {'AM' if h < 12 else 'PM'}", f"{(h % 12) or 12}{'am' if h < 12 else 'pm'}",
          f"{h:02d}{m:02d} hours", f"half past {rng.randint(1, 12)}", f"{(h % 12) or 12}.{m:02d}pm"]
    return _pick(rng, language, zh + shared, en + shared)


def price_text(rng: random.Random, language: str) -> str:
    n = rng.choice([rng.randint(5, 99), rng.randint(100, 9999), rng.randint(10000, 999999)])
    zh = [f"¥{n:,}", f"￥{n}.{rng.randint(0, 99):02d}", f"{n}元", f"{n}块", f"{n / 10000:.1f}万", f"{n}刀", f"{n:,}.00元",
          f"{rng.randint(1, 99)}块{rng.randint(1, 9)}"]
    en = [f"${n:,}.{rng.randint(0, 99):02d}", f"£{n}.99", f"€{n},{rng.randint(0, 99):02d}", f"US${n:,}", f"{n:,} yuan",
          f"RMB {n:,}", f"HK${n:,}", f"${n / 1000:.1f}k", f"{n} bucks"]
    return _pick(rng, language, zh, en)


def score_text(rng: random.Random, language: str) -> str:
    a, b = rng.randint(60, 130), rng.randint(60, 130)
    zh = [f"{rng.randint(0, 5)}:{rng.randint(0, 5)}", f"{a}比{b}", f"{rng.randint(0, 5)}比{rng.randint(0, 5)}", f"{a}:{b}"]
    en = [f"{rng.randint(0, 5)}-{rng.randint(0, 5)}", f"{a}-{b}", f"6-{rng.randint(0, 4)}, 7-{rng.randint(5, 6)}", f"{a} to {b}"]
    return _pick(rng, language, zh, en)


def exam_text(rng: random.Random, language: str) -> str:
    zh = [f"{rng.randint(300, 750)}分", f"{rng.randint(1, 9)}.{rng.randint(0, 9)}分", f"{rng.randint(60, 150)}/150", f"第{rng.randint(1, 3000)}名",
          f"雅思{rng.choice(['6.5', '7', '7.5'])}", f"托福{rng.randint(80, 118)}", f"GPA {rng.randint(2, 3)}.{rng.randint(0, 99):02d}"]
    en = [f"{rng.randint(60, 100)}%", f"a GPA of {rng.randint(2, 3)}.{rng.randint(0, 99):02d}", f"{rng.randint(1200, 1600)} on the SAT",
          f"IELTS {rng.choice(['6.5', '7.0', '7.5'])}", f"{rng.randint(20, 50)}/50", f"band {rng.randint(5, 9)}"]
    return _pick(rng, language, zh, en)


def isbn_text(rng: random.Random, language: str) -> str:
    body = rng.choice(["978-7-", "978-0-", "978-1-", "979-8-"]) + f"{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-"
    plain = body.replace("-", "")
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(plain)) % 10) % 10
    full = body + str(check)
    return rng.choice([f"ISBN {full}", f"ISBN:{full.replace('-', '')}", f"ISBN {full}", "书号 " + full if language == "zh" else full])


def version_text(rng: random.Random, language: str) -> str:
    return rng.choice([f"v{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}", f"iOS {rng.randint(12, 18)}.{rng.randint(0, 6)}.{rng.randint(1, 3)}",
                       f"Android {rng.randint(9, 15)}", f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(100, 999)}",
                       f"Chrome {rng.randint(100, 130)}.0.{rng.randint(1000, 6999)}.{rng.randint(10, 199)}",
                       f"Windows 10 build 19045.{rng.randint(1000, 4999)}", f"Python 3.{rng.randint(6, 13)}.{rng.randint(0, 9)}",
                       f"MIUI {rng.randint(10, 14)}.0.{rng.randint(1, 9)}.0", f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                       f"微信{rng.randint(7, 8)}.0.{rng.randint(1, 50)}" if language == "zh" else f"build {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(1000, 9999)}"])


def order_text(rng: random.Random, language: str) -> str:
    zh = [f"订单号 {_nonzero(rng, 18)}", f"快递单号 SF{_digits(rng, 12)}", f"运单号 YT{_digits(rng, 13)}", f"订单编号：{_nonzero(rng, 16)}",
          f"取件码 {rng.randint(1, 9)}-{rng.randint(1, 9)}-{rng.randint(1000, 9999)}", f"交易流水号 {_nonzero(rng, 20)}",
          f"中通 {rng.choice(['7', '5'])}{_digits(rng, 13)}", f"单号{_nonzero(rng, 12)}", f"工单 #{rng.randint(10000, 99999)}"]
    en = [f"order #{rng.choice('ABCDEFGH')}{rng.randint(10, 99)}-{_digits(rng, 7)}", f"tracking 1Z{_digits(rng, 3)}AA{_digits(rng, 10)}",
          f"order no. {_nonzero(rng, 10)}", f"invoice INV-{rng.randint(2019, 2025)}-{_digits(rng, 5)}", f"ticket #{_nonzero(rng, 8)}",
          f"order {_nonzero(rng, 3)}-{_digits(rng, 7)}-{_digits(rng, 7)}", f"ref {rng.choice(string.ascii_uppercase)}{_digits(rng, 9)}"]
    return _pick(rng, language, zh, en)


def year_text(rng: random.Random, language: str) -> str:
    y = rng.randint(1950, 2030)
    zh = [f"{y}年", f"{y % 100:02d}年", f"{y}届", f"{y}-{y + rng.randint(1, 6)}年", f"{rng.choice(['80', '90', '95', '00', '05'])}后"]
    en = [f"in {y}", f"{y}", f"{y}-{y + rng.randint(1, 6)}", f"class of {y}", f"the {y // 10 % 10}0s", f"'{y % 100:02d}"]
    return _pick(rng, language, zh, en)


def quantity_text(rng: random.Random, language: str) -> str:
    zh = [f"{rng.randint(1000, 30000)}步", f"{rng.randint(1, 99)}.{rng.randint(0, 9)}公斤", f"{rng.randint(1, 20) * 50}毫升",
          f"{rng.randint(500, 9000)}字", f"1.{rng.randint(50, 95)}米", f"{rng.randint(2, 400)}个", f"{rng.randint(1, 12)}斤",
          f"{rng.randint(100, 99999)}人", f"{rng.randint(1, 999)}万播放", f"{rng.randint(1, 64) * 16}G", f"{rng.randint(100, 2000)}公里",
          f"{rng.randint(1, 600)}条"]
    en = [f"{rng.randint(1000, 30000):,} steps", f"{rng.randint(1, 99)}.{rng.randint(0, 9)} kg", f"{rng.randint(1, 20) * 50}ml",
          f"{rng.randint(500, 9000):,} words", f"{rng.randint(2, 400)} items", f"{rng.randint(100, 99999):,} people",
          f"{rng.randint(1, 64) * 16}GB", f"{rng.randint(100, 2000)} km", f"{rng.randint(1, 100)} packs", f"{rng.randint(1, 600)} dialogues"]
    return _pick(rng, language, zh, en)


def room_text(rng: random.Random, language: str) -> str:
    zh = [f"{rng.randint(1, 30)}0{rng.randint(1, 9)}会议室", f"教{rng.randint(1, 9)}-{rng.randint(101, 505)}", f"{rng.choice('ABCDE')}{rng.randint(101, 520)}教室",
          f"房间{rng.randint(1001, 3520)}", f"{rng.randint(201, 1230)}房", f"{rng.randint(1, 30)}号床", f"{rng.randint(1, 40)}排{rng.randint(1, 30)}座",
          f"{rng.randint(1, 20)}号窗口", f"{rng.randint(1, 9)}号厅"]
    en = [f"room {rng.randint(100, 999)}", f"Room {rng.randint(1, 5)}.{rng.randint(1, 40)}", f"Lecture Theatre {rng.randint(1, 9)}",
          f"gate {rng.choice('ABCD')}{rng.randint(1, 60)}", f"seat {rng.randint(1, 60)}{rng.choice('ABCDEF')}", f"Lab {rng.randint(1, 4)}.{rng.randint(10, 60)}",
          f"platform {rng.randint(1, 14)}"]
    return _pick(rng, language, zh, en)


def flight_text(rng: random.Random, language: str) -> str:
    airline = rng.choice(["CA", "MU", "CZ", "HU", "BA", "UA", "CX", "NH", "SQ", "3U", "MF", "DL", "AA", "EK"])
    return rng.choice([f"{airline}{rng.randint(100, 9999)}", f"{airline} {rng.randint(10, 999)}", f"{airline}{rng.randint(10, 999)}"])


def transit_text(rng: random.Random, language: str) -> str:
    zh = [f"G{rng.randint(1, 9999)}次", f"D{rng.randint(100, 3999)}", f"K{rng.randint(100, 9999)}次", f"{rng.randint(1, 999)}路公交",
          f"地铁{rng.randint(1, 18)}号线", f"{rng.randint(1, 18)}号线{rng.choice('ABCD')}{rng.randint(1, 6)}口", f"{rng.randint(1, 999)}路"]
    en = [f"the {rng.randint(1, 499)} bus", f"line {rng.randint(1, 18)}", f"the {rng.randint(6, 23)}:{rng.choice(['05', '35', '48'])} train",
          f"bus {rng.randint(1, 499)}", f"exit {rng.choice('ABCD')}{rng.randint(1, 6)}"]
    return _pick(rng, language, zh, en)


def numeral_text(rng: random.Random, language: str) -> str:
    """Chinese numerals that are no phone number: years, amounts, ranks, counts, ages."""
    y = str(rng.randint(1950, 2030))
    return rng.choice([f"{''.join('〇一二三四五六七八九'[int(c)] for c in y)}年", f"{''.join('零一二三四五六七八九'[int(c)] for c in y)}年",
                       "三千五百块", "一百二十三个", f"第{rng.choice('一二三四五六七八九十')}名", "六百八十二分", "十一点半", "两三个人",
                       "三五天", "一万两千步", f"{rng.choice('二三四五六七八九')}十{rng.choice('一二三四五六七八九')}岁", "一二三四五六七八九十",
                       "壹仟贰佰元整", "九九八十一难", "五六七八月份", "七八十个"])


def code_text(rng: random.Random, language: str) -> str:
    """Codes and numbers that carry no person: verification codes, tickers, love numbers, models."""
    zh = [f"验证码 {_digits(rng, 6)}", f"股票代码 {rng.choice(['600519', '000858', '300750', '601318'])}", "5201314", "1314520",
          f"第{rng.randint(1, 40)}章", f"编号{_digits(rng, 5)}", f"身高{rng.randint(150, 190)}体重{rng.randint(40, 90)}", f"{rng.randint(1, 9)}0{rng.randint(1, 9)}路"]
    en = [f"RTX {rng.choice(['3060', '4070', '4090'])}", f"i7-{rng.randint(10, 14)}700K", "COVID-19", f"GB/T {rng.randint(1000, 9999)}-{rng.randint(2000, 2024)}",
          f"ISO {rng.choice(['9001', '27001', '14001'])}", f"SKU {_digits(rng, 3)}-{_digits(rng, 4)}-{_digits(rng, 3)}", f"page {rng.randint(1, 600)}",
          f"section {rng.randint(1, 9)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}", rng.choice(["A4", "M25", "B12", "PS5", "F1", "CO2", "A1", "M4", "E10"]),
          f"a {rng.choice(['1920x1080', '2560x1440', '3840x2160'])} screen", f"PIN {_digits(rng, 4)}"]
    return _pick(rng, language, zh, en)


def link_text(rng: random.Random, language: str) -> str:
    """Links that lead to no person: pages, videos, questions, docs."""
    return rng.choice(["https://www.baidu.com", "https://en.wikipedia.org/wiki/Shanghai", "www.bilibili.com/video/BV1xx411c7mD",
                       "https://docs.python.org/3/library/re.html", "https://www.taobao.com", "https://www.bbc.co.uk/news",
                       "https://www.gov.uk/browse/driving", "https://movie.douban.com/subject/1292052/",
                       "https://www.zhihu.com/question/19550225", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                       f"https://github.com/django/django/issues/{rng.randint(1000, 35000)}", "http://localhost:8000/admin/"])


def at_text(rng: random.Random, language: str) -> str:
    """An @ that is no address or handle: a price each, a time, a mention of everyone."""
    return _pick(rng, language, ["@所有人", f"{rng.randint(2, 12)}个@{rng.randint(2, 9)}块"],
                 [f"{rng.randint(2, 12)} @ ${rng.randint(1, 20)}.99", f"@ {rng.randint(1, 11)}pm", "@everyone", f"{rng.randint(2, 9)}x @ {rng.randint(10, 90)}p"])
