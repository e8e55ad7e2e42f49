#!/usr/bin/env bash
# The benchmark command: builds what it measures (Release), then runs every section and writes
# bench/results.md. Pass --quick for a shorter run (~5 min), --only acting,learner,... for some sections
# (those write bench/artifacts/results-partial.md instead). Needs `npm ci` done at the repository root
# (Azurite); PyTorch (Debian: apt-get install -y python3-torch libopenblas0-pthread) is optional.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/azurite ]; then
  npm ci --no-audit --no-fund
fi
dotnet build src/Lineage.Cli -c Release -nologo -v quiet
dotnet build bench/Lineage.Benchmarks -c Release -nologo -v quiet
# The binary the whole-run comparison (section peer) times: published Release, ReadyToRun, as one would deploy it.
dotnet publish src/Lineage.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o bench/artifacts/lineage-published -nologo -v quiet
# Passive OpenMP waiting: spinning threads hurt badly on a small, shared machine (see NOTES on torch threads).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export LINEAGE_BENCH_COMMAND="bench/run.sh $*"
exec dotnet bench/Lineage.Benchmarks/bin/Release/net10.0/linux-x64/lineage-bench.dll "$@"
