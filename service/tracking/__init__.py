"""Portfolio tracking: periodic funding snapshots per project and alerts."""
