"""The exported model evaluated in plain Python (no numpy): the check train.py makes on its export, and the Python
anchor of `aios-sec bench model` (bench_anchor.py)."""

import math
import struct


def float32(value):
    """`value` rounded to float32, as scikit-learn rounds features before comparing them."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def evaluate(exported, vector):
    total = exported["base_score"]
    for tree in exported["trees"]:
        nodes = tree["nodes"]
        node = nodes[0]
        while "value" not in node:
            node = nodes[node["left"] if float32(vector[node["feature"]]) <= node["threshold"] else node["right"]]
        total += node["value"]
    return 1.0 / (1.0 + math.exp(-total))
