"""Pure domain values and rules: scopes, downtimes, matching, recurrences, the undo plan. No I/O."""
