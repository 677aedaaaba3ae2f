"""Fill zh-Hans translations from locale/zh_hans.tsv into the .po files (run after makemessages).

Usage: python locale/translate_zh.py   (then: python manage.py compilemessages)
The TSV has one ``msgid<TAB>msgstr`` per line; ``\\n`` in either column stands for a newline.
Both ``django.po`` and (when it exists) ``djangojs.po`` are filled.

Plural entries (``msgid_plural``) are looked up by their singular msgid; Chinese has a
single plural form, so every ``msgstr[n]`` gets the same text.  A line may also use
``msgid|msgid_plural`` as its first column to target one plural entry precisely.
Entries left fuzzy by makemessages count as missing until the TSV provides them.
"""

import re
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
DOMAINS = ("django", "djangojs")


def load_table() -> dict:
    table = {}
    for line in (HERE / "zh_hans.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            msgid, msgstr = line.split("\t", 1)
            table[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    return table


def plural_count(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 1


def fill(po: polib.POFile, table: dict) -> tuple[int, int]:
    filled = missing = 0
    nforms = plural_count(po)
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            text = table.get(f"{entry.msgid}|{entry.msgid_plural}", table.get(entry.msgid))
            if text is not None:
                entry.msgstr_plural = {i: text for i in range(nforms)}
        else:
            text = table.get(entry.msgid)
            if text is not None:
                entry.msgstr = text
        if text is not None:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            filled += 1
        elif "fuzzy" in entry.flags or not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr):
            missing += 1
    return filled, missing


def main() -> None:
    table = load_table()
    total_filled = total_missing = 0
    for domain in DOMAINS:
        path = HERE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        if not path.exists():
            continue
        po = polib.pofile(str(path))
        filled, missing = fill(po, table)
        po.save()
        print(f"{domain}.po: {filled} translated, {missing} still missing")
        total_filled += filled
        total_missing += missing
    print(f"{total_filled} translated, {total_missing} still missing")


if __name__ == "__main__":
    main()
