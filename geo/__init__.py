"""gridmgr's domain and spatial core: no HTTP, no HTML."""
