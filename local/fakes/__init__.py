"""Loopback fakes of the upstreams (GitHub, WeChat) for tests and `OFFLINE=1 make dev`."""
