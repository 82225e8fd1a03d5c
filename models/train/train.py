"""Trains the local risk model on simulated windows and exports it for the Swift side.

    python train.py            # writes ../risk-model.json, metrics.json and the Swift parity fixture

Deterministic: the simulator and the booster are seeded and the export is written with Python's shortest
round-trip floats, so a retrain with the pinned requirements reproduces the committed files byte for byte.
"""

import hashlib
import json
import os
import random

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import precision_score, recall_score, roc_auc_score

import features
import simulate
from model_json import evaluate

SEED = 19
WINDOWS = 12_000
HELD_OUT = 0.25
THRESHOLD = 0.7
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_PATH = os.path.join(HERE, "..", "risk-model.json")
METRICS_PATH = os.path.join(HERE, "metrics.json")
FIXTURE_PATH = os.path.join(HERE, "..", "..", "Tests", "DetectionTests", "Fixtures", "risk-model-parity.json")


def export(model):
    """The booster as plain JSON: splits go left when float32(feature) <= threshold (scikit-learn compares the
    features rounded to float32, as the Swift side does); leaves hold learning_rate × value, added in tree order to
    the base score; the link turns the sum into a probability."""
    base = float(model._raw_predict_init(np.zeros((1, len(features.NAMES)), dtype=np.float32))[0, 0])
    trees = []
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        nodes = []
        for index in range(tree.node_count):
            left, right = int(tree.children_left[index]), int(tree.children_right[index])
            if left == -1:
                nodes.append({"value": model.learning_rate * float(tree.value[index][0][0])})
            else:
                nodes.append(
                    {
                        "feature": int(tree.feature[index]),
                        "threshold": float(tree.threshold[index]),
                        "left": left,
                        "right": right,
                    }
                )
        trees.append({"nodes": nodes})
    body = {
        "format": "aios-risk-model/1",
        "features": features.NAMES,
        "feature_precision": "float32",
        "link": "logistic",
        "base_score": base,
        "trees": trees,
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"identifier": f"risk-gbt-{digest[:16]}", **body}


def fixture_windows(test, scores, rng):
    """A few dozen held-out windows for the parity test: small ones, every attack kind, and benign look-alikes."""
    small = [i for i, w in enumerate(test) if len(w["events"]) <= 110]
    chosen = []
    for attack in simulate.ATTACKS:
        matching = [i for i in small if attack in test[i]["attacks"]]
        chosen += rng.sample(matching, min(3, len(matching)))
    benign = [i for i in small if test[i]["label"] == 0]
    chosen += rng.sample(benign, 12)
    return [
        {
            "label": test[i]["label"],
            "attacks": test[i]["attacks"],
            "events": test[i]["events"],
            "features": features.features(test[i]["events"]),
            "score": scores[i],
        }
        for i in sorted(chosen)
    ]


def main():
    windows = simulate.windows(SEED, WINDOWS)
    split = int(WINDOWS * (1 - HELD_OUT))
    train, test = windows[:split], windows[split:]
    x_train = np.array([features.features(w["events"]) for w in train], dtype=np.float64)
    y_train = np.array([w["label"] for w in train])
    x_test = np.array([features.features(w["events"]) for w in test], dtype=np.float64)
    y_test = np.array([w["label"] for w in test])

    model = GradientBoostingClassifier(
        n_estimators=120, max_depth=3, learning_rate=0.1, subsample=1.0, random_state=SEED
    )
    model.fit(x_train, y_train)
    scores = model.predict_proba(x_test)[:, 1]

    exported = export(model)
    for vector, score in zip(x_test, scores):
        assert abs(evaluate(exported, vector) - score) < 1e-12, "the export does not reproduce scikit-learn"

    predicted = scores >= THRESHOLD
    per_attack = {}
    for attack in simulate.ATTACKS:
        rows = [i for i, w in enumerate(test) if attack in w["attacks"]]
        per_attack[attack] = round(float(np.mean(predicted[rows])), 4)
    benign_rows = [i for i, w in enumerate(test) if w["label"] == 0]
    metrics = {
        "windows": {"train": len(train), "held_out": len(test), "attack_share": round(float(y_test.mean()), 4)},
        "roc_auc": round(float(roc_auc_score(y_test, scores)), 4),
        "threshold": THRESHOLD,
        "precision": round(float(precision_score(y_test, predicted)), 4),
        "recall": round(float(recall_score(y_test, predicted)), 4),
        "false_positive_rate": round(float(np.mean(predicted[benign_rows])), 4),
        "recall_by_attack": per_attack,
        "model": exported["identifier"],
        "trees": len(exported["trees"]),
    }

    with open(MODEL_PATH, "w") as out:
        json.dump(exported, out, separators=(",", ":"))
        out.write("\n")
    with open(METRICS_PATH, "w") as out:
        json.dump(metrics, out, indent=2)
        out.write("\n")
    fixture = {
        "model": exported["identifier"],
        "feature_names": features.NAMES,
        "windows": fixture_windows(test, [float(s) for s in scores], random.Random(SEED)),
    }
    with open(FIXTURE_PATH, "w") as out:
        json.dump(fixture, out, separators=(",", ":"), ensure_ascii=False)
        out.write("\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
