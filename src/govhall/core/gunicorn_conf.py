"""gunicorn settings for a node (``gunicorn -c python:govhall.core.gunicorn_conf govhall.wsgi``).

With ``PROMETHEUS_MULTIPROC_DIR`` set, /metrics adds up every worker's counts; a worker
that exits is marked dead so its live gauges stop counting (docs/deployment.md). Everything
else is gunicorn's command line or its GUNICORN_CMD_ARGS."""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
