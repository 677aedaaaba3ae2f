"""``python manage.py detect_dialogues FILE [--json OUT] [--llm]``: run the literary dialogue detector alone."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotation.extraction import UndecodableText, decode_text, detect_candidates, epub_text


class Command(BaseCommand):
    help = (
        "Print the candidate dialogue passages of a text file (UTF-8, GB18030/GBK, Big5, UTF-16) or EPUB; "
        'with --json, write a list of {"start", "end", "lines": [{"speaker", "text", "method", "uncertain"}]}; '
        "with --llm, ask the LLM of the LLM_* settings for the speakers of uncertain lines."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", type=Path, dest="json_out", help="Write the candidates to this JSON file.")
        parser.add_argument("--llm", action="store_true", help="Ask the configured LLM about uncertain speakers.")

    def handle(self, *args, file: Path, json_out: Path | None, llm: bool = False, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            text = epub_text(data) if file.suffix.lower() == ".epub" else decode_text(data).text
        except UndecodableText as error:
            raise CommandError(str(error)) from error
        found = detect_candidates(text)
        if llm:
            from annotation.extraction.llm import attribute_uncertain
            from annotation.llm import LLMError, client_for

            try:
                outcome = attribute_uncertain(text, found, client=client_for())
            except LLMError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"LLM: {outcome.accepted} of {outcome.asked} uncertain line(s) attributed.")
            for reason in outcome.rejected:
                self.stdout.write(f"  not used: {reason}")
        candidates = [candidate.as_json() for candidate in found]
        for number, candidate in enumerate(candidates, start=1):
            self.stdout.write(f"#{number} [{candidate['start']}:{candidate['end']}]")
            for line in candidate["lines"]:
                self.stdout.write(f"  {line['speaker'] or '?'}: {line['text']}")
        lines = sum(len(candidate["lines"]) for candidate in candidates)
        self.stdout.write(f"{len(candidates)} candidate(s), {lines} line(s).")
        if json_out:
            json_out.write_text(json.dumps(candidates, ensure_ascii=False, indent=2), encoding="utf-8")
