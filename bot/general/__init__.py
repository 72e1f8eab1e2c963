"""What any chat may ask, whatever its role (help, its language, keeping its phone number), and
what is said to a command nobody knows or to a chat not linked yet (chat.py)."""
