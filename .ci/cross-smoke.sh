#!/usr/bin/env bash
# Cross targets, tested here as far as this Linux x64 machine allows:
# - linux-arm64: built, then `--version`, `run --demo`, `import` and `stats` under qemu-user
#   (Debian's qemu-user-static with the arm64 glibc/libstdc++ cross runtimes as its sysroot).
# - linux-x64-musl: built and checked (musl ELF interpreter, the musl polars library embedded).
#   It is not executed: it needs a musl build of libstdc++ (Alpine's), which neither Debian nor
#   the npm registry provides; the release workflow runs it inside Alpine.
# - darwin-*, windows-x64: built by `--target all` only (release workflow), never executed here.
set -euo pipefail
cd "$(dirname "$0")/.."
bun=${BUN:-bun}

need=()
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || need+=(libstdc++6-arm64-cross libgcc-s1-arm64-cross)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

"$bun" run build --target linux-arm64,linux-x64-musl

# Each binary must embed exactly its own platform's polars library (bun names it <pkg>-<hash>.node).
check_embedded() {
  local bin=$1 pkg=$2
  grep -a -q -E "nodejs-polars\.${pkg}-[a-z0-9]{8}\.node" "$bin" || {
    echo "$bin does not embed nodejs-polars.${pkg}"
    exit 1
  }
}
check_embedded dist/ttapi-linux-arm64 linux-arm64-gnu
check_embedded dist/ttapi-linux-x64-musl linux-x64-musl
file dist/ttapi-linux-x64-musl | grep -q 'interpreter /lib/ld-musl-x86_64.so.1' || {
  echo "dist/ttapi-linux-x64-musl is not a musl executable"
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A wrapper so the ordinary smoke test drives the arm64 binary through qemu.
cp dist/ttapi-linux-arm64 "$work/ttapi-linux-arm64"
cat > "$work/ttapi" <<WRAP
#!/usr/bin/env bash
exec qemu-aarch64-static -L /usr/aarch64-linux-gnu "$work/ttapi-linux-arm64" "\$@"
WRAP
chmod +x "$work/ttapi"
(
  cd "$work"
  export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
  ./ttapi --version | tee version.txt
  grep -q 'target *linux-arm64' version.txt || { echo "arm64 binary reports the wrong target"; exit 1; }
  ./ttapi --version --json | grep -q '"target":"linux-arm64"'
  bash "$OLDPWD/.ci/smoke-binary.sh" "$work/ttapi"
)
echo "cross smoke: linux-arm64 ran under qemu; linux-x64-musl built and checked (not executed)"
