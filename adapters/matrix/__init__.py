"""The Matrix adapter (matrix-nio): sync loop in, room events out, end-to-end encryption included."""
