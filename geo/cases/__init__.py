"""Cases: the catalogue of categories, the workflow, intake and actions, and how they read."""
