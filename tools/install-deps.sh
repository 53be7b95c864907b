#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian 12 packages that xnet's build, tests and benchmarks need.
set -eu
export DEBIAN_FRONTEND=noninteractive
# libclang-rt-14-dev: clang's ASan/UBSan runtime, for `make sanitize` (make test).
PKGS="
  make gcc clang llvm pkg-config libclang-rt-14-dev
  libbpf-dev bpftool libxdp-dev xdp-tools libelf-dev zlib1g-dev
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libjson-c-dev libsqlite3-dev sqlite3 libldns-dev
  iproute2 iputils-ping procps psmisc util-linux kmod ethtool
  dnsutils curl python3 dnsmasq-base
  python3-flask python3-redis redis-server
  iperf3 sockperf iptables bridge-utils gnuplot-nox fping
"
# --bench: also what `make bench` drives besides iperf3: wrk against nginx,
# conntrack, and Docker's own userland proxy (docker-proxy, from docker.io).
# Not needed for the build or the tests, and nginx and docker.io bring
# daemons, so they are asked for explicitly.
if [ "${1:-}" = --bench ]; then
	PKGS="$PKGS wrk nginx conntrack docker.io dnsperf"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
