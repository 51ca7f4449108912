"""Pseudonymised research extracts for evaluators (see the monitor's README, "Research")."""
