"""The Python anchor of `aios-sec bench model`: the same windows, features.py and the exported model evaluated in
plain Python, timed per window. Prints one JSON line: median and p99 in microseconds, features + score and score
alone.

    python3 bench_anchor.py MODEL FIXTURE REPEATS
"""

import json
import sys
import time

import features
import model_json


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    model_path, fixture_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(model_path) as f:
        model = json.load(f)
    with open(fixture_path) as f:
        windows = [w["events"] for w in json.load(f)["windows"]]
    both, alone = [], []
    for _ in range(repeats):
        for events in windows:
            start = time.perf_counter_ns()
            vector = features.features(events)
            model_json.evaluate(model, vector)
            middle = time.perf_counter_ns()
            model_json.evaluate(model, vector)
            end = time.perf_counter_ns()
            both.append((middle - start) / 1000)
            alone.append((end - middle) / 1000)
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "features_and_score_median_us": round(percentile(both, 0.5), 2),
                "features_and_score_p99_us": round(percentile(both, 0.99), 2),
                "score_median_us": round(percentile(alone, 0.5), 2),
                "score_p99_us": round(percentile(alone, 0.99), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
