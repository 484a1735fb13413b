"""What must outlive a request: pending actions and Socket Mode envelope IDs, in memory or Redis."""
