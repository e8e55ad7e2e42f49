#!/usr/bin/env python3
"""Issue 19's experiment table from bench/population/experiment.sh's output folder (default /tmp/popexp)."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/popexp"
rows = []
for name in sorted(os.listdir(out)):
    folder = os.path.join(out, name)
    if not os.path.isdir(folder) or name.startswith("."):
        continue
    method, seed = name.rsplit("-s", 1)
    if os.path.exists(os.path.join(folder, "population.json")):
        result = json.load(open(os.path.join(folder, "population.json")))["result"]
        test, validation = result["test"], result["best"]["validationReturn"]
        chosen = f"m{result['best']['member']}"
    elif os.path.exists(os.path.join(folder, "status.json")):
        result = json.load(open(os.path.join(folder, "status.json")))["result"]
        test, validation = result["test"], result["bestValidation"]["agentReturn"]
        chosen = f"update {test['checkpointUpdate']}"
    else:
        continue
    b = test["bootstrap"]
    rows.append((method, int(seed), chosen, validation, test["agentReturn"], test["buyAndHoldReturn"], test.get("bestRuleReturn"), test["randomMeanReturn"],
                 b["excessReturnVsBuyAndHold"], b["excessSharpeVsBuyAndHold"]))

print("| method | seed | selected | validation return | test return | buy & hold | best rule | random (mean) | excess return vs b&h [95 % CI] | excess Sharpe vs b&h [95 % CI] |")
print("|---|---:|---|---:|---:|---:|---:|---:|---|---|")
for m, s, c, v, a, h, r, rnd, er, es in sorted(rows, key=lambda r: (r[1], r[0])):
    print(f"| {m} | {s} | {c} | {v:+.1%} | {a:+.1%} | {h:+.1%} | {r:+.1%} | {rnd:+.1%} | {er['point']:+.1%} [{er['lower']:+.1%}, {er['upper']:+.1%}] | {es['point']:+.2f} [{es['lower']:+.2f}, {es['upper']:+.2f}] |")
by = {}
for m, s, c, v, a, *_ in rows:
    by.setdefault(m, {})[s] = a
print()
for m, seeds in sorted(by.items()):
    print(f"{m}: mean test return {sum(seeds.values()) / len(seeds):+.1%} over seeds {sorted(seeds)}")
if "population" in by:
    for other in sorted(set(by) - {"population"}):
        common = sorted(set(by["population"]) & set(by[other]))
        wins = sum(by["population"][s] >= by[other][s] for s in common)
        print(f"population >= {other} on {wins}/{len(common)} seeds (paired by seed)")
