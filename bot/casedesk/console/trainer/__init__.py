"""Trainer pages in the console and the NLU inbox's decisions."""
