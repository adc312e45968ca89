#!/usr/bin/env bash
# `make bench`: release build of every function and of the benchmark, package sizes
# (each bootstrap zipped as Lambda receives it), then the benchmark (bench/src) under a
# fresh local stack. Writes target/bench/report.json and target/bench/report.md, the
# tables of docs/PERFORMANCE.md.
#
#   BENCH_ARM64=0   skip the arm64 cross-build (cargo-lambda with zig, about 5 minutes)
#                   of the packages the template deploys; by default it runs whenever
#                   the aarch64-unknown-linux-gnu target is installed.
#   BENCH_ARGS      extra flags for the benchmark, e.g. "--load-seconds 10 --starts 5".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
started=$SECONDS
phase() { echo "== [$(( (SECONDS - started) / 60 ))m$(( (SECONDS - started) % 60 ))s] $*" >&2; }
out="$root/target/bench"
mkdir -p "$out"

infra/local/tools.sh bench
eval "$(infra/local/tools.sh paths)"

phase "release build: the functions and the benchmark"
cargo build --release -p glchat-functions --bins -p glchat-bench
host="$(rustc -vV | sed -n 's/^host: //p')"
functions="$(ls functions/src/bin | sed -n 's/\.rs$//p' | grep -v '^local_api$')"
targets=("$host=target/release/{}")
# The arm64 packages the template deploys: built whenever the target is installed.
arm64="${BENCH_ARM64:-auto}"
if [ "$arm64" = auto ]; then
  if rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then arm64=1; else
    arm64=0
    echo "note: arm64 packages not sized (rustup target add aarch64-unknown-linux-gnu to include them)" >&2
  fi
fi
if [ "$arm64" = 1 ]; then
  infra/local/tools.sh infra
  phase "arm64 release build (cargo lambda)"
  PATH="$INFRA_VENV/bin:$PATH" cargo lambda build --release --arm64 -p glchat-functions
  targets+=("aarch64-unknown-linux-gnu=target/lambda/{}/bootstrap")
fi

phase "package sizes"
python3 - "$out/packages.json" "$functions" "${targets[@]}" <<'PY'
import io, json, os, sys, zipfile
out, names, targets = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
packages = []
for spec in targets:
    target, pattern = spec.split("=", 1)
    functions = []
    for name in names:
        path = pattern.replace("{}", name)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read(), compresslevel=9)
        functions.append({"function": name, "bootstrap_bytes": os.path.getsize(path), "zip_bytes": len(buffer.getvalue())})
    packages.append({"target": target, "functions": functions})
json.dump(packages, open(out, "w"), indent=2)
PY

phase "benchmark (local stack)"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
infra/local/stack.sh -- env BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  BENCH_RUSTC="$(rustc --version)" RUST_LOG=warn \
  target/release/glchat-bench --functions target/release --python "$BENCH_VENV/bin/python" \
  --packages "$out/packages.json" --out "$out" ${BENCH_ARGS:-}
phase "done"
