"""Batch release QC (in progress)."""
