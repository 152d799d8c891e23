"""Planners' analytics: workload KPIs, service coverage, where to build next."""
