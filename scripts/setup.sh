#!/usr/bin/env bash
# One-time setup of a checkout on a fresh Debian 12 machine: Mesa's lavapipe (a CPU Vulkan driver
# from bookworm-backports — Debian 12's own Mesa is too old for Dawn) when no Vulkan driver is
# installed, the ONNX backend test data for `npm run conformance` and python3-onnx (tests read
# models with it), then `npm ci` (which builds the
# package). Needs root for apt; on a machine that already has a GPU driver and the test data it
# only runs `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 || need_apt=1
dpkg -s libvulkan1 >/dev/null 2>&1 || need_apt=1
[ -d /usr/share/libonnx-testdata/data ] || need_apt=1
# The zoo tests read models' symbolic input axes with python3-onnx, independently of our importer.
/usr/bin/python3 -c 'import onnx; onnx.load' >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: Vulkan driver or ONNX test data missing; rerun as root (or install them: see .ci/run)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list
  apt-get update -q
  apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers
  apt-get install -y -q libvulkan1 libonnx-testdata python3-onnx
fi

# onnxruntime-node's install script would download CUDA binaries; .npmrc says skip, and so does this.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci
