"""Folium pages of workload and coverage, built from data handed in."""
