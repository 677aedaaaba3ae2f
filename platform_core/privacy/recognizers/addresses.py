"""Addresses: Chinese (mainland, Hong Kong and Taiwan, simplified or traditional) and English (US,
UK, Canadian, Australian and Hong Kong forms), PO boxes and postcodes."""

import re

from platform_core.privacy.recognizers.base import ADDRESS, TroupeRecognizer, any_of
from platform_core.privacy.view import ci

_ZH_PLACE_CHAR = r"(?:(?![在住到于是的我你他她们址送寄为了])[\u4e00-\u9fff])"
_ZH_NUMBER = r"(?:[0-9]{1,5}|[一二三四五六七八九十百零]{1,6})"
# Floor, unit, room …: "3单元", "12樓", "B室", "15樓之3".
_ZH_UNIT_WORD = r"(?:号楼|號樓|栋|棟|幢|座|单元|單元|层|層|楼|樓|室|号|號)"
_ZH_UNIT = rf"(?:(?:[0-9]{{1,4}}|[A-Za-z]|[一二三四五六七八九十]{{1,4}}){_ZH_UNIT_WORD}(?:之[0-9]{{1,2}})?)"
_ZH_INNER_UNIT = r"(?:(?:[0-9]{1,4}|[A-Za-z])(?:单元|單元|层|層|楼|樓|室|号|號)(?:之[0-9]{1,2})?)"
# A residential estate or building by its last word: 阳光小区, 碧桂园, 幸福公寓, 万科城, 禾輋邨 …
_ZH_ESTATE = r"(?:小区|花园|公寓|大厦|大楼|新村|家园|山庄|广场|中心|苑|城|园|邨|府|邸|湾|庭|居|阁|轩|坊|公馆|天街)"
# Province, city, prefecture, county, district: after one, a place name may hold any character
# ("于都县").
_ZH_DIVISION = r"(?:省|自治区|市|州|盟|县|区|區|旗)"
_ZH_BUILDING = r"(?:[0-9]{1,3}|[A-Za-z])(?:号楼|號樓|栋|棟|幢|座)"
# Building, unit and room as numbers: "23-4-1174".
_ZH_NUMBERED_UNIT = r"[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}(?![0-9-])"
# A room number: not a year or a date ("5号楼2023年").
_ZH_ROOM = r"[0-9]{3,4}(?:室|号|號)?(?![0-9年月日])"
_EN_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|"
    r"Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Gardens|Grove|Row|Walk|Mews|Parade|Pde|Esplanade|Circuit|Hill)"
)
_EN_LETTER = "a-zà-ÿ"
_EN_STREET_NAME = rf"(?:[A-Z][{_EN_LETTER}]+(?:-[A-Z][{_EN_LETTER}]+)?(?:'s)?\.?|[0-9]{{1,3}}(?:st|nd|rd|th))"
_EN_STREET_NAME_ANY_CASE = r"[a-z]+(?:'s)?"
_EN_UNIT = r"(?i:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Rm|Shop)\.? ?#?[0-9A-Za-z]{1,5}"
_EN_DIRECTION = r"(?:NW|NE|SW|SE|N|S|E|W|O|Central|East|West|North|South)"
# Before the number: a flat ("Flat 3, …", "Unit 5/23 …"), a Hong Kong floor and block ("Flat B,
# 12/F, Block 2, …", "… Lok Fu Court, …"), a unit ("#29-17, …"), a unit number ("1203-88 Bay Street").
_EN_BEFORE = (
    rf"(?:{_EN_UNIT}(?:,? |/)|#[0-9]{{1,4}}-[0-9]{{1,4}},? )?(?:[0-9]{{1,3}}/F,? )?(?:(?:Block|Blk|Tower|Phase) [0-9A-Z]{{1,3}},? "
    rf"|(?:[A-Z][{_EN_LETTER}]+ ){{1,3}}(?:Court|House|Building|Centre|Center|Mansion|Plaza|Tower|Estate|Gardens?),? )?"
    r"(?:[0-9]{1,5}[A-Za-z]?[-/])?"
)
# A French street name: "Sainte-Catherine", "de la Montagne".
_FR_NAME = rf"(?:de |du |des |la )?[A-Z][{_EN_LETTER}']+(?:-[A-Za-z][{_EN_LETTER}']+)*"
_EN_STREET_ADDRESS = (
    rf"[0-9]{{1,5}}[A-Za-z]?,? (?:{_EN_DIRECTION}\.? )?(?:{_EN_STREET_NAME} ){{1,3}}{_EN_STREET}(?![A-Za-z])\.?"
    rf"|[0-9]{{1,5}},? (?:Rue|rue|Boulevard|Boul\.?|Avenue|Chemin) {_FR_NAME}(?: {_FR_NAME}){{0,2}}"
)
_EN_NOT_A_NAME = (
    r"(?:the|a|an|on|of|to|in|at|by|for|from|my|your|his|her|our|their|this|that|down|up|and|or|more|other|last|"
    r"next|per|each|every|lane|miles?|km|blocks?|minutes?|mins?|hours?|days?)"
)
# Street types that are no everyday word after a number, and words that start no street name: in
# any case ("1228 kings road") an address needs both.
_EN_STREET_PLAIN = r"(?:street|st|road|rd|avenue|ave|lane|ln|boulevard|blvd|drive|terrace|crescent|parkway|highway)"
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_CA_PROVINCES = "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT"
_AU_STATES = "NSW|VIC|QLD|TAS|ACT|NT|SA|WA"
_UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}"
_CA_POSTCODE = r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]"
# After a street: one or two ", Town", then a state and ZIP, a province and postcode, an Australian
# state and postcode, or a UK postcode (in any case).
_EN_TOWN = (
    rf"(?:(?:, ?(?:[A-Z][{_EN_LETTER}]+ ){{0,2}}[A-Z][{_EN_LETTER}]+(?![A-Za-z])){{1,2}}"
    rf"(?:,? (?:{_AU_STATES}) [0-9]{{4}}(?![0-9])|,? (?:{_CA_PROVINCES}) {_CA_POSTCODE}(?![A-Za-z0-9])"
    rf"|,? (?:{_US_STATES})(?: [0-9]{{5}}(?:-[0-9]{{4}})?)?(?![A-Za-z0-9])|,? (?:{_CA_PROVINCES})(?![A-Za-z0-9])"
    rf"|,? (?i:{_UK_POSTCODE})(?![A-Za-z0-9]))?)?"
)
# Australian postcodes by state, for "NSW 2000" alone ("SA 2024" is none).
_AU_POSTCODES = {
    "NSW": ((1000, 2999),), "ACT": ((200, 299), (2600, 2620), (2900, 2920)), "VIC": ((3000, 3999), (8000, 8999)),
    "QLD": ((4000, 4999), (9000, 9999)), "SA": ((5000, 5999),), "WA": ((6000, 6999),), "TAS": ((7000, 7999),),
    "NT": ((800, 999),),
}  # fmt: skip


class AddressRecognizer(TroupeRecognizer):
    """Street addresses (Chinese: road + number + 号/號, with 段, 巷, 弄, building, floor and room and a
    bracketed landmark; a building with its floor or room; an estate with N-N-NNN; a village with
    its group or house number; English: number + name + street type, with flat, Hong Kong floor
    and block, unit number, direction, town, state or province and postcode), PO boxes, Chinese
    postcodes after 邮编, UK and Canadian postcodes, US ZIP codes after a state or "ZIP",
    Australian postcodes after a state."""

    entity = ADDRESS
    patterns_spec = (
        (
            "street_address",
            any_of(
                # 北京市海淀区中关村大街27号, …路962弄39号万科城大厦17楼, 忠孝東路四段216巷8弄5號3樓
                f"{_ZH_PLACE_CHAR}{{2,14}}?(?:路|街|大道|道|巷|胡同|弄|里|段|条)(?:[一二三四五六七八九十]段)?(?:[0-9]{{1,4}}巷)?"
                f"(?:[0-9]{{1,4}}弄)?{_ZH_NUMBER}(?:号|號)(?:院)?"
                f"(?:{_ZH_PLACE_CHAR}[\\u4e00-\\u9fff0-9A-Za-z]{{0,10}}?(?={_ZH_UNIT}))?{_ZH_UNIT}{{0,4}}"
                f"(?:(?<=[号號栋棟幢座元楼樓])[0-9]{{3,4}}(?![0-9]))?(?:\\([\\u4e00-\\u9fff]{{2,12}}\\))?",
                # 阳光小区3栋2单元501, 北京大学10号楼285, 第一城12座3樓5室, 阳光100东5幢1178
                f"(?:{_ZH_PLACE_CHAR}(?:{_ZH_PLACE_CHAR}|[0-9]){{0,16}}?)?{_ZH_BUILDING}"
                f"(?:{_ZH_INNER_UNIT}{{1,3}}(?:{_ZH_ROOM})?|{_ZH_ROOM})",
                # 幸福公寓23-4-1174, 翠苑一区7-1-1274
                f"{_ZH_PLACE_CHAR}{{0,16}}?(?:{_ZH_ESTATE}|区)(?:[0-9]{{1,2}}期)?{_ZH_NUMBERED_UNIT}",
                # …镇刘庄村11组25号, …村137号
                f"(?:{_ZH_PLACE_CHAR}{{1,7}}?{_ZH_DIVISION}(?:[\\u4e00-\\u9fff]{{1,7}}?(?:{_ZH_DIVISION}|镇|乡))*)?"
                f"{_ZH_PLACE_CHAR}{{2,20}}?(?:村|屯|寨|庄)(?:(?:[0-9]{{1,3}}|[一二三四五六七八九十]{{1,3}})(?:组|队|社)(?:[0-9]{{1,4}}号)?"
                f"|[0-9]{{1,4}}号)",
                # Flat 3, 14 Queen's Road, Bristol BS8 1QU; 350 5th Ave, New York, NY 10118; Unit 5/23 George St,
                # Sydney NSW 2000; Flat B, 12/F, Block 2, 88 Nathan Road, Mong Kok, Kowloon
                rf"(?-i:(?<![0-9A-Za-z]){_EN_BEFORE}(?:{_EN_STREET_ADDRESS})"
                rf"(?:,? {_EN_DIRECTION}(?![A-Za-z])(?! [A-Z][a-z]))?(?:,? ?{_EN_UNIT}|,? ?# ?[0-9]{{1,5}}[A-Za-z]?)?{_EN_TOWN})",
            ),
            0.65,
        ),
        # An estate of any name with building-unit-room numbers ("融创玖樘3-2-1502") is as often
        # another number after a word ("身份证890-78-7928", "取件码12-3-4567"): a context word decides.
        (
            "estate_any_name",
            f"{_ZH_PLACE_CHAR}{{2,16}}?(?<![码号单编第])[0-9]{{0,4}}?(?:[0-9]{{1,2}}期)?{_ZH_NUMBERED_UNIT}",
            0.3,
        ),
        (
            "street_address_any_case",
            rf"(?<![0-9A-Za-z])[0-9]{{1,5}}[a-z]? (?:(?!{_EN_NOT_A_NAME} ){_EN_STREET_NAME_ANY_CASE} ){{1,2}}{_EN_STREET_PLAIN}(?![a-z])"
            rf"(?:,? ?{_EN_UNIT})?",
            0.5,
        ),
        (
            "postcode_named",
            any_of(
                r"(?:邮编|邮政编码|郵遞區號|郵編)\s{0,2}(?:是|为|:|：)?\s{0,2}\K[0-9]{3,6}(?![0-9])",
                r"(?<![a-z])(?:zip|zip code|postal code|postcode)\s{0,2}(?:is|:)?\s{0,2}\K[0-9]{5}(?:-[0-9]{4})?(?![0-9])",
            ),
            0.8,
        ),
        ("po_box", rf"(?<![a-z])p\.? ?o\.? box [0-9]{{1,6}}(?![0-9])(?-i:{_EN_TOWN})|邮政信箱[0-9]{{1,6}}号?", 0.7),
        (
            "state_postcode",
            any_of(
                f"(?-i:(?<![A-Za-z])(?:{_US_STATES}),? [0-9]{{5}}(?:-[0-9]{{4}})?(?![0-9]))",
                f"(?-i:(?<![A-Za-z])(?:{_AU_STATES}) [0-9]{{4}}(?![0-9]))",
            ),
            0.6,
        ),
        ("uk_ca_postcode", rf"(?-i:(?<![A-Za-z0-9])(?:{_UK_POSTCODE}|{_CA_POSTCODE})(?![A-Za-z0-9]))", 0.5),
        # In lower case only after "postcode" (a context word) is it taken for one.
        (
            "postcode_lower",
            r"(?-i:(?<![A-Za-z0-9])(?:[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][abd-hjlnp-uw-z]{2}|[a-z][0-9][a-z] ?[0-9][a-z][0-9])(?![A-Za-z0-9]))",
            0.3,
        ),
    )
    context_words = (
        "地址", "住在", "住址", "寄到", "送到", "地点", "搬到", "住", "寄", "收货", "送货", "address", "live at", "lives at", "postcode",
        "post code", "postal code", "deliver", "ship to", "send it to", "mail it to",
    )  # fmt: skip
    negative_context = ("gb", "tb", "ram", "ssd", "内存", "硬盘", "存储")
    prefilter = (
        f"(?:路|街|道|巷|胡同|弄|里|段|条)[0-9０-９一二三四五六七八九十百零]{{1,6}}[号號]"
        r"|[0-9０-９A-Za-zＡ-Ｚａ-ｚ](?:号楼|號樓|栋|棟|幢|座)|邮编|邮政编码|郵遞區號|郵編|邮政信箱"
        "|[\u4e00-\u9fff][0-9０-９]{1,7}[-－][0-9０-９]{1,2}[-－][0-9０-９]{3,4}"
        r"|(?:村|屯|寨|庄)[0-9０-９一二三四五六七八九十]{1,4}(?:组|队|社|号)"
        f"|[0-9０-９]{{1,5}}[A-Za-z]?,? (?:(?:[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?(?:'s)?\\.?|[A-Z]{{1,2}}\\.?|[0-9]{{1,3}}(?:st|nd|rd|th)) ){{1,4}}{_EN_STREET}"
        f"|[0-9]{{1,5}}[A-Za-z]? (?:[A-Za-z]+(?:'[sS])? ){{1,2}}(?:{'|'.join(ci(word) for word in _EN_STREET_PLAIN[3:-1].split('|'))})"
        "|[0-9]{1,5},? (?:[Rr]ue|Boul|Chemin) "
        "|[A-ZＡ-Ｚ]{1,2}[0-9０-９][A-Z0-9Ａ-Ｚ０-９]?[ \u3000]?[0-9０-９][A-ZＡ-Ｚ]{2}"
        "|[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}|[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]"
        f"|(?:{_US_STATES}),? [0-9]{{5}}|(?:{_AU_STATES}) [0-9]{{4}}|{ci('zip')}|{ci('postal code')}|{ci('postcode')}|{ci('post code')}"
        "|[PpＰｐ][.．]? ?[OoＯｏ][.．]? " + ci("box")
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        # "M2 8GB", "A17 1TB": storage sizes look like UK postcodes.
        if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9](?:GB|TB|MB|KB|PB)", pattern_text, re.IGNORECASE):
            return True
        state = re.fullmatch(rf"({_AU_STATES}) ([0-9]{{4}})", pattern_text)
        return state is not None and not any(lo <= int(state[2]) <= hi for lo, hi in _AU_POSTCODES[state[1]])
