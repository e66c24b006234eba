"""The case desk's service surface: errors, middlewares, JSON in and out, the OpenAPI document,
/healthz and /metrics."""
