"""Development tooling, never imported by a service: the whole platform on one machine
(`python -m shared.dev.stack run`, what `make run` does), the embedded PostgreSQL and NATS
it and the tests start, and the demo tenant's site."""
