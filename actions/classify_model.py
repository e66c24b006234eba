"""Learned fallback for actions/classify.py (docs/taxonomy.md, "Learned fallback").

Two small linear models (LinearSVC) — one for the category, one for the business line — over
TF-IDF of character 1–3-grams of the normalised text. They are trained in-process at
first use from committed, human-labelled text (``actions/data/complaints_labelled.yml`` and
``actions/data/dev.yml``), cached for the life of the process, and never pickled: what the
model knows is exactly what a trainer can read in those two files. Training takes well under
two seconds.

The held-out sets (``holdout.yml``, ``holdout_fresh.yml``, ``blind.yml``) are never read here.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Protocol, Tuple

import yaml

from bot.text import normalize_text

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELLED_PATH = Path(__file__).with_name("data") / "complaints_labelled.yml"
DEV_PATH = Path(__file__).with_name("data") / "dev.yml"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_lock = threading.Lock()
_models: Optional["_Models"] = None


def load_examples(include_dev: bool = True) -> List[Tuple[str, str, str]]:
    """(text, category, business_line) from the committed labelled files."""
    data = yaml.load(LABELLED_PATH.read_text(encoding="utf-8"), Loader=_Loader) or {}
    examples: List[Tuple[str, str, str]] = []
    for label, texts in data.items():
        category, line = str(label).split("/")
        examples.extend((str(t), category, line) for t in texts or [])
    if include_dev and DEV_PATH.exists():
        dev = yaml.load(DEV_PATH.read_text(encoding="utf-8"), Loader=_Loader) or {}
        examples.extend(
            (str(i["text"]), i["category"], i["business_line"])
            for i in dev.get("items") or []
            if i.get("category") and i.get("business_line")
        )
    return examples


def _vectorizer():
    # Character 1–3-grams of the normalised text. jieba words were tried on top (bench/
    # classify_cv.py): no better in cross-validation and ~1 s more to load, so not used.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=True, sublinear_tf=True)


def _classifier():
    from sklearn.svm import LinearSVC

    return LinearSVC(C=0.5, class_weight="balanced", random_state=0)


# scikit-learn ships no type information: these say what _Models uses of a fitted
# TfidfVectorizer and a fitted LinearSVC.
class _Features(Protocol):
    def transform(self, raw_documents: Iterable[str]) -> Any: ...  # a scipy sparse matrix


class _Classifier(Protocol):
    classes_: np.ndarray

    def decision_function(self, X: Any) -> np.ndarray: ...


@dataclass
class _Models:
    features: _Features
    category: _Classifier
    line: _Classifier

    def predict(self, text: str) -> Tuple[Tuple[str, float], Tuple[str, float]]:
        x = self.features.transform([normalize_text(text or "")])
        out = []
        for model in (self.category, self.line):
            # confidence = margin of the best class over the runner-up (decision function)
            scores = model.decision_function(x)[0]
            order = scores.argsort()[::-1]
            out.append((str(model.classes_[order[0]]), float(scores[order[0]] - scores[order[1]])))
        return out[0], out[1]


def train(examples: List[Tuple[str, str, str]]) -> _Models:
    """Fit both models on (text, category, business_line) examples (deterministic)."""
    texts = [normalize_text(t) for t, _, _ in examples]
    features = _vectorizer()
    x = features.fit_transform(texts)
    category = _classifier().fit(x, [c for _, c, _ in examples])
    line = _classifier().fit(x, [b for _, _, b in examples])
    return _Models(features, category, line)


def models() -> _Models:
    """The models trained from the committed data, once per process."""
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                _models = train(load_examples())
    return _models


def predict(text: str) -> Dict[str, object]:
    """{category, category_p, business_line, business_line_p}: labels and their margins."""
    (category, cp), (line, lp) = models().predict(text)
    return {"category": category, "category_p": cp, "business_line": line, "business_line_p": lp}


def warm_up() -> threading.Thread:
    """Train in a background thread (e.g. when the action server starts), so the first
    complaint does not wait the ~1 s of training."""
    thread = threading.Thread(target=models, name="classify-model-warm-up", daemon=True)
    thread.start()
    return thread


def _warm_up_on_action_server() -> None:
    # Inside `rasa run actions` the model trains while the server starts, not on the first
    # customer's complaint; tests and scripts that import this module train on first use.
    try:
        from sanic import Sanic

        Sanic.get_app("rasa_sdk")
    except Exception:
        return
    warm_up()


_warm_up_on_action_server()
