# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The seed's end-to-end check (seeds/003): a Flask app and redis-server in
# two sandboxes on a user network; the app finds redis by its sandbox name
# (REDIS_HOST=redis-server, answered by the embedded DNS) and is published on
# port 5000; `curl localhost:5000/redis` from the host counts 1, 2, 3, and a
# client in the outside namespace sees the same app through the uplink.

test_seed_flask_redis() {
	local app=$XT_TOP/examples/flask-redis/app.py hn out
	# Debian's interpreter, where python3-flask and python3-redis live (PATH may lead to another one).
	local py3=/usr/bin/python3
	need_cmd redis-server curl
	"$py3" -c 'import flask, redis' 2>/dev/null || skip "python3-flask and python3-redis are not installed"
	xok network create mynet
	xok run -d --name redis-server --network mynet redis-server --protected-mode no --save "" --appendonly no
	track redis-server
	xok run -d --name web --network mynet --network-alias app -e REDIS_HOST=redis-server -p 5000:5000 \
		"$py3" "$app"
	track web
	hn=$(inspect_json web | jget 'd[0]["Config"]["Hostname"]')
	# The app is up when / answers (404: only /redis exists, and it counts).
	wait_until 30 hx curl -s -o /dev/null http://localhost:5000/ || {
		tail -20 "$ROOT/containers/$(idof web)/log" >&2
		fail "the Flask app never answered on localhost:5000"
	}
	assert_contains "$(sx web getent hosts redis-server)" "$(ipof redis-server mynet)" "getent hosts redis-server"
	for n in 1 2 3; do
		out=$(hx curl -fsS --max-time 10 http://localhost:5000/redis) || fail "curl localhost:5000/redis ($n)"
		assert_eq "$out" "Hello Container World! I have been seen $n times and my hostname is $hn." "hit $n"
	done
	out=$(ox curl -fsS --max-time 10 "http://$XT_UP_HOST:5000/redis") || fail "curl from the outside"
	assert_eq "$out" "Hello Container World! I have been seen 4 times and my hostname is $hn." "hit 4 from outside"
	rm_all
	assert_no_leftovers
}
