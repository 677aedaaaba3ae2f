"""``python manage.py import_synthesis FILE --name NAME [--model MODEL] [--user USERNAME]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotation.services.synthesis import ImportRejected, batch_import_jsonl
from platform_core.models import User


class Command(BaseCommand):
    help = "Import a synthesis batch from a JSONL file; nothing is imported unless every line is valid."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", required=True, help="Name of the new batch.")
        parser.add_argument("--model", default="", help="The LLM that produced the file, e.g. gpt-4.")
        parser.add_argument("--user", default="", help="Username recorded as the batch's creator.")

    def handle(self, *args, file: Path, name: str, model: str, user: str, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file} as UTF-8: {error}") from error
        author = None
        if user:
            author = User.objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            batch = batch_import_jsonl(name=name, llm_model=model, author=author, lines=text)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(rejected.errors)} invalid line(s); nothing imported. First: {rejected.errors[0]}"
            ) from None
        self.stdout.write(f"Imported batch #{batch.pk} with {batch.dialogues.count()} dialogue(s).")
