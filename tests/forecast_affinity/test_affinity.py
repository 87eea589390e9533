"""Affinity measures: direct counts, mlxtend's association rules on the same baskets, planted pairs found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ai.affinity import analyse, pair_metrics
from storage.fleet import FleetRepository


def _vends(seed: int = 3, baskets: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, baskets)
    transaction = np.repeat(np.arange(baskets) * 7 + 11, sizes)
    product = rng.integers(1, 15, len(transaction)) * 3
    pair = rng.random(baskets) < 0.2  # plant 3 ↔ 6
    transaction = np.r_[transaction, np.flatnonzero(pair) * 7 + 11, np.flatnonzero(pair) * 7 + 11]
    product = np.r_[product, np.full(pair.sum(), 3), np.full(pair.sum(), 6)]
    return transaction, product


def test_measures_match_a_direct_count():
    transaction, product = _vends()
    metrics = pair_metrics(transaction, product)
    baskets = pd.Series(product).groupby(transaction).apply(set)
    n = len(baskets)
    a, b = list(metrics.product_ids).index(3), list(metrics.product_ids).index(6)
    n_a = sum(3 in x for x in baskets)
    n_b = sum(6 in x for x in baskets)
    n_ab = sum(3 in x and 6 in x for x in baskets)
    assert metrics.support()[a, b] == pytest.approx(n_ab / n)
    assert metrics.confidence()[a, b] == pytest.approx(n_ab / n_a)
    assert metrics.lift()[a, b] == pytest.approx(n_ab / n_a / (n_b / n))
    phi = (n * n_ab - n_a * n_b) / np.sqrt(n_a * n_b * (n - n_a) * (n - n_b))
    assert metrics.phi()[a, b] == pytest.approx(phi)


def test_identical_to_mlxtend_association_rules():
    mlxtend = pytest.importorskip("mlxtend.frequent_patterns")
    transaction, product = _vends()
    metrics = pair_metrics(transaction, product)
    onehot = pd.crosstab(transaction, product).astype(bool)
    frequent = mlxtend.apriori(onehot, min_support=1e-9, use_colnames=True, max_len=2)
    rules = mlxtend.association_rules(frequent, metric="confidence", min_threshold=0.0)
    index = {int(p): i for i, p in enumerate(metrics.product_ids)}
    support, confidence, lift = metrics.support(), metrics.confidence(), metrics.lift()
    assert len(rules) == int((metrics.counts.pair_baskets > 0).sum())
    for rule in rules.itertuples():
        (a,), (b,) = tuple(rule.antecedents), tuple(rule.consequents)
        i, j = index[int(a)], index[int(b)]
        assert support[i, j] == pytest.approx(rule.support, rel=1e-12)
        assert confidence[i, j] == pytest.approx(rule.confidence, rel=1e-12)
        assert lift[i, j] == pytest.approx(rule.lift, rel=1e-12)


def test_planted_pairs_are_found_on_the_demo_fleet(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    body = analyse(fleet_engine, 1, 90, 0.05, True, catalogue)
    found = {frozenset((p["product_1"]["id"], p["product_2"]["id"])) for p in body["affinity_pairs"]}
    assert frozenset((1, 50)) in found
    assert body["product_clusters"] and all(
        len(c["optimal_positions"]) == len(c["products"]) for c in body["product_clusters"]
    )
