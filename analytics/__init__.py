"""ClickHouse analytics: migrations, the sink, KPI queries, Grafana provisioning."""
