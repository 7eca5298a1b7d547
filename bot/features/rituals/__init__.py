"""Rituals: scheduled community routines (prompts, digests, check-ins, pairings, celebrations).

Kept import-free so `bot.playbooks.schema` can import the ritual playbook model without a cycle.
"""
