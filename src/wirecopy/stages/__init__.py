"""Stages: plain functions over batches of records, one per step of the data flow."""
