#!/usr/bin/env python3
"""Fits the pair models of the suggestion engine: their trees (server/src/suggest/pairs.model,
pairs2.model) and its association table (server/src/suggest/pairs.assoc.gz, gzipped text).

The engine writes the figures of every pair it weighs and the terms of every proposal
(TACHKHIS_SUGGEST_FEATURES=<file>, see server/src/suggest/pairs.rs); this script labels them
from the sets' `need` column. The association table is the log-odds, over the sets' pairs of
proposals, that two proposals holding two terms are one need; the trees are scikit-learn's
HistGradientBoostingClassifier, written in the format `Model::parse` reads. The first model
reads a pair's figures; the second reads them and the pair's neighbourhood in the first
(NEIGHBOURHOOD in pairs.rs, `neighbourhood` here: the same sums).

    pip install numpy scikit-learn
    python3 server/benches/suggest/fit.py train <bench binary> <set>...  # both files, from these sets
    python3 server/benches/suggest/fit.py loo   <bench binary> <set>...  # each set scored by a fit on the others

`train` writes pairs.model, pairs2.model and pairs.assoc.gz into $TACHKHIS_FIT_DIR (default /tmp/tachkhis-fit),
to copy into server/src/suggest/. `loo` is the honest figure: each set is scored by the bench
with a table and trees fitted on the other sets only. A set's own pairs never count in the
table its figures are read with, in training as in scoring: each training set is read with a
table of the other training sets, as a new commune's proposals will be.

<set> is a folder of server/benches/suggest (tune, tune2, ... blind) or a path.
"""
import csv
import gzip
import os
import re
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("TACHKHIS_FIT_DIR", "/tmp/tachkhis-fit")
N_FEATURES = 20
# pairs.rs: PLACE_CONFLICT_MAX and NEIGHBOUR_FLOOR.
PLACE_CONFLICT_MAX = 0.1
NEIGHBOUR_FLOOR = 0.05
# The second model is fitted on the first's probabilities for each training set from a
# first model fitted without that set: the sets in FOLDS folds.
FOLDS = int(os.environ.get("TACHKHIS_FIT_FOLDS", "5"))
# TACHKHIS_FIT_DROP=16,17: figures left out of a fit (set to 0), to measure what they add.
DROP = [int(x) for x in os.environ.get("TACHKHIS_FIT_DROP", "").split(",") if x]
# The table: smoothing (pseudo-pairs at the base rate), the fewest sets a pair of terms must
# be seen together in (a pair of one commune only is its places and habits), the smallest
# log-odds kept.
SMOOTH = float(os.environ.get("TACHKHIS_FIT_SMOOTH", "20"))
MIN_SETS = int(os.environ.get("TACHKHIS_FIT_MIN_SETS", "4"))
CUT = float(os.environ.get("TACHKHIS_FIT_CUT", "0.25"))
# The trees: how many, how deep, the learning rate. Fitted on 37 sets and scored on 12 others
# (F1 of the groups): 100 trees of depth 4 0.800, 200 0.808, 300 of depth 5 0.811, 300 of
# depth 6 0.808, 600 of depth 5 at rate 0.05 0.808.
TREES = int(os.environ.get("TACHKHIS_FIT_TREES", "300"))
DEPTH = int(os.environ.get("TACHKHIS_FIT_DEPTH", "5"))
RATE = float(os.environ.get("TACHKHIS_FIT_RATE", "0.1"))


def name(s):
    return os.path.basename(os.path.normpath(s))


def run(binary, s, out, table=None, model=None, model2=None, features=True):
    """Runs the bench on a set; returns its printed figures."""
    env = dict(os.environ, TACHKHIS_SUGGEST_SET=os.path.join(HERE, s))
    if features:
        env["TACHKHIS_SUGGEST_FEATURES"] = os.path.join(out, name(s) + ".feat")
        env["TACHKHIS_SUGGEST_DUMP"] = os.path.join(out, name(s) + ".groups")
    if table:
        env["TACHKHIS_SUGGEST_ASSOC"] = table
    if model:
        env["TACHKHIS_SUGGEST_MODEL"] = model
    if model2:
        env["TACHKHIS_SUGGEST_MODEL2"] = model2
    r = subprocess.run([binary], env=env, check=True, capture_output=True, text=True)
    return r.stdout


def items(s, out):
    """The dump's items of a set: engine number -> (row id, terms)."""
    by_text = defaultdict(list)
    for line in open(os.path.join(out, name(s) + ".groups.texts"), encoding="utf-8"):
        rid, text = line.rstrip("\n").split("\t")
        by_text[text].append(rid)
    # The engine's items are numbered in its own order: matched back by their text (rows of
    # the same text are interchangeable: same text, same figures).
    found = {}
    for line in open(os.path.join(out, name(s) + ".feat"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "T":
            found[int(f[1])] = [by_text[f[2]].pop(0), []]
        elif f[0] == "K":
            found[int(f[1])][1] = [k for k in f[2:] if k]
    return found


def needs(s):
    rows = csv.DictReader(open(os.path.join(HERE, s, "proposals.csv"), encoding="utf-8"))
    return {r["id"]: r["need"] for r in rows}


def load(s, out):
    """(items, first, second, figures, labels, capped) of one set's dumped pairs: `first`
    and `second` number the proposals of each pair (0 to items - 1); `capped` says the
    engine caps the pair's probability (two works at places that conflict, no service
    shared: PLACE_CONFLICT_MAX in pairs.rs), read before DROP."""
    need = needs(s)
    item = items(s, out)
    I, J, X, Y, C = [], [], [], [], []
    for line in open(os.path.join(out, name(s) + ".feat"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "F":
            a, b = item[int(f[1])][0], item[int(f[2])][0]
            x = [float(v) for v in f[3 : 3 + N_FEATURES]]
            C.append(x[11] > 0 and x[1] <= 0)
            for k in DROP:
                x[k] = 0.0
            I.append(int(f[1]))
            J.append(int(f[2]))
            X.append(x)
            Y.append(need[a] == need[b])
    return len(item), I, J, X, Y, C


def check_neighbourhood(s, out):
    """The engine's neighbourhood figures (the dump's S lines) against `neighbourhood` on
    the same first probabilities: the two must compute the same sums."""
    import numpy as np

    n, I, J, S = 0, [], [], []
    for line in open(os.path.join(out, name(s) + ".feat"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "T":
            n += 1
        elif f[0] == "S":
            I.append(int(f[1]))
            J.append(int(f[2]))
            S.append([float(v) for v in f[3:]])
    if not S:
        return
    S = np.array(S)
    gap = float(np.abs(neighbourhood(n, I, J, S[:, 0]) - S).max())
    if gap > 1e-3:
        sys.exit("%s: the engine's neighbourhood figures differ from fit.py's by %g" % (name(s), gap))


def neighbourhood(n, I, J, q):
    """The figures of pairs.rs's NEIGHBOURHOOD for each pair (I, J) of first probability q:
    the same sums as `Neighbours::figures`."""
    import numpy as np

    of = [dict() for _ in range(n)]
    for a, b, p in zip(I, J, q):
        if p >= NEIGHBOUR_FLOOR:
            of[a][b] = p
            of[b][a] = p
    degree = [sum(d.values()) for d in of]
    top = [max(d.values()) if d else 0.0 for d in of]
    rows = []
    for a, b, p in zip(I, J, q):
        la, lb = of[a], of[b]
        if len(la) > len(lb):
            la, lb = lb, la
        high, total, count = 0.0, 0.0, 0
        for k, x in la.items():
            y = lb.get(k)
            if y is not None and k != a and k != b:
                high = max(high, min(x, y))
                total += x * y
                count += 1
        own = p if p >= NEIGHBOUR_FLOOR else 0.0
        da, db = degree[a] - own, degree[b] - own
        cos = total / np.sqrt(max(da, 1e-6) * max(db, 1e-6))
        ra = p / top[a] if top[a] > 0 else 0.0
        rb = p / top[b] if top[b] > 0 else 0.0
        rows.append([p, high, total, cos, count, min(ra, rb), max(ra, rb), min(da, db), max(da, db)])
    return np.array(rows, np.float64).reshape(len(rows), 9)


class Counts:
    """Per set, over every pair of its proposals: how often two terms are held by a pair
    (`all`), by a pair of one need (`one`)."""

    def __init__(self, sets, out):
        import numpy as np

        self.sets = [name(s) for s in sets]
        terms = {}
        for s in sets:
            need = needs(s)
            terms[name(s)] = [(need[rid], sorted(set(ks))) for rid, ks in items(s, out).values()]
        # A pair of terms is kept only if both are seen in MIN_SETS sets: the matrices hold
        # those terms only (every term of 45 sets, squared, does not fit in memory). The
        # base rate counts every term, from the number each proposal holds.
        in_sets = defaultdict(int)
        for rows in terms.values():
            for k in {k for _, ks in rows for k in ks}:
                in_sets[k] += 1
        self.vocab = {}
        for rows in terms.values():
            for _, ks in rows:
                for k in ks:
                    if in_sets[k] >= MIN_SETS:
                        self.vocab.setdefault(k, len(self.vocab))
        v = len(self.vocab)
        self.one, self.all, self.seen = {}, {}, {}
        self.one_sum, self.all_sum = {}, {}
        for s, rows in terms.items():
            by_need = defaultdict(int)
            for n, ks in rows:
                by_need[n] += len(ks)
            squares = sum(len(ks) ** 2 for _, ks in rows)
            self.all_sum[s] = sum(by_need.values()) ** 2 - squares
            self.one_sum[s] = sum(t**2 for t in by_need.values()) - squares
            m = np.zeros((len(rows), v), np.float32)
            for i, (_, ks) in enumerate(rows):
                m[i, [self.vocab[k] for k in ks if k in self.vocab]] = 1
            labels = [n for n, _ in rows]
            same = np.array([[a == b for b in labels] for a in labels], np.float32)
            np.fill_diagonal(same, 0)
            total = m.sum(axis=0)
            self.one[s] = m.T @ same @ m
            self.all[s] = np.outer(total, total) - m.T @ m
            self.seen[s] = (self.all[s] > 0).astype(np.uint8)

    def table(self, sets, path):
        """Writes the table learned from `sets` (names)."""
        import numpy as np

        one = sum(self.one[s] for s in sets)
        all_ = sum(self.all[s] for s in sets)
        seen = sum(self.seen[s].astype(np.int32) for s in sets)
        p0 = sum(self.one_sum[s] for s in sets) / sum(self.all_sum[s] for s in sets)
        logit = lambda q: np.log(q / (1 - q))
        score = logit((one + SMOOTH * p0) / (all_ + SMOOTH)) - logit(p0)
        keep = (seen >= MIN_SETS) & (np.abs(score) >= CUT)
        keys = sorted(self.vocab, key=self.vocab.get)
        lines = [
            "# The association table of the suggestion engine (pairs.rs, Assoc), written by",
            "# server/benches/suggest/fit.py from the labelled sets: " + " ".join(sets) + ".",
            "# One term a line, numbered from 0: term<TAB>n:log-odds ..., the log-odds that two",
            "# proposals holding it and the term of line n (n up to its own) are one need.",
        ]
        entries = 0
        for b, key in enumerate(keys):
            row = np.nonzero(keep[: b + 1, b])[0]
            entries += len(row)
            lines.append(key + "\t" + " ".join("%d:%.2f" % (a, score[a, b]) for a in row))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        if path.endswith(".gz"):
            # The same bytes for the same table (no name, no time in the header).
            with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as f:
                f.write(data)
        else:
            with open(path, "wb") as f:
                f.write(data)
        return entries


def boosted(X, Y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # Early stopping ("auto": on with this many pairs) holds back a tenth of the pairs and ends
    # before TREES when they stop improving.
    return HistGradientBoostingClassifier(
        max_iter=TREES, max_depth=DEPTH, learning_rate=RATE, random_state=0
    ).fit(X, Y)


def write_model(gb, X, sets, path):
    """Writes the trees in the format `Model::parse` reads; returns the largest gap between
    the file's probabilities, read back as the engine reads them, and scikit-learn's."""
    import numpy as np

    base = float(np.ravel(gb._baseline_prediction)[0])
    lines = [
        "# A pair model of the suggestion engine: boosted trees fitted by",
        "# server/benches/suggest/fit.py on the labelled sets: " + " ".join(map(name, sets)) + ".",
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
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    raw = np.full(len(X), base)
    rows = np.arange(len(X))
    for predictors in gb._predictors:
        nodes = predictors[0].nodes
        k = np.zeros(len(X), np.int64)
        for _ in range(len(nodes)):
            inner = ~nodes["is_leaf"][k].astype(bool)
            if not inner.any():
                break
            go_left = X[rows, nodes["feature_idx"][k]] <= nodes["num_threshold"][k]
            k = np.where(inner, np.where(go_left, nodes["left"][k], nodes["right"][k]), k)
        raw += nodes["value"][k]
    prob = 1 / (1 + np.exp(-np.clip(raw, -50, 50)))
    return float(np.abs(prob - gb.predict_proba(X)[:, 1]).max())


def fit(out, sets, model, model2):
    """Fits both models on the dumped figures of `sets` (in `out`): the first on the pairs'
    figures (to `model`), the second on them and their neighbourhood in the first (to
    `model2`), each set's neighbourhood read with a first model fitted without it."""
    import numpy as np

    data = []
    for s in sets:
        n, I, J, x, y, c = load(s, out)
        x = np.array(x, np.float64).reshape(len(x), N_FEATURES)
        data.append((n, I, J, x, np.array(y), np.array(c, bool)))
    X = np.vstack([d[3] for d in data])
    Y = np.concatenate([d[4] for d in data])
    gap = write_model(boosted(X, Y), X, sets, model)
    if len(sets) < 2:
        # No set to hold out: no second model (an empty file, the first model alone).
        with open(model2, "w", encoding="utf-8") as f:
            f.write("# No second model: fitted on one set only.\n")
        return len(Y), int(Y.sum()), gap
    # The other sets' figures were read with tables that hold the held-out sets' pairs of
    # terms too (each set's table leaves out that set only): a small leak, accepted.
    folds = min(FOLDS, len(sets))
    second = [None] * len(sets)
    for k in range(folds):
        held = [h for h in range(len(sets)) if h % folds == k]
        rest = [h for h in range(len(sets)) if h % folds != k]
        first = boosted(np.vstack([data[h][3] for h in rest]), np.concatenate([data[h][4] for h in rest]))
        for h in held:
            n, I, J, x, _, c = data[h]
            q = first.predict_proba(x)[:, 1] if len(x) else np.zeros(0)
            q = np.where(c, np.minimum(q, PLACE_CONFLICT_MAX), q)
            second[h] = np.hstack([x, neighbourhood(n, I, J, q)])
    X2 = np.vstack(second)
    gap2 = write_model(boosted(X2, Y), X2, sets, model2)
    return len(Y), int(Y.sum()), max(gap, gap2)


def trained(binary, sets, out, counts):
    """Table and trees from `sets`, each set's figures read with the others' table."""
    os.makedirs(out, exist_ok=True)
    names = [name(s) for s in sets]
    for s in sets:
        tab = os.path.join(out, name(s) + ".assoc")
        counts.table([x for x in names if x != name(s)], tab)
        run(binary, s, out, table=tab)
        check_neighbourhood(s, out)
    table = os.path.join(out, "pairs.assoc.gz")
    entries = counts.table(names, table)
    model = os.path.join(out, "pairs.model")
    model2 = os.path.join(out, "pairs2.model")
    pairs, one, gap = fit(out, sets, model, model2)
    return table, model, model2, entries, pairs, one, gap


def figures(text):
    """precision, recall, F1, actions from the bench's output."""
    m = re.search(r"precision ([0-9.]+), recall ([0-9.]+), F1 ([0-9.]+)", text)
    a = re.search(r"actions per proposal ([0-9.]+)", text)
    return [float(x) for x in m.groups()] + [float(a.group(1))]


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("train", "loo"):
        sys.exit(__doc__)
    binary, sets = sys.argv[2], sys.argv[3:]
    # The terms of each proposal do not depend on the table or the trees: one dump.
    os.makedirs(OUT, exist_ok=True)
    empty = os.path.join(OUT, "empty.assoc")
    open(empty, "w").close()
    for s in sets:
        run(binary, s, OUT, table=empty)
    counts = Counts(sets, OUT)
    if sys.argv[1] == "train":
        table, model, model2, entries, pairs, one, gap = trained(binary, sets, OUT, counts)
        print(
            "%s: %d pairs of terms; %s, %s: %d pairs of proposals, %d of one need"
            % (table, entries, model, model2, pairs, one)
        )
        print("largest gap between the file's probabilities and scikit-learn's:", gap)
        return
    rows = []
    for h in sets:
        others = [s for s in sets if s != h]
        fold = os.path.join(OUT, "without-" + name(h))
        table, model, model2, *_ = trained(binary, others, fold, counts)
        f = figures(run(binary, h, fold, table=table, model=model, model2=model2, features=False))
        rows.append(f)
        print("%-10s precision %.3f recall %.3f F1 %.3f actions %.3f" % (name(h), *f), flush=True)
    mean = [sum(r[k] for r in rows) / len(rows) for k in range(4)]
    print("%-10s precision %.3f recall %.3f F1 %.3f actions %.3f" % ("mean", *mean))


if __name__ == "__main__":
    main()
