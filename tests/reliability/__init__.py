"""Reliability drills: real `ignacio serve` and `ignacio worker` processes, signed webhooks over
HTTP, SIGKILL, duplicate deliveries, a failing Graph API; exactly-once checked at the fake."""
