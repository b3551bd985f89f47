#!/usr/bin/env python3
"""Checks counts and shares of proposals.csv (prints a markdown summary)."""
import csv, collections, os, itertools, sys
D = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
rows = list(csv.DictReader(open(os.path.join(D, "proposals.csv"), encoding="utf-8")))
douars = list(csv.DictReader(open(os.path.join(D, "territory-douars.csv"), encoding="utf-8")))
dp = {r["douar_ar"]: int(r["pole_number"]) for r in douars}
sys.path.insert(0, os.path.dirname(__file__))

N = len(rows)
by_need = collections.defaultdict(list)
for r in rows:
    by_need[r["need"]].append(r)
multi = {k: v for k, v in by_need.items() if len(v) >= 2}
single = {k: v for k, v in by_need.items() if len(v) == 1}
within = across = 0
for k, v in multi.items():
    for a, b in itertools.combinations(v, 2):
        if a["pole_number"] == b["pole_number"]:
            within += 1
        else:
            across += 1
scripts = collections.Counter(r["script"] for r in rows)
sess = collections.defaultdict(list)
for r in rows:
    sess[r["session"]].append(r)
bad_sess = [k for k, v in sess.items() if not (3 <= len(v) <= 15) or len({(x["pole_number"], x["group"]) for x in v}) != 1]
pole_groups = collections.defaultdict(set)
for r in rows:
    pole_groups[r["pole_number"]].add(r["group"])
bad_douar = [r["id"] for r in rows if r["douar_ar"] and dp.get(r["douar_ar"]) != int(r["pole_number"])]
# main sector of a need = most frequent
main = {k: collections.Counter(r["sector"] for r in v).most_common(1)[0][0] for k, v in by_need.items()}
off = sum(1 for r in rows if r["sector"] != main[r["need"]])
sizes = sorted((len(v) for v in multi.values()), reverse=True)
empty_sol = sum(1 for r in rows if not r["solution"].strip())
empty_douar = sum(1 for r in rows if not r["douar_ar"])
multi_pole_needs = sum(1 for v in multi.values() if len({r["pole_number"] for r in v}) > 1)

out = []
out.append(f"| measure | value |\n|---|---|")
out.append(f"| proposals | {N} |")
out.append(f"| sessions | {len(sess)} (sizes {min(map(len, sess.values()))}-{max(map(len, sess.values()))}; invalid: {len(bad_sess)}) |")
out.append(f"| needs (distinct labels) | {len(by_need)} |")
out.append(f"| needs raised by 2+ proposals | {len(multi)} (of which {multi_pole_needs} raised in 2+ poles) |")
out.append(f"| singletons | {len(single)} ({100*len(single)/N:.1f}% of proposals) |")
for s in ["ar", "darija_ar", "darija_latin", "fr"]:
    out.append(f"| script {s} | {scripts[s]} ({100*scripts[s]/N:.1f}%) |")
out.append(f"| same-need pairs | {within+across} |")
out.append(f"| same-need pairs within one pole | {within} ({100*within/(within+across):.1f}%) |")
out.append(f"| same-need pairs across poles | {across} ({100*across/(within+across):.1f}%) |")
out.append(f"| proposals whose sector differs from their need's main sector | {off} ({100*off/N:.1f}%) |")
out.append(f"| proposals with empty solution | {empty_sol} |")
out.append(f"| proposals with empty douar_ar | {empty_douar} |")
out.append(f"| douar_ar outside the session's pole | {len(bad_douar)} |")
out.append(f"| groups per pole | " + ", ".join(f"{p}:{len(g)}" for p, g in sorted(pole_groups.items())) + " |")
out.append(f"| sizes of needs with 2+ proposals | " + " ".join(map(str, sizes)) + " |")
print("\n".join(out))
