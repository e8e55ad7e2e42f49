#!/usr/bin/env bash
# Issue 19's experiment: on the trend market with a poor default learning rate (1e-5), an 8-member population (5 rounds × 4
# iterations) against an 8-member random search over the same space (1 round × 20 iterations: the same draws, no exploit)
# and against the default single run (160 iterations: the same summed learner updates, 8 × 20 × 256), each scored once
# on the test split. Every method trains on the same market (base.json's marketSeed 42); --seed is the population's seed
# (its draws, exploits and the members' agent seeds) or the single run's agent seed. Usage: bench/population/experiment.sh [seeds...] (default 1 2 3); writes $OUT (default /tmp/popexp).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="${LINEAGE_CLI:-$root/src/Lineage.Cli/bin/Release/net10.0/linux-x64/lineage}"
out="${OUT:-/tmp/popexp}"
mkdir -p "$out"
cd "$out"
seeds="${*:-1 2 3}"
for seed in $seeds; do
  for method in population random single; do
    name="$method-s$seed"
    [ -e "$out/$name.done" ] && continue
    start=$(date +%s)
    case "$method" in
      population) "$cli" population --config "$here/base.json" --search-space "$here/space.json" --members 8 --rounds 5 --iterations-per-round 4 --seed "$seed" --name "$name" --container "$name" --out "$out" > "$out/$name.log" 2>&1 ;;
      random)     "$cli" population --config "$here/base.json" --search-space "$here/space.json" --members 8 --rounds 1 --iterations-per-round 20 --seed "$seed" --name "$name" --container "$name" --out "$out" > "$out/$name.log" 2>&1 ;;
      single)     "$cli" train --config "$here/base.json" --iterations 160 --seed "$seed" --run-id "$name" --container "$name" --out "$out" > "$out/$name.log" 2>&1 ;;
    esac || { echo "$name failed: see $out/$name.log"; exit 1; }
    echo "$name $(( $(date +%s) - start ))s" | tee -a "$out/times.txt"
    touch "$out/$name.done"
  done
done
