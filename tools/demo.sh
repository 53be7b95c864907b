#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The seed scenario, walked through in throwaway namespaces: what a user types
# and what they see. Nothing outside the namespaces it creates is touched, and
# everything is removed at the end (also on failure or Ctrl-C).
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
XNET="${XNET:-$HERE/build/xnet}"
P="xdemo$$"
HOST="${P}h"
ROOT="$(mktemp -d /tmp/xnet-demo.XXXXXX)"

[ "$(id -u)" = 0 ] || { echo "demo: must run as root" >&2; exit 1; }
[ -x "$XNET" ] || { echo "demo: $XNET not built; run 'make' first" >&2; exit 1; }

cleanup() {
	ip netns exec "$HOST" "$XNET" --root "$ROOT" system teardown >/dev/null 2>&1 || true
	ip netns del "$HOST" 2>/dev/null || true
	rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

ip netns add "$HOST"
ip -n "$HOST" link set lo up

# Show the command as a user would type it (xnet ...), run it in the demo host.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
x() {
	say "xnet $*"
	ip netns exec "$HOST" "$XNET" --root "$ROOT" "$@"
}
# A command that is expected to fail: show it, and carry on.
x_fails() {
	say "xnet $*"
	if ip netns exec "$HOST" "$XNET" --root "$ROOT" "$@"; then
		echo "(unexpected: this should have failed)"; return 1
	fi
	echo "(fails, as it should)"
}
ipof() { ip netns exec "$HOST" "$XNET" --root "$ROOT" inspect --format "{{.NetworkSettings.Networks.$2.IPAddress}}" "$1"; }

echo "xnet demo: a private host namespace $HOST, state under $ROOT"
x network create -d bridge --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
x network ls
for c in c1 c2 c3; do x run -d --name "$c" --network mynet sleep 1d >/dev/null; echo "(started $c)"; done
x run -d --name c4 sleep 1d >/dev/null; echo "(started c4 on the default bridge)"
x ps
C2=$(ipof c2 mynet); C4=$(ipof c4 bridge)
x inspect --format '{{.NetworkSettings.IPAddress}}' c4
x exec c1 ping -c1 -W1 "$C2"
x_fails exec c1 ping -c1 -W1 "$C4"
x network connect bridge c3
x exec c3 ping -c1 -W1 "$C4"
x_fails exec c2 ping -c1 -W1 "$C4"
x network inspect --format '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}} {{end}}' bridge
x network disconnect bridge c3
x_fails exec c3 ping -c1 -W1 "$C4"
say "ping -c1 $C2    # from the host"
ip netns exec "$HOST" ping -c1 -W1 "$C2"
x system drops
x rm -f c1 c2 c3 c4

# The seed's app: Flask finds redis-server by name (the embedded DNS) and is published on port 5000.
PY3=/usr/bin/python3
if command -v redis-server >/dev/null && "$PY3" -c 'import flask, redis' 2>/dev/null; then
	x run -d --name redis-server --network mynet redis-server --protected-mode no --save "" >/dev/null
	echo "(started redis-server)"
	x run -d --name web --network mynet --network-alias app -e REDIS_HOST=redis-server -p 5000:5000 \
		"$PY3" "$HERE/examples/flask-redis/app.py" >/dev/null
	echo "(started web: examples/flask-redis/app.py)"
	x exec web getent hosts redis-server
	x exec web dig +short app
	for _ in $(seq 50); do
		ip netns exec "$HOST" curl -s -o /dev/null http://localhost:5000/ && break
		sleep 0.2
	done
	for _ in 1 2 3; do
		say "curl http://localhost:5000/redis    # from the host"
		ip netns exec "$HOST" curl -s http://localhost:5000/redis
	done
	x rm -f web redis-server
else
	echo "(skipping the Flask + redis part: install redis-server python3-flask python3-redis)"
fi
x network rm mynet
x network ls
echo
echo "demo: done; cleaning up"
