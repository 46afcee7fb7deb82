"""Operations: alerts to organizers, outbox retention, Prometheus metrics at /metrics."""
