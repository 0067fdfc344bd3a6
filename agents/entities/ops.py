"""Which thinc backend the NER models compute with: numpy's BLAS for the dense layers, not blis.

thinc's CPU ops multiply matrices with blis by default. On the models' tok2vec layers
(batches of a few thousand tokens by 384 by 384) numpy's bundled OpenBLAS is faster here:
the English model's tok2vec took 4.1 CPU-s instead of 4.9 on the 2,616 paragraphs of
bench/throughput.py's first 400 items, and the entities of those articles and of the
CoNLL tests came out the same (docs/experiments.md). The parser's own step loop keeps
blis (thinc's `CBlas`), whatever the ops.

Models take their ops when they are built, so this must run before `spacy.load`.

numpy's OpenBLAS starts a thread per core and its idle threads spin: with one newsflow
process per core (`enrich --jobs`, `worker --processes`) they fought each other, and
`bench/throughput.py` measured 62-76 CPU ms per article instead of about 45. newsflow's
parallelism is its processes, so BLAS gets one thread unless the user's environment says
otherwise (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS).
"""
from __future__ import annotations

import os

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def use_numpy_blas() -> None:
    """Makes thinc's current ops (of this thread and context) numpy-BLAS CPU ops; pipelines
    loaded afterwards here compute with them, in whichever thread they run."""
    from thinc.api import NumpyOps, set_current_ops

    set_current_ops(NumpyOps(use_blis=False))
    one_blas_thread()


def one_blas_thread() -> None:
    """One BLAS thread in this process (and the ones it forks), unless the environment set a
    count; the limit stays for the life of the process."""
    if any(os.environ.get(var) for var in _THREAD_VARS):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
