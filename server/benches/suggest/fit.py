#!/usr/bin/env python3
"""Fits the pair model of the suggestion engine (server/src/suggest/pairs.model).

The engine writes the figures of every pair it weighs (TACHKHIS_SUGGEST_FEATURES=<file>, see
server/src/suggest/pairs.rs); this script labels them from the sets' `need` column, fits
boosted trees (scikit-learn's HistGradientBoostingClassifier) and writes them in the format
`Model::parse` reads.

    pip install numpy scikit-learn
    python3 server/benches/suggest/fit.py dump  <bench binary> <set>...   # figures of each set
    python3 server/benches/suggest/fit.py fit   <model out> <set>...      # fit on these sets

<set> is a folder of server/benches/suggest (tune, tune2, ... blind). A figure file is
written beside each set's dump in $TACHKHIS_FIT_DIR (default /tmp/tachkhis-fit). The
figures do not depend on the model, so one dump serves every fit. To check that a fit
generalises, fit on all sets but one and run the bench on that one with
TACHKHIS_SUGGEST_MODEL=<model out>.
"""
import csv
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("TACHKHIS_FIT_DIR", "/tmp/tachkhis-fit")
N_FEATURES = 16


def dump(binary, sets):
    os.makedirs(OUT, exist_ok=True)
    for s in sets:
        env = dict(
            os.environ,
            TACHKHIS_SUGGEST_SET=os.path.join(HERE, s),
            TACHKHIS_SUGGEST_FEATURES=os.path.join(OUT, s + ".feat"),
            TACHKHIS_SUGGEST_DUMP=os.path.join(OUT, s + ".groups"),
        )
        subprocess.run([binary], env=env, check=True, stdout=subprocess.DEVNULL)
        print("dumped", s)


def load(s):
    """(features, labels) of one set's dumped pairs."""
    rows = list(csv.DictReader(open(os.path.join(HERE, s, "proposals.csv"), encoding="utf-8")))
    need = {r["id"]: r["need"] for r in rows}
    by_text = defaultdict(list)
    for line in open(os.path.join(OUT, s + ".groups.texts"), encoding="utf-8"):
        rid, text = line.rstrip("\n").split("\t")
        by_text[text].append(rid)
    # The engine's items are numbered in its own order: matched back by their text (rows of
    # the same text are interchangeable: same text, same figures).
    item = {}
    X, Y = [], []
    for line in open(os.path.join(OUT, s + ".feat"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "T":
            item[int(f[1])] = by_text[f[2]].pop(0)
        else:
            a, b = item[int(f[1])], item[int(f[2])]
            X.append([float(x) for x in f[3 : 3 + N_FEATURES]])
            Y.append(need[a] == need[b])
    return X, Y


def fit(out, sets):
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, Y = [], []
    for s in sets:
        x, y = load(s)
        X += x
        Y += y
        print(s, len(y), "pairs,", sum(y), "of one need")
    X, Y = np.array(X), np.array(Y)
    gb = HistGradientBoostingClassifier(
        max_iter=100, max_depth=4, learning_rate=0.1, random_state=0
    ).fit(X, Y)
    base = float(np.ravel(gb._baseline_prediction)[0])
    lines = [
        "# The pair model of the suggestion engine: boosted trees fitted by",
        "# server/benches/suggest/fit.py on the labelled sets: " + " ".join(sets) + ".",
        "# tree node feature threshold left right value leaf",
        "base %.6f" % base,
    ]
    for t, predictors in enumerate(gb._predictors):
        for k, node in enumerate(predictors[0].nodes):
            lines.append(
                "%d %d %d %.6f %d %d %.6f %d"
                % (
                    t,
                    k,
                    node["feature_idx"],
                    node["num_threshold"],
                    node["left"],
                    node["right"],
                    node["value"],
                    int(node["is_leaf"]),
                )
            )
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    # The file read back as the engine reads it gives the fitted probabilities.
    raw = np.full(len(X), base)
    for predictors in gb._predictors:
        nodes = predictors[0].nodes
        for r in range(len(X)):
            k = 0
            while not nodes[k]["is_leaf"]:
                k = nodes[k]["left"] if X[r, nodes[k]["feature_idx"]] <= nodes[k]["num_threshold"] else nodes[k]["right"]
            raw[r] += nodes[k]["value"]
    mine = 1 / (1 + np.exp(-raw))
    theirs = gb.predict_proba(X)[:, 1]
    print("written", out, "; largest gap to scikit-learn:", float(np.abs(mine - theirs).max()))


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("dump", "fit"):
        sys.exit(__doc__)
    if sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3:])
    else:
        fit(sys.argv[2], sys.argv[3:])
