"""The tok2vec's encoder for inference: spaCy's `MaxoutWindowEncoder` (each block a window of
neighbours, a maxout layer, a layer norm and a residual sum) computed in numpy without what only
training needs.

thinc's layers keep what their backward pass would read: the maxout's argmax beside its max, the
layer norm's deviations computed a second time inside the variance, a fresh array at every step.
On the English model's 177k tokens of mix paragraphs the encoder took 3.3 CPU-s in thinc and 2.4
here, 1.55 of them the matrix products that both make alike (docs/experiments-entities.md). Every
step is the same numpy call on the same arrays in the same order, so the vectors are bit for bit
thinc's (tests/test_entities_encoder.py); a model of any other shape keeps thinc's own layers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class _Block:
    window: int
    W: np.ndarray  # (nO * nP, nI), as thinc's maxout reshapes it for its matrix product
    b: np.ndarray  # (nO * nP,)
    nO: int
    nP: int
    G: np.ndarray  # the layer norm's scale and shift
    shift: np.ndarray


def _block(residual) -> Optional[_Block]:
    """One `residual(expand_window >> maxout >> layernorm >> dropout)`; None for another shape."""
    if not residual.name.startswith("residual(") or len(residual.layers) != 1:
        return None
    steps = residual.layers[0].layers
    if len(steps) != 2 or steps[0].name != "expand_window" or len(steps[1].layers) != 2:
        return None
    window, (norm_chain, dropout) = steps[0], steps[1].layers
    if dropout.name != "dropout" or [layer.name for layer in norm_chain.layers] != ["maxout", "layernorm"]:
        return None
    maxout, norm = norm_chain.layers
    nO, nP, nI = (maxout.get_dim(d) for d in ("nO", "nP", "nI"))
    if norm.get_dim("nI") != nO:
        return None
    return _Block(window.attrs["window_size"], np.ascontiguousarray(maxout.get_param("W").reshape(nO * nP, nI)),
                  maxout.get_param("b").reshape(nO * nP), nO, nP, norm.get_param("G"), norm.get_param("b"))


class WindowEncoder:
    def __init__(self, model, blocks: list[_Block]):
        self.ops = model.ops
        self.pad = model.attrs["pad"]
        self.blocks = blocks

    @classmethod
    def of(cls, model) -> "Optional[WindowEncoder]":
        """The encoder of a tok2vec's `encode` part (`with_array` of residual window blocks),
        or None when it is built otherwise."""
        if not model.name.startswith("with_array(") or "pad" not in model.attrs or len(model.layers) != 1:
            return None
        inner = model.layers[0]  # one block, or a chain of them (`clone(residual(...), depth)`)
        one = _block(inner)
        blocks = [one] if one is not None else [_block(layer) for layer in inner.layers]
        if not blocks or any(b is None for b in blocks):
            return None
        return cls(model, blocks)

    def __call__(self, vectors: list[np.ndarray]) -> list[np.ndarray]:
        """Each sequence's encoded vectors, as thinc's `predict` gives them."""
        ops = self.ops
        X = ops.flatten(vectors, pad=self.pad)
        for block in self.blocks:
            X = self._block(block, X)
        return ops.unflatten(X, np.asarray([len(v) for v in vectors]), pad=self.pad)

    def _block(self, k: _Block, X: np.ndarray) -> np.ndarray:
        cols = _window(X) if k.window == 1 else self.ops.seq2col(X, k.window)
        Y = np.dot(cols, k.W.T)
        Y += k.b
        best = maxout(Y, k.nO, k.nP)
        # thinc's layer norm: X.mean, then X.var (whose mean is the same sum and division), + 1e-08
        mean = best.mean(axis=1, keepdims=True)
        dev = best - mean
        var = np.add.reduce(np.square(dev), axis=1, keepdims=True)
        np.true_divide(var, np.intp(k.nO), out=var, casting="unsafe")
        var += 1e-08
        dev *= var ** (-1.0 / 2.0)
        dev *= k.G
        dev += k.shift
        dev += X  # the residual
        return dev


def maxout(u: np.ndarray, nO: int, nP: int) -> np.ndarray:
    """The max of each output's `nP` pieces (the last axis holds nO x nP, pieces innermost),
    without thinc's argmax."""
    pieces = u.reshape(*u.shape[:-1], nO, nP)
    best = pieces[..., 0].copy()
    for p in range(1, nP):
        np.maximum(best, pieces[..., p], out=best)
    return best


def _window(X: np.ndarray) -> np.ndarray:
    """thinc's `seq2col` with a window of 1 over one sequence: each row beside its neighbours
    (zeros past either end), by three slice copies."""
    n, width = X.shape
    out = np.empty((n, 3 * width), dtype=X.dtype)
    out[0, :width] = 0
    out[1:, :width] = X[:-1]
    out[:, width : 2 * width] = X
    out[:-1, 2 * width :] = X[1:]
    out[-1, 2 * width :] = 0
    return out


def encoder_of(model) -> Callable[[list[np.ndarray]], list[np.ndarray]]:
    """The fastest exact forward pass of a tok2vec's `encode` part."""
    return WindowEncoder.of(model) or model.predict
