#!/usr/bin/env python3
"""Builds the blind labelled set from hand-written phrasings in needs.txt.
Each need has its own hand-written lines (problem || solution) in several scripts;
the script only assigns them to poles/sessions/groups/douars, recombines
problem/solution halves of the same need and script when a need is bigger than its
line count, and adds typing noise."""
import csv, random, re, os, sys, itertools, collections, math
sys.path.insert(0, os.path.dirname(__file__))
from territory import POLES, DOUARS, PLACES

SEED = int(os.environ.get("SEED", "7"))
rng = random.Random(SEED)
OUT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
SCR = {"a": "ar", "d": "darija_ar", "l": "darija_latin", "f": "fr"}
TARGET = {"ar": .50, "darija_ar": .20, "darija_latin": .12, "fr": .18}
SECTORS = "roads drinking_water electricity sanitation health education youth_sports women_family culture economy environment governance social".split()

pole_douars = collections.defaultdict(list)
for p, ar, fr, al in DOUARS:
    pole_douars[p].append(ar)
douar_pole = {d: p for p, ds in pole_douars.items() for d in ds}

# ---------------- parse
needs, singles = [], []
cur = None
for raw in open(os.path.join(os.path.dirname(__file__), "needs.txt"), encoding="utf-8"):
    line = raw.rstrip("\n")
    if not line.strip():
        continue
    if line.startswith("# "):
        f = [x.strip() for x in line[2:].split(";")]
        slug, sec, alt, groups, poles, n, douar = f
        cur = dict(slug=slug, sector=sec, alt=[a for a in alt.split(",") if a and a != "-"],
                   groups=groups.split(","), poles=list(range(1, 8)) if poles == "all" else [int(x) for x in poles.split(",")],
                   n=int(n), douar=None if douar == "-" else douar, lines=[])
        needs.append(cur)
    elif line.startswith("@ "):
        cur = next(x for x in needs if x["slug"] == line[2:].strip())
    elif line.startswith("! "):
        slug, sec, pole, group, douar, rest = [x.strip() for x in line[2:].split(";", 5)]
        s, txt = rest.split(":", 1)
        pr, so = [x.strip() for x in txt.split("||")]
        singles.append(dict(slug=slug, sector=sec, alt=[], groups=[group], poles=[int(pole)], n=1,
                            douar=None if douar == "-" else douar, lines=[(SCR[s], pr, so)]))
    else:
        s, txt = line.split(":", 1)
        pr, so = [x.strip() for x in txt.split("||")]
        cur["lines"].append((SCR[s.strip()], pr, so))

for d in needs + singles:
    if d["douar"]:
        assert d["douar"] in douar_pole, d["douar"]
slugs = [d["slug"] for d in needs + singles]
assert len(slugs) == len(set(slugs)), [s for s in slugs if slugs.count(s) > 1]

# ---------------- items, poles, groups (text is chosen later, per session facilitator)
items = []
for nd in needs + singles:
    P = nd["poles"]
    reps = math.ceil(nd["n"] / len(P))
    pool = []
    for _ in range(reps):
        q = list(P); rng.shuffle(q); pool += q
    gs = nd["groups"]
    gw = [1 / (1 + 0.35 * i) for i in range(len(gs))]
    for k in range(nd["n"]):
        items.append(dict(need=nd, pole=pool[k], group=rng.choices(gs, gw)[0]))

# ---------------- sessions
sessions = []  # dict(pole, group, items)
for p in sorted(POLES):
    bygrp = collections.defaultdict(list)
    for it in items:
        if it["pole"] == p:
            bygrp[it["group"]].append(it)
    small = []
    for g, its in sorted(bygrp.items()):
        rng.shuffle(its)
        if len(its) < 3:
            small += its; continue
        k = max(1, math.ceil(len(its) / rng.randint(9, 13)))
        sizes = [len(its) // k + (1 if i < len(its) % k else 0) for i in range(k)]
        i = 0
        for s in sizes:
            sessions.append(dict(pole=p, group=g, items=its[i:i + s])); i += s
    for it in small:  # leftover proposals go to another session of the pole (mixed first)
        cands = [s for s in sessions if s["pole"] == p and len(s["items"]) < 15]
        cands.sort(key=lambda s: (s["group"] != "mixed", len(s["items"])))
        cands[0]["items"].append(it)
# repair: a session rarely raises the same need twice; swap duplicates with another session of the pole
def need_set(s):
    return collections.Counter(it["need"]["slug"] for it in s["items"])
for _ in range(3):
    for s in sessions:
        c = need_set(s)
        for slug, k in list(c.items()):
            while k > 1:
                dup = next(it for it in s["items"] if it["need"]["slug"] == slug)
                done = False
                others = [o for o in sessions if o is not s and o["pole"] == s["pole"]]
                rng.shuffle(others)
                for o in others:
                    oc = need_set(o)
                    if slug in oc:
                        continue
                    cand = [it for it in o["items"] if it["need"]["slug"] not in need_set(s)]
                    if cand:
                        x = rng.choice(cand)
                        s["items"] = [y for y in s["items"] if y is not dup]
                        o["items"] = [y for y in o["items"] if y is not x]
                        s["items"].append(x); o["items"].append(dup)
                        done = True
                        break
                k -= 1
                if not done:
                    break
rng.shuffle(sessions)
for i, s in enumerate(sessions, 1):
    s["key"] = "s%03d" % i
    s["home"] = rng.choice(pole_douars[s["pole"]])
    for it in s["items"]:
        it["session"] = s["key"]; it["group"] = s["group"]; it["pole"] = s["pole"]

# ---------------- text: each session has a facilitator who types mostly in one script
PROFILE = {"women": {"darija_ar": .45, "ar": .45, "darija_latin": .04, "fr": .06},
           "men": {"ar": .60, "darija_ar": .22, "darija_latin": .10, "fr": .10},
           "youth": {"darija_latin": .45, "ar": .30, "fr": .15, "darija_ar": .10},
           "associations": {"fr": .45, "ar": .45, "darija_ar": .05, "darija_latin": .05},
           "disability": {"ar": .55, "fr": .20, "darija_ar": .20, "darija_latin": .05},
           "mixed": {"ar": .52, "darija_ar": .15, "darija_latin": .17, "fr": .18}}
count = collections.Counter()
for s in sessions:
    base = dict(PROFILE[s["group"]])
    # facilitator habit: one script gets a boost
    fav = rng.choices(list(base), list(base.values()))[0]
    s["prof"] = {k: v * (2.2 if k == fav else 1) for k, v in base.items()}
lines_left = {nd["slug"]: list(nd["lines"]) for nd in needs + singles}
combos_done = collections.defaultdict(set)
order = list(items); rng.shuffle(order)
sess_by_key = {s["key"]: s for s in sessions}
for it in order:
    nd = it["need"]; prof = sess_by_key[it["session"]]["prof"]
    tot = sum(count.values()) or 1
    def w(sc):
        deficit = TARGET[sc] / max(count[sc] / tot, 0.02) if tot > 30 else 1
        return prof[sc] * min(max(deficit, 0.4), 2.5)
    left = lines_left[nd["slug"]]
    if left:
        wts = [w(c[0]) * rng.uniform(.7, 1.3) for c in left]
        c = left.pop(max(range(len(left)), key=lambda i: wts[i]))
    else:
        L = nd["lines"]
        combos = [(x[0], x[1], y[2]) for x, y in itertools.permutations(L, 2)
                  if x[0] == y[0] and y[2] and x[2] != y[2] and (x[1], y[2]) not in combos_done[nd["slug"]]]
        used_p = collections.Counter(p for p, _ in combos_done[nd["slug"]])
        c = max(combos, key=lambda c: w(c[0]) * rng.uniform(.7, 1.3) / (1 + used_p[c[1]]))
        combos_done[nd["slug"]].add((c[1], c[2]))
    it["script"], it["problem"], it["solution"] = c
    count[c[0]] += 1

# ---------------- douar
for it in items:
    nd = it["need"]; p = it["pole"]
    s = next(x for x in sessions if x["key"] == it["session"])
    if nd["douar"]:
        if douar_pole[nd["douar"]] == p:
            r = rng.random()
            it["douar"] = nd["douar"] if r < .78 else ("" if r < .95 else s["home"])
        else:
            it["douar"] = "" if rng.random() < .55 else s["home"]
    else:
        r = rng.random()
        it["douar"] = s["home"] if r < .5 else (rng.choice(pole_douars[p]) if r < .68 else "")

# ---------------- sector noise (~1/12)
PLAUS = {"roads": ["governance", "economy"], "education": ["social", "youth_sports"], "health": ["social"],
         "drinking_water": ["sanitation", "environment"], "electricity": ["roads", "governance"],
         "economy": ["women_family", "environment"], "women_family": ["economy", "social"],
         "youth_sports": ["culture", "education"], "social": ["governance", "health"],
         "environment": ["sanitation", "economy"], "sanitation": ["environment"], "culture": ["youth_sports", "social"],
         "governance": ["social"]}
for it in items:
    nd = it["need"]
    it["sector"] = nd["sector"]
    if rng.random() < 0.1:
        alt = nd["alt"] or PLAUS[nd["sector"]]
        it["sector"] = rng.choice(alt)

# ---------------- text noise
AR_LET = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
def ar_noise(t):
    if not t:
        return t
    if rng.random() < .35:
        t = t.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    if rng.random() < .15:
        t = re.sub(r"ة\b", "ه", t)
    if rng.random() < .12:
        t = re.sub(r"ي\b", "ى", t) if rng.random() < .6 else re.sub(r"ى\b", "ي", t)
    if rng.random() < .05:
        t = t.replace("ك", "ک")
    if rng.random() < .06:
        t = t.replace("گ", "ك") if "گ" in t else t
    words = t.split(" ")
    if rng.random() < .07 and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i:i + 2] = [words[i] + words[i + 1]]
    if rng.random() < .07:
        i = rng.randrange(len(words)); w = words[i]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            if w[j] in AR_LET:
                words[i] = w[:j + 1] + w[j] + w[j + 1:]
    if rng.random() < .05:
        i = rng.randrange(len(words)); w = words[i]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            if w[j] in "بتثجحسشصضطعغفقكلمنهي" and w[j - 1] in "بتثجحسشصضطعغفقكلمنهي":
                words[i] = w[:j] + "ـ" + w[j:]
    t = " ".join(words)
    if rng.random() < .3:
        t = t.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return t

FR_ABBR = [(" pour ", " pr "), (" dans ", " ds "), (" avec ", " avc "), (" tous ", " ts "), (" et ", " & "), (" beaucoup", " bcp"), (" les ", " lés ")]
def fr_noise(t):
    if not t:
        return t
    if rng.random() < .2:
        a, b = rng.choice(FR_ABBR[:6]); t = t.replace(a, b)
    if rng.random() < .3:
        t = t[0].upper() + t[1:]
    if rng.random() < .1 and len(t) > 8:
        i = rng.randrange(2, len(t) - 2)
        if t[i].isalpha(): t = t[:i] + t[i + 1:]
    if rng.random() < .08 and len(t) > 8:
        i = rng.randrange(2, len(t) - 3)
        if t[i].isalpha() and t[i + 1].isalpha(): t = t[:i] + t[i + 1] + t[i] + t[i + 2:]
    if rng.random() < .07:
        t = re.sub(r"\b(l|d)[' ](\w)", r"\1\2", t, count=1)
    if rng.random() < .05:
        t = t.upper()
    return t

def la_noise(t):
    if not t:
        return t
    if rng.random() < .12: t = t.replace("9", "q")
    if rng.random() < .08: t = t.replace("ch", "sh")
    if rng.random() < .08: t = t.replace("ou", "u")
    if rng.random() < .1: t = t.replace(" dyal ", " d ")
    if rng.random() < .2: t = t[0].upper() + t[1:]
    return t

for it in items:
    f = {"ar": ar_noise, "darija_ar": ar_noise, "fr": fr_noise, "darija_latin": la_noise}[it["script"]]
    it["problem"] = f(it["problem"]); it["solution"] = f(it["solution"])
    if it["solution"] and rng.random() < .02:
        it["solution"] = ""

# ---------------- write
rng.shuffle(items)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "territory-douars.csv"), "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh); w.writerow(["pole_number", "pole_ar", "pole_fr", "douar_ar", "douar_fr", "aliases"])
    for p, ar, fr, al in DOUARS:
        w.writerow([p, POLES[p][0], POLES[p][1], ar, fr, al])
with open(os.path.join(OUT, "territory-places.csv"), "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh); w.writerow(["kind", "place_ar", "place_fr", "aliases", "douars"])
    for row in PLACES:
        for d in row[4].split("|"):
            assert d in douar_pole, d
        w.writerow(row)
with open(os.path.join(OUT, "proposals.csv"), "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh); w.writerow(["id", "session", "pole_number", "group", "douar_ar", "sector", "script", "problem", "solution", "need"])
    for i, it in enumerate(items, 1):
        w.writerow(["p%04d" % i, it["session"], it["pole"], it["group"], it["douar"], it["sector"], it["script"], it["problem"], it["solution"], it["need"]["slug"]])
print("written", len(items), "proposals,", len(sessions), "sessions")
