"""What a build wrote, counted per split: dialogues, turns, chat examples, characters, sources and
categories, and the turns per dialogue over the whole corpus (the datasheet's histogram)."""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.models import SPLITS


class WrittenStatistics:
    """Counts of the written dialogues, added a chunk at a time.

    A chunk has thousands of dialogues and a few characters, sources and categories: the counts
    are taken over codes per split rather than per dialogue in Python.
    """

    def __init__(self) -> None:
        self.turns_per_dialogue: Counter = Counter()
        self.split_stats = {split: Counter() for split in SPLITS}
        self.split_characters: dict[str, set[int]] = {split: set() for split in SPLITS}
        self.by_source: Counter = Counter()
        self.by_category: Counter = Counter()
        self.by_split_source: Counter = Counter()
        self.by_split_category: Counter = Counter()

    def add(
        self,
        *,
        split_codes: np.ndarray,
        characters: np.ndarray,
        category_of: dict[int, str],
        sources: pa.Array,
        turns: np.ndarray,
        examples: np.ndarray,
    ) -> None:
        """One chunk's written dialogues: each one's split (its position in ``SPLITS``), character,
        source, kept turns and examples per file; ``category_of`` maps each of those characters (and
        maybe others) to its category."""
        distinct, character_code = np.unique(characters, return_inverse=True)
        category_names = [category_of[character] for character in distinct.tolist()]
        category_codes = {name: code for code, name in enumerate(dict.fromkeys(category_names))}
        category = np.array([category_codes[name] for name in category_names], dtype=np.int64)[character_code]
        encoded = pc.dictionary_encode(sources)
        source_code = encoded.indices.to_numpy(zero_copy_only=False)
        source_names = encoded.dictionary.to_pylist()
        values, counts = np.unique(turns, return_counts=True)
        self.turns_per_dialogue.update(dict(zip(values.tolist(), counts.tolist(), strict=True)))
        for position, split in enumerate(SPLITS):
            mine = split_codes == position
            if not mine.any():
                continue
            stats, lines = self.split_stats[split], int(examples[mine].sum())
            stats["characterglm_examples"] += lines
            stats["messages_examples"] += lines
            stats["dialogues"] += int(mine.sum())
            stats["turns"] += int(turns[mine].sum())
            self.split_characters[split].update(distinct[np.unique(character_code[mine])].tolist())
            for names, codes, total, by_split in (
                (source_names, source_code, self.by_source, self.by_split_source),
                (list(category_codes), category, self.by_category, self.by_split_category),
            ):
                for name, count in zip(names, np.bincount(codes[mine], minlength=len(names)).tolist(), strict=True):
                    if count:
                        total[name] += count
                        by_split[(split, name)] += count

    def splits(self) -> dict[str, dict]:
        """Per split: dialogues, turns, examples per file, characters, by source, by category."""
        splits = {}
        for split in SPLITS:
            info = dict(sorted(self.split_stats[split].items()))
            info.setdefault("dialogues", 0)
            info.setdefault("turns", 0)
            info["characters"] = len(self.split_characters[split])
            info["by_source"] = {s: n for (sp, s), n in sorted(self.by_split_source.items()) if sp == split}
            info["by_category"] = {c: n for (sp, c), n in sorted(self.by_split_category.items()) if sp == split}
            splits[split] = info
        return splits
