"""Linking a chat to a person: the welcome, invites and link codes spent (chat_linking.py), and
holding codes back from guessers (guessing.py)."""
