"""gunicorn's settings for Ketenportal, read automatically when gunicorn starts in this folder
(the Docker image, docker-compose.yml and benchmarks/load_test.py). Each can be overridden with
an environment variable; see README "Configuration".
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes, and threads per process: a thread waiting for PostgreSQL lets another one work.
# Two threads, not more: the work is mostly Python, and more threads in one process only share
# its interpreter lock. Under the load test (50 beheerders, 2 cores) 2 threads gave a p95 of
# 170-195 ms, 4 threads 230 ms and 1 thread 267 ms (BENCHMARKS.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart a worker now and then, so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The TLS-terminating proxy in front sets X-Forwarded-Proto; trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# One line per request with its duration in microseconds (%(D)s); no query strings, which can
# hold a search for a company or person.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s'
errorlog = "-"
