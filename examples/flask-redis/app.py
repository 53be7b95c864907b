# The seed's Flask + Redis app (seeds/003): a hit counter kept in redis-server,
# which it finds by the sandbox name in $REDIS_HOST through the embedded DNS.
# Run it in xnet:
#   xnet network create mynet
#   xnet run -d --name redis-server --network mynet redis-server --protected-mode no
#   xnet run -d --name web --network mynet -e REDIS_HOST=redis-server -p 5000:5000 \
#       python3 examples/flask-redis/app.py
#   curl http://localhost:5000/redis
import os
import socket

from flask import Flask
from redis import Redis

app = Flask(__name__)
redis = Redis(host=os.environ.get("REDIS_HOST", "127.0.0.1"), port=6379)


@app.route("/redis")
def hello():
    redis.incr("hits")
    return "Hello Container World! I have been seen %s times and my hostname is %s.\n" % (
        int(redis.get("hits")), socket.gethostname())


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
