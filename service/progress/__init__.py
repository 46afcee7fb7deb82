"""Progress reports: project owners' dated updates (text and photos) from start to acceptance."""
