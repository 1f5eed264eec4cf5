"""Scheduled reports: Looks, queries and named metrics mailed and posted on a schedule, exactly once per slot."""
