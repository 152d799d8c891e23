"""Planners' analytics: workload KPIs, service coverage, where to build next.

geo.analytics.coverage (coverage per grid and community) and geo.analytics.siting (greedy
choice of new facility sites) are pure: no database, no HTTP. Their inputs and outputs are in
EPSG:4326 (lon, lat degrees); areas and distances are computed in geo.coords.METRIC_CRS (UTM
48N metres); radii are metres, populations residents. Import them from their modules (the
function coverage() shares its module's name, so the package does not re-export it).
"""
