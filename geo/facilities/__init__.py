"""Service facilities: kinds and records (``model``), checking and placing (``placing``)."""
