"""Proposals, their state machine, policy and permissions (pure), and beside them the Redis store, audit and jobs."""
