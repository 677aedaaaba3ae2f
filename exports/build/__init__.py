"""Building a corpus from a spec's snapshot: the engine behind ``exports.services.builds``.

A build streams the selected dialogues with their turns as Arrow tables of whole dialogues
(``turn_stream``: chunks of consecutive dialogues; on PostgreSQL through COPY), and works on three
threads: the reader fetches the next chunks, the curation thread runs the per-turn steps on a chunk
(``kernels.batch_curation``: personal data, empty and near-duplicate turns, compiled or in Arrow,
mostly without the GIL), and the builder's thread (``pipeline``) decides per dialogue (split plan
from ``splits``, minimum length, exact duplicates) and writes the chat examples
(``kernels.examples``, built in columns) and the Parquet rows (on the ``writers``' own thread).
What it keeps in memory is the chunks read ahead (``turn_stream.READ_AHEAD_BYTES``) and the two
it works on, one Parquet row group per split, the characters (for the split), and one 16-byte hash per kept dialogue (for exact-duplicate detection). ``publish`` hashes
the files, writes the manifest and datasheet, takes the next version number and renames the
build's directory into place; ``progress`` reports to browsers, the build row and the CLI.
"""
