"""A passage found in a collection, as the documents service hands it out and an answer
cites it: its text and exactly where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Passage:
    """A passage found in a collection, and exactly where it came from."""

    number: int  # its rank, 1-based: what an answer cites as [number]
    document_id: str
    path: str
    page: int | None
    section: str | None
    line: int | None
    char_start: int
    char_end: int
    text: str
    score: float  # lower ranks higher: BM25, or minus the fused score with an embedding model
    distance: float | None = None  # cosine distance from the question, when found by meaning

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    @property
    def location(self) -> str:
        """"page 3", "sheet Sales", "line 12", or "" for a whole file."""
        if self.section:
            return f"sheet {self.section}"
        if self.page is not None:
            return f"page {self.page}"
        return f"line {self.line}" if self.line else ""

    @property
    def source(self) -> str:
        return f"{self.file_name}, {self.location}" if self.location else self.file_name

    def as_json(self) -> dict[str, object]:
        return {
            "number": self.number, "file": self.file_name, "path": self.path, "page": self.page,
            "sheet": self.section, "line": self.line, "char_start": self.char_start,
            "char_end": self.char_end, "text": self.text, "score": round(self.score, 4),
            "distance": None if self.distance is None else round(self.distance, 4),
        }
