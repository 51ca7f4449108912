"""HR's KPI targets, and each regional and outcome KPI against them by quarter."""
