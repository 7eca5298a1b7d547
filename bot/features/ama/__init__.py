"""AMA sessions: questions, upvotes, answers in threads, a live board, a summary and an archive.

Kept import-free (the feature is `bot.features.ama.feature.Ama`), so `bot.playbooks.schema` can
import the `ama` playbook model from `bot.features.ama.settings` without an import cycle.
"""
