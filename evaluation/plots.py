"""The results page's figures (matplotlib, PNG bytes): bars with error bars per dimension, stacked
win / tie / lose bars by category and topic, and the Bradley–Terry forest plot."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _yerr(entries: list[dict]) -> np.ndarray:
    means = np.array([e["mean"] if e["mean"] is not None else np.nan for e in entries], dtype=float)
    low = np.array([e["ci_low"] if e["ci_low"] is not None else np.nan for e in entries], dtype=float)
    high = np.array([e["ci_high"] if e["ci_high"] is not None else np.nan for e in entries], dtype=float)
    return np.nan_to_num(np.vstack([means - low, high - means]))


def pointwise_bars(pointwise: dict, dimensions: list[str]) -> bytes:
    contestants = list(pointwise)
    figure, axes = plt.subplots(figsize=(max(6, 1.2 * len(dimensions) * max(1, len(contestants)) / 2), 3.6))
    width = 0.8 / max(1, len(contestants))
    x = np.arange(len(dimensions))
    for i, contestant in enumerate(contestants):
        entries = [pointwise[contestant].get(d, {"mean": None, "ci_low": None, "ci_high": None}) for d in dimensions]
        means = [e["mean"] if e["mean"] is not None else 0 for e in entries]
        axes.bar(x + i * width, means, width, yerr=_yerr(entries), capsize=3, label=contestant)
    axes.set_xticks(x + width * (len(contestants) - 1) / 2, dimensions, rotation=20)
    axes.set_ylim(1, 5)
    axes.set_ylabel("mean (95% CI)")
    axes.legend(fontsize=8)
    return _png(figure)


def pairwise_stacked(pairwise: list[dict], by: str | None) -> bytes:
    """One horizontal stacked bar per pair (``by`` None) or per pair × category/topic."""
    labels, rows = [], []
    for pair in pairwise:
        groups = {"overall": pair} if by is None else pair[by]
        for key, entry in groups.items():
            labels.append(f"{pair['a']} vs {pair['b']}" + ("" if by is None else f" · {key}"))
            rows.append([entry["win"] or 0, entry["tie"] or 0, entry["lose"] or 0])
    figure, axes = plt.subplots(figsize=(8, 0.4 * max(3, len(labels)) + 1))
    data = np.array(rows) if rows else np.zeros((0, 3))
    left = np.zeros(len(rows))
    for column, (name, color) in enumerate((("win", "#4c9a5f"), ("tie", "#bbbbbb"), ("lose", "#c0504d"))):
        axes.barh(labels, data[:, column] if len(rows) else [], left=left, color=color, label=name)
        left += data[:, column] if len(rows) else 0
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of judgments (a's side)")
    axes.invert_yaxis()
    axes.legend(fontsize=8, loc="lower right")
    return _png(figure)


def bradley_terry_forest(bradley_terry: dict) -> bytes:
    names = sorted(bradley_terry, key=lambda n: bradley_terry[n]["score"])
    scores = np.array([bradley_terry[n]["score"] for n in names])
    low = np.array(
        [
            bradley_terry[n]["ci_low"] if bradley_terry[n]["ci_low"] is not None else s
            for n, s in zip(names, scores, strict=True)
        ]
    )
    high = np.array(
        [
            bradley_terry[n]["ci_high"] if bradley_terry[n]["ci_high"] is not None else s
            for n, s in zip(names, scores, strict=True)
        ]
    )
    figure, axes = plt.subplots(figsize=(6, 0.45 * max(3, len(names)) + 1))
    axes.errorbar(scores, np.arange(len(names)), xerr=np.vstack([scores - low, high - scores]), fmt="o", capsize=4)
    axes.set_yticks(np.arange(len(names)), names)
    axes.axvline(0, color="#999999", linewidth=0.8)
    axes.set_xlabel("Bradley–Terry log-strength (95% CI)")
    return _png(figure)
