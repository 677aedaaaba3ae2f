"""Fill zh-Hans translations from locale/zh_hans.tsv into the .po file (run after makemessages).

Usage: python locale/translate_zh.py   (then: python manage.py compilemessages)
The TSV has one ``msgid<TAB>msgstr`` per line; ``\\n`` in either column stands for a newline.
"""

from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent


def main() -> None:
    table = {}
    for line in (HERE / "zh_hans.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            msgid, msgstr = line.split("\t", 1)
            table[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    po = polib.pofile(str(HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    filled = missing = 0
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
        elif not entry.msgstr:
            missing += 1
    po.save()
    print(f"{filled} translated, {missing} still missing")


if __name__ == "__main__":
    main()
