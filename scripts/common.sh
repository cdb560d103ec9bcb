# shellcheck shell=bash
# Shared by scripts/demo and scripts/test: install what is missing, build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${ZCDMA_BUILD_DIR:-$ROOT/build}
TOOLS=$ROOT/.tools
# GNU Radio's Python, not whatever python3 is first on PATH (DESIGN §4).
PY=/usr/bin/python3

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian 12 packages. Each scripts/* adds what it needs on top.
BUILD_PACKAGES=(gnuradio-dev gnuradio pybind11-dev python3-numpy python3-pyqt5 cmake g++ make
    pkg-config libboost-test-dev liburing-dev libzmq3-dev python3-matplotlib)
TEST_PACKAGES=(clang-format python3-venv tshark)
# The kernel module and its QEMU guest (DESIGN §6).
VM_PACKAGES=(linux-image-amd64 linux-headers-amd64 linux-source qemu-system-x86
    busybox-static cpio sparse iproute2 kmod ethtool)
# DKMS check, 6.12 module BTF (pahole), the debug guest kernel's build.
VM_PACKAGES+=(dkms dwarves flex bison bc libelf-dev)
# ARM cross-builds of kmod/ against Debian's armhf/arm64 headers
# (tests/vm/arm/debian-arm-kernel) and the dt-schema binding check.
VM_PACKAGES+=(gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu linux-source-6.1
    device-tree-compiler dt-schema)
# The ARM VM (tests/vm/arm/vm-arm): QEMU's smdkc210, static armhf guest programs.
VM_PACKAGES+=(qemu-system-arm libc6-dev-armhf-cross)
# The guest's scratch disk for the SigMF recording test (mkfs.ext4).
VM_PACKAGES+=(e2fsprogs)

install_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} = 0 ] && return 0
    echo "== installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
    echo "== building in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZCDMA_SANITIZE=ON \
        -DPYTHON_EXECUTABLE=$PY >/dev/null
    cmake --build "$BUILD" -j"$(nproc)"
}

# The `sigmf` package (PyPI) that validates and reads back the SigMF files the
# tests write, pinned, in a venv that also sees GNU Radio's system packages.
# One venv per Python version: scripts/test-trixie (Python 3.13) shares .tools/.
# CMake registers the qa_sigmf*.py tests with its interpreter when it exists.
SIGMF_VERSION=1.14.0
sigmf_venv_dir() {
    echo "$TOOLS/sigmf-venv-$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
}
sigmf_venv() {
    local venv
    venv=$(sigmf_venv_dir)
    [ "$("$venv/bin/python" -c 'import sigmf; print(sigmf.__version__)' 2>/dev/null)" = \
        "$SIGMF_VERSION" ] && return 0
    echo "== sigmf $SIGMF_VERSION in $venv"
    "$PY" -m venv --system-site-packages "$venv"
    # ZCDMA_SIGMF_WHEELS: a directory to install from, offline (test-trixie).
    "$venv/bin/pip" install -q ${ZCDMA_SIGMF_WHEELS:+--no-index --find-links "$ZCDMA_SIGMF_WHEELS"} \
        "sigmf==$SIGMF_VERSION"
}

# Run Python with the freshly built module first on the path.
run_py() {
    PYTHONPATH="$BUILD/test_modules${PYTHONPATH:+:$PYTHONPATH}" \
        LD_LIBRARY_PATH="$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$PY" "$@"
}
