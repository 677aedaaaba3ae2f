"""Literary works: decoding uploads, splitting chapters, and detecting dialogue lines with speakers.

Pure functions over text; ``annotation.services`` stores what they find. Modules:

- ``decoding``: plain-text encodings and EPUB;
- ``chapters``: chapter, act and scene headings;
- ``quotes``: pairing quotation marks as editions print them;
- ``zh`` / ``en``: speakers of Chinese and English prose quotes, from the clause around each;
- ``scripts``: play and screenplay layouts;
- ``detect``: lines, alternation in exchanges, candidate passages;
- ``llm``: the optional LLM pass over the lines the rules leave uncertain.
"""

from annotation.extraction.chapters import Chapter, split_chapters
from annotation.extraction.decoding import Decoded, UndecodableText, decode_text, epub_text
from annotation.extraction.detect import MAX_GAP, Candidate, Line, detect_candidates, detect_lines, normalise_line

__all__ = [
    "MAX_GAP",
    "Candidate",
    "Chapter",
    "Decoded",
    "Line",
    "UndecodableText",
    "decode_text",
    "detect_candidates",
    "detect_lines",
    "epub_text",
    "normalise_line",
    "split_chapters",
]
