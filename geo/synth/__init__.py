"""Deterministic synthetic data: the illustrative Yunyan partition and the demo's roster,
facilities, gazetteer and cases.

No open dataset has Yunyan's community or grid boundaries, so the bundled ones are generated
here from the real district outline and a seed. Everything they produce is illustrative.
"""
