"""Database triggers that keep turn sequence numbers gap-free and immutable.

A unique constraint alone admits 1, 2, 5; these triggers refuse any insert whose ``seq`` is not
one more than the dialogue's last turn, and any change of a stored turn's ``seq`` or dialogue.
"""

from django.db import migrations

GAP_MESSAGE = "turn seq must be one more than the last turn of its dialogue"
IMMUTABLE_MESSAGE = "a stored turn keeps its dialogue and seq"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER roleplay_turn_seq_gap_free BEFORE INSERT ON roleplay_turn
    WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM roleplay_turn WHERE dialogue_id = NEW.dialogue_id)
    BEGIN SELECT RAISE(ABORT, '{GAP_MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER roleplay_turn_seq_immutable BEFORE UPDATE OF seq, dialogue_id ON roleplay_turn
    WHEN NEW.seq <> OLD.seq OR NEW.dialogue_id <> OLD.dialogue_id
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS roleplay_turn_seq_gap_free;",
    "DROP TRIGGER IF EXISTS roleplay_turn_seq_immutable;",
]

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION roleplay_turn_seq_check() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.seq <> OLD.seq OR NEW.dialogue_id <> OLD.dialogue_id THEN
                RAISE EXCEPTION '{IMMUTABLE_MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM roleplay_turn WHERE dialogue_id = NEW.dialogue_id) THEN
            RAISE EXCEPTION '{GAP_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER roleplay_turn_seq_gap_free BEFORE INSERT OR UPDATE OF seq, dialogue_id ON roleplay_turn
    FOR EACH ROW EXECUTE FUNCTION roleplay_turn_seq_check();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS roleplay_turn_seq_gap_free ON roleplay_turn;",
    "DROP FUNCTION IF EXISTS roleplay_turn_seq_check();",
]


def _run(statements_by_vendor: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("roleplay", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
