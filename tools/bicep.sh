#!/usr/bin/env bash
# Runs the project's Bicep CLI (NuGet package Azure.Bicep.CommandLine.linux-x64, see tools/BicepCli/BicepCli.targets),
# installing it first by building the infra test project if needed. Example: tools/bicep.sh lint infra/main.bicep
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bicep="$root/tools/bicep/bicep"
if [ ! -x "$bicep" ]; then
  dotnet build "$root/tests/Lineage.Infra.Tests" -v quiet -nologo >&2
fi
exec "$bicep" "$@"
