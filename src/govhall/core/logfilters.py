"""Logging filters beyond masking: client errors are sampled, so a guessing attack (20,000
wrong codes, each a 400/404/429 that Django logs as a warning) cannot flood the log and
bury what matters. Every security-relevant failure is in the hash-chained audit log and the
limit counters anyway; the log keeps a sample and says how many it left out."""

from __future__ import annotations

import logging
import threading
import time

# Client-error lines kept per process per minute; the rest are counted and reported with
# the first line of the next minute.
CLIENT_ERRORS_PER_MINUTE = 30


class ClientErrorSampler(logging.Filter):
    """For ``django.request`` 4xx records: at most ``per_minute`` a minute per process."""

    def __init__(self, per_minute: int = CLIENT_ERRORS_PER_MINUTE, clock=time.monotonic):
        super().__init__()
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._kept = 0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        with self._lock:
            window = int(self.clock() // 60)
            if window != self._window:
                dropped, self._window, self._kept, self._dropped = self._dropped, window, 0, 0
                if dropped:
                    record.msg = f"{record.getMessage()} （此前一分钟另有 {dropped} 条客户端错误未记录）"
                    record.args = None
            if self._kept >= self.per_minute:
                self._dropped += 1
                return False
            self._kept += 1
            return True
