"""models/ner-en/generalisation.py on tiny inline files: the label mappings, IO tags, the fixed
dev/test split and the tokens left missing for training. No data from ../shared is needed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "ner-en"))
import generalisation as g  # noqa: E402

SOURCE = {s.name: s for s in g.SOURCES}


def test_wnut_types_map_to_conll_and_products_are_dropped():
    tags = ["B-person", "I-person", "O", "B-corporation", "B-product", "I-product", "B-group"]
    assert g.to_iob2(tags, g.WNUT) == ["B-PER", "I-PER", "O", "B-ORG", "O", "O", "B-ORG"]
    assert g.to_iob2(tags, g.WNUT, dropped=g.MISSING)[4:6] == [g.MISSING, g.MISSING]


def test_io_tags_become_iob2_and_a_type_change_starts_a_span():
    assert g.to_iob2(["I-ORG", "I-ORG", "I-PER", "O", "I-MISC"], g.CONLL) == ["B-ORG", "I-ORG", "B-PER", "O", "B-MISC"]


def test_crossner_folds_into_four_types():
    assert g.to_iob2(["B-politician", "B-politicalparty", "B-country", "B-election", "I-election"], g.CROSSNER) == \
        ["B-PER", "B-ORG", "B-LOC", "B-MISC", "I-MISC"]


def test_a_set_without_misc_is_scored_without_it():
    assert SOURCE["wnut17"].labels == ("PER", "LOC", "ORG")
    assert SOURCE["crossner_politics"].labels == g.TYPES


@pytest.fixture
def root(tmp_path):
    tweets = "\n\n".join(f"tweet\tO\nnumber\tO\n{i}\tO\nBarack\tB-person\nObama\tI-person\nAmerican\tO"
                         for i in range(40))
    (tmp_path / "wnut17").mkdir()
    for name in ("dev.conll", "test.conll", "train.conll"):
        (tmp_path / "wnut17" / name).write_text(tweets + "\n", encoding="utf-8")
    uner = "".join(f"# newdoc id = d{i}\n# sent_id = s{i}\n1\tIn\tO\t-\t-\n2\tParis\tB-LOC\t-\t-\n\n" for i in range(30))
    (tmp_path / "uner_pud").mkdir()
    (tmp_path / "uner_pud" / "test.iob2").write_text(uner, encoding="utf-8")
    return tmp_path


def test_halves_are_disjoint_fixed_and_cover_the_set(root):
    for name, n in (("wnut17", 40), ("uner_pud", 30)):
        dev = g.eval_units(SOURCE[name], root, "dev")
        test = g.eval_units(SOURCE[name], root, "test")
        assert {u.key for u in dev}.isdisjoint({u.key for u in test})
        assert len({u.key for u in dev} | {u.key for u in test}) == n
        assert 0 < len(dev) < n
        assert [u.key for u in g.eval_units(SOURCE[name], root, "dev")] == [u.key for u in dev]
    assert g.eval_units(SOURCE["uner_pud"], root, "dev")[0].sents[0] == [("In", "O"), ("Paris", "B-LOC")]


def test_training_leaves_conll_misc_words_missing_in_sets_without_misc(root):
    conll = [[[("American", "B-MISC"), ("troops", "O")], [("American", "B-MISC")], [("Obama", "B-PER")]]]
    (wnut,) = [docs for name, docs in g.training_docs(root, conll, names=["wnut17"]).items()]
    assert wnut[0][0][-3:] == [("Barack", "B-PER"), ("Obama", "I-PER"), ("American", g.MISSING)]


def test_a_missing_file_names_the_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        g.eval_units(SOURCE["wikigold"], tmp_path, "dev")
