"""Which thinc backend the NER models compute with: numpy's BLAS for the dense layers, not blis.

thinc's CPU ops multiply matrices with blis by default. On the models' tok2vec layers
(batches of a few thousand tokens by 384 by 384) numpy's bundled OpenBLAS is faster here:
the English model's tok2vec took 4.1 CPU-s instead of 4.9 on the 2,616 paragraphs of
bench/throughput.py's first 400 items, and the entities of those articles and of the
CoNLL tests came out the same (docs/experiments.md). The parser's own step loop keeps
blis (thinc's `CBlas`), whatever the ops.

Models take their ops when they are built, so this must run before `spacy.load`.
"""
from __future__ import annotations


def use_numpy_blas() -> None:
    """Makes thinc's current ops (of this thread and context) numpy-BLAS CPU ops; pipelines
    loaded afterwards here compute with them, in whichever thread they run."""
    from thinc.api import NumpyOps, set_current_ops

    set_current_ops(NumpyOps(use_blis=False))
